//! How fast is it, and against what? This example teaches how to measure a
//! training epoch honestly: on the REAL data with the REAL trainer (not a
//! hand-rolled loop on synthetic images), over several runs (median and every
//! run), and next to the machine's own limits measured in the same process, so
//! that a figure means something on any machine:
//!
//! - the epoch: the book's model (784-300-100-10) compiled with sparse
//!   cross-entropy, `Sgd::new(0.01)` and accuracy, `fit` for one epoch of the
//!   55,000 training images (the first 5,000 of the 60,000 are held out, as in
//!   the book) in batches of 32 -> seconds, samples/s and GFLOP/s;
//! - the ceiling: matrixmultiply's sgemm on a large product (2048^3) on 1
//!   thread, and on 2 (or `--threads`) threads by splitting the product's
//!   columns across scoped threads; the FLOP bound of an epoch is its GEMM
//!   FLOPs divided by that peak, and we report our fraction of it;
//! - inference: `model.predict_with_batch_size` on 10,000 images in one call (and in
//!   batches of 32), and the latency of one `predict_one` call;
//! - allocations: a counting global allocator shows what a step allocates;
//! - memory: the bandwidth of summing a 256 MiB array (RAM) and a
//!   weights-sized array again and again (cache), and what reading the
//!   model's weights once costs at each.
//!
//! FLOPs are counted as the Python baselines count them
//! (`../shared/bench/common.py`, beside the repository): 2 per multiply-add; forward, dW for every
//! layer, dA for every layer but the first; the SGD update (2 per parameter
//! per step) is reported apart.
//!
//! ```text
//! cargo run --release --example bench_epoch -- --threads 2 --runs 5
//! cargo run --release --example bench_epoch -- --threads 1 --hidden 1000 --batch-size 128
//! cargo run --release --example bench_epoch -- --threads 1 --optimizer adam --no-machine --no-inference
//! cargo run --release --example bench_epoch -- --threads 2 --kernels avx2   # one family forced
//! ```
//!
//! Lines starting with a capitalised tag (`CPU`, `OURS_TRAIN`, `SGEMM_PEAK`, ...) are
//! the figures (`CPU` names the processor and which of mlp's kernels ran); `SCALING` is one line per configuration for tables.

use clap::Parser;
use mlp::__internal::DenseShape;
use mlp::__internal::Pool;
use mlp::datasets::fashion_mnist;
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::{Adam, Optimizer, Sgd};
use mlp::prelude::*;
use mlp::train::Fit;
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The system allocator, counting allocations (to check that a training
/// step allocates nothing: what a fit allocates, it allocates once).
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

network! {
    /// The book's Fashion-MNIST classifier (chapter 10).
    struct Hidden300 {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

network! {
    /// The same with a first hidden layer of 1,000 units.
    struct Hidden1000 {
        Flatten[28, 28] -> Dense<1000, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

network! {
    /// The same with a first hidden layer of 4,000 units.
    struct Hidden4000 {
        Flatten[28, 28] -> Dense<4000, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

type Image = SMatrix<f32, 28, 28>;

/// One training epoch of the book's model, timed, beside the machine's limits.
#[derive(Debug, Parser)]
struct Args {
    /// Threads of the batch engine (sets `MLP_NUM_THREADS`); 0 keeps
    /// `MLP_NUM_THREADS` or, without it, every core.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Fresh models trained for one epoch each (the median is reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Samples per gradient step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Width of the first hidden layer: 300 (the book), 1000 or 4000.
    #[arg(long, default_value_t = 300)]
    hidden: usize,
    /// Train on the first `samples` of the 55,000 training images only (a
    /// partial epoch, for slow configurations).
    #[arg(long, default_value_t = 55_000)]
    samples: usize,
    /// The optimizer: `sgd` (the book's `Sgd::new(0.01)`, folded into the
    /// backward pass), `momentum` (`Sgd::new(0.01).momentum(0.9)`) or `adam`
    /// (`Adam::new(0.001)`): the last two take their step apart, over the
    /// optimizer's state.
    #[arg(long, default_value = "sgd")]
    optimizer: String,
    /// Skip the sgemm peak and the bandwidth measurements.
    #[arg(long)]
    no_machine: bool,
    /// Skip `predict` and the one-sample latency.
    #[arg(long)]
    no_inference: bool,
    /// Side of the square sgemm product that measures the peak.
    #[arg(long, default_value_t = 2048)]
    peak_size: usize,
    /// The family of kernels (`mlp::select_kernels`): auto, reproducible,
    /// portable, avx2 or avx512; without it, `MLP_KERNELS` or auto.
    #[arg(long)]
    kernels: Option<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if args.threads > 0 {
        // SAFETY: nothing else runs yet (no thread has been spawned), so no
        // other thread reads the environment meanwhile.
        unsafe { std::env::set_var("MLP_NUM_THREADS", args.threads.to_string()) };
    }
    let threads = Pool::default_threads()?;
    if let Some(name) = &args.kernels {
        let kernels = mlp::Kernels::from_name(name).ok_or_else(|| {
            format!("--kernels {name}: choose auto, reproducible, portable, avx2 or avx512")
        })?;
        mlp::select_kernels(kernels)?;
    }
    println!(
        "CPU {}; mlp kernel {}",
        cpu_model(),
        mlp::__internal::kernel_name()
    );

    let ((x_full, y_full), _) = fashion_mnist::load_data()?;
    let x_train = fashion_mnist::scale(&x_full[5000..]);
    let y_train = &y_full[5000..];
    let n = args.samples.clamp(1, x_train.len());
    println!(
        "data: Fashion-MNIST, {} training images (first 5,000 of 60,000 held out), using {n}",
        x_train.len()
    );
    println!(
        "config: hidden {} batch {} threads {threads} runs {} optimizer {} (mlp batch engine, mlp kernels)",
        args.hidden, args.batch_size, args.runs, args.optimizer
    );

    let ours = match args.optimizer.as_str() {
        "sgd" => by_width(&args, &x_train[..n], &y_train[..n], Sgd::new(0.01)),
        "momentum" => by_width(
            &args,
            &x_train[..n],
            &y_train[..n],
            Sgd::new(0.01).momentum(0.9),
        ),
        "adam" => by_width(&args, &x_train[..n], &y_train[..n], Adam::new(0.001)),
        other => {
            return Err(format!("--optimizer {other}: choose sgd, momentum or adam").into());
        }
    }?;

    if !args.no_inference && args.hidden == 300 {
        int8_latency(&ours.params, &x_train[..10_000.min(n)], threads);
    }
    if !args.no_machine {
        machine(&args, threads, &ours);
    }
    Ok(())
}

/// The opt-in int8 path for one sample (`forward_one_u8` through the three
/// layers, quantised per unit from the trained weights), timed as
/// `predict_one` is, and how often its class agrees with f32's: the layers'
/// weights packed for VNNI (`DenseI8::pack`, `OURS_INT8_LATENCY`) and as
/// baked (`OURS_INT8_UNPACKED_LATENCY`, one horizontal sum per unit), which
/// give the same outputs bit for bit.
///
/// Then the int8 batch path (`Int8Batch::forward` through the three packed
/// layers, `threads` threads) on the same samples, in one call, as
/// `OURS_INT8_PREDICT`.
fn int8_latency(params: &[f32], xs: &[Image], threads: usize) {
    use mlp::quant::DenseI8;
    let mut model = Hidden300::new(0);
    model.params_mut().copy_from_slice(params);
    let l1 = Box::new(DenseI8::quantize(&model.dense));
    let l2 = Box::new(DenseI8::quantize(&model.dense_1));
    let l3 = Box::new(DenseI8::quantize(&model.dense_2));
    let (p1, p2, p3) = (l1.pack(), l2.pack(), l3.pack());
    let flat = |x: &Image| {
        let mut v = SVector::<f32, 784>::zeros();
        mlp::Flatten::<28, 28>::flatten_into(x, v.as_mut_slice());
        v
    };
    let unpacked =
        |x: &SVector<f32, 784>| l3.forward_one_u8(&l2.forward_one_u8(&l1.forward_one_u8(x)));
    let packed =
        |x: &SVector<f32, 784>| p3.forward_one_u8(&p2.forward_one_u8(&p1.forward_one_u8(x)));
    let inputs: Vec<SVector<f32, 784>> = xs.iter().map(flat).collect();
    let same = inputs
        .iter()
        .zip(xs)
        .filter(|(q, x)| packed(q).argmax().0 == model.predict_one(x).argmax().0)
        .count();
    let identical = inputs.iter().all(|x| packed(x) == unpacked(x));
    let calls = 20_000;
    let median_us = |forward: &dyn Fn(&SVector<f32, 784>) -> SVector<f32, 10>| {
        for i in 0..1000 {
            black_box(forward(black_box(&inputs[i % inputs.len()])));
        }
        let mut per = Vec::with_capacity(calls);
        for i in 0..calls {
            let start = Instant::now();
            black_box(forward(black_box(&inputs[i % inputs.len()])));
            per.push(start.elapsed().as_secs_f64());
        }
        median(&per) * 1e6
    };
    let path = mlp::__internal::int8_path();
    println!(
        "OURS_INT8_UNPACKED_LATENCY forward_one_u8 (int8 weights as baked, u8 inputs, {path:?}), 1 sample: median {:.2} us over {calls} calls",
        median_us(&unpacked)
    );
    println!(
        "OURS_INT8_LATENCY forward_one_u8 (int8 weights packed for VNNI, u8 inputs, {path:?}), 1 sample: median {:.2} us over {calls} calls; same class as f32 on {same} of {} samples; same outputs as unpacked: {identical}",
        median_us(&packed),
        inputs.len()
    );

    let batch = mlp::quant::Int8Batch::with_threads(threads).expect("the int8 batch's threads");
    let n = inputs.len();
    let flat: Vec<f32> = inputs.iter().flat_map(|x| x.iter().copied()).collect();
    let (mut h1, mut h2, mut out) = (vec![0.0; n * 300], vec![0.0; n * 100], vec![0.0; n * 10]);
    let mut run = || {
        batch.forward(&p1, &flat, &mut h1).expect("sizes");
        batch.forward(&p2, &h1, &mut h2).expect("sizes");
        batch.forward(&p3, &h2, &mut out).expect("sizes");
    };
    run();
    let runs: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64()
        })
        .collect();
    let identical = inputs
        .iter()
        .zip(out.chunks(10))
        .all(|(x, o)| packed(x).as_slice() == o);
    let t = median(&runs);
    println!(
        "OURS_INT8_PREDICT {n} samples in one call (Int8Batch, {threads} threads, {path:?}): median {:.2} ms, {:.0} samples/s  runs {:?} ms; same outputs as one by one: {identical}",
        t * 1e3,
        n as f64 / t,
        runs.iter()
            .map(|r| (r * 1e5).round() / 100.0)
            .collect::<Vec<_>>()
    );
}

/// The processor, as `/proc/cpuinfo` names it: model name, family and model
/// (the model name alone can be as vague as "AMD EPYC").
fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim() == key)
            .map_or_else(|| "unknown".to_string(), |(_, v)| v.trim().to_string())
    };
    let flags = field("flags");
    let avx512 = if flags.split(' ').any(|f| f == "avx512f") {
        "avx512f"
    } else {
        "no avx512f"
    };
    format!(
        "{} (family {}, model {}, {} logical cores, {avx512})",
        field("model name"),
        field("cpu family"),
        field("model"),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    )
}

/// What the training part measured, for the bounds printed afterwards.
struct Ours {
    /// Median epoch seconds.
    epoch_s: f64,
    /// GEMM FLOPs of the (possibly partial) epoch.
    gemm_flops: f64,
    /// Bytes of the model's parameters.
    weight_bytes: usize,
    /// Median one-sample latency, seconds (if measured).
    latency_s: Option<f64>,
    /// The trained parameters of the last run.
    params: Vec<f32>,
}

/// FLOPs per training sample of the GEMMs, as `common.py` counts them.
fn gemm_flops_per_sample(layers: &[DenseShape]) -> f64 {
    let mac = |l: &DenseShape| 2.0 * (l.inputs * l.units) as f64;
    let forward: f64 = layers.iter().map(mac).sum();
    let input_grads: f64 = layers.iter().skip(1).map(mac).sum();
    forward + forward + input_grads
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

fn list(xs: &[f64], scale: f64, digits: usize) -> String {
    let items: Vec<String> = xs
        .iter()
        .map(|x| format!("{:.*}", digits, x * scale))
        .collect();
    format!("[{}]", items.join(", "))
}

/// [`bench`] on the network of `--hidden`.
fn by_width<O: Optimizer + Clone>(
    args: &Args,
    x: &[Image],
    y: &[u8],
    optimizer: O,
) -> Result<Ours, Box<dyn std::error::Error>> {
    Ok(match args.hidden {
        300 => bench::<Hidden300, O>(args, x, y, optimizer),
        1000 => bench::<Hidden1000, O>(args, x, y, optimizer),
        4000 => bench::<Hidden4000, O>(args, x, y, optimizer),
        other => return Err(format!("--hidden {other}: choose 300, 1000 or 4000").into()),
    }?)
}

/// Trains `N` for one epoch `runs` times, then times inference.
fn bench<N: Network<Input = Image>, O: Optimizer + Clone>(
    args: &Args,
    x: &[Image],
    y: &[u8],
    optimizer: O,
) -> Result<Ours, mlp::Error> {
    let layers: Vec<DenseShape> = N::LAYERS.iter().filter_map(DenseShape::of).collect();
    let n = x.len();
    let steps = n.div_ceil(args.batch_size.max(1));
    let gemm_flops = n as f64 * gemm_flops_per_sample(&layers);
    let update_flops = steps as f64 * 2.0 * N::PARAMS as f64;
    println!(
        "model: {} parameters ({:.2} MiB); GEMM FLOPs per sample {:.0}; per epoch {:.2} GFLOP GEMM + {:.2} GFLOP SGD update ({steps} steps)",
        N::PARAMS,
        N::WEIGHT_BYTES as f64 / (1 << 20) as f64,
        gemm_flops_per_sample(&layers),
        gemm_flops / 1e9,
        update_flops / 1e9
    );

    let mut times = Vec::with_capacity(args.runs);
    let mut allocations = 0;
    let mut model = N::new(42);
    for run in 0..args.runs.max(1) {
        // A fresh model per run, as the Python baselines build one per run.
        model.initialize(42 + run as u64);
        let mut trainer = model.compile(
            SparseCategoricalCrossentropy,
            optimizer.clone(),
            [Metric::Accuracy],
        );
        let options = Fit::epochs(1)
            .batch_size(args.batch_size)
            .seed(run as u64)
            .verbose(0);
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        let start = Instant::now();
        let history = trainer.fit(x, y, options)?;
        let s = start.elapsed().as_secs_f64();
        allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
        times.push(s);
        let last = |name: &str| history.get(name).and_then(|v| v.last().copied());
        println!(
            "  run {}: epoch {s:.3} s, {:.0} samples/s, loss {:.4}, accuracy {:.4}",
            run + 1,
            n as f64 / s,
            last("loss").unwrap_or(f64::NAN),
            last("accuracy").unwrap_or(f64::NAN)
        );
    }
    let epoch_s = median(&times);
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "epoch seconds: {} (best {best:.3} s, {:.0} samples/s)",
        list(&times, 1.0, 3),
        n as f64 / best
    );
    println!(
        "OURS_TRAIN median epoch {epoch_s:.3} s, {:.0} samples/s, {:.1} GFLOP/s GEMM ({:.1} GFLOP/s effective incl. the SGD update)",
        n as f64 / epoch_s,
        gemm_flops / epoch_s / 1e9,
        (gemm_flops + update_flops) / epoch_s / 1e9
    );
    println!(
        "SCALING hidden={} batch={} threads={} samples={n} epoch_s={epoch_s:.4} best_s={best:.4} samples_per_s={:.0} gemm_gflop={:.3} gflops={:.2} best_gflops={:.2}",
        args.hidden,
        args.batch_size,
        Pool::default_threads()?,
        n as f64 / epoch_s,
        gemm_flops / 1e9,
        gemm_flops / epoch_s / 1e9,
        gemm_flops / best / 1e9
    );

    println!(
        "ALLOCATIONS during the last fit: {allocations} for {steps} steps ({:.1} per step; \
         all made once per fit: buffers, shuffled order, history)",
        allocations as f64 / steps as f64
    );

    let mut latency_s = None;
    if !args.no_inference {
        let count = 10_000.min(x.len());
        let xs = &x[..count];
        let forward =
            count as f64 * 2.0 * layers.iter().map(|l| l.inputs * l.units).sum::<usize>() as f64;
        for batch in [count, 32] {
            black_box(model.predict_with_batch_size(xs, batch).unwrap());
            let mut ts = Vec::new();
            for _ in 0..5 {
                let start = Instant::now();
                black_box(model.predict_with_batch_size(black_box(xs), batch).unwrap());
                ts.push(start.elapsed().as_secs_f64());
            }
            let m = median(&ts);
            println!(
                "OURS_PREDICT {count} samples, batch {batch}: median {:.2} ms, {:.0} samples/s, {:.1} GFLOP/s  runs {} ms",
                m * 1e3,
                count as f64 / m,
                forward / m / 1e9,
                list(&ts, 1e3, 2)
            );
        }

        let calls = 20_000;
        for i in 0..1000 {
            black_box(model.predict_one(black_box(&xs[i % count])));
        }
        let mut per = Vec::with_capacity(calls);
        let all = Instant::now();
        for i in 0..calls {
            let start = Instant::now();
            black_box(model.predict_one(black_box(&xs[i % count])));
            per.push(start.elapsed().as_secs_f64());
        }
        let mean = all.elapsed().as_secs_f64() / calls as f64;
        let m = median(&per);
        println!(
            "OURS_LATENCY predict_one, 1 sample: median {:.1} us, mean {:.1} us over {calls} calls ({:.0} samples/s at the median)",
            m * 1e6,
            mean * 1e6,
            1.0 / m
        );
        latency_s = Some(m);
    }
    Ok(Ours {
        epoch_s,
        gemm_flops,
        weight_bytes: N::WEIGHT_BYTES,
        latency_s,
        params: model.params().to_vec(),
    })
}

/// The sgemm peak, the FLOP bound, and memory bandwidth.
fn machine(args: &Args, threads: usize, ours: &Ours) {
    let mut counts = vec![1, 2];
    if !counts.contains(&threads) {
        counts.push(threads);
    }
    let mut peak_at_threads = None;
    for &t in &counts {
        let (gflops, all) = sgemm_peak(args.peak_size, t);
        println!(
            "SGEMM_PEAK matrixmultiply {0}x{0}x{0}, {t} thread(s){1}: median {gflops:.1} GFLOP/s  runs {2}",
            args.peak_size,
            if t > 1 {
                " (columns split across scoped threads)"
            } else {
                ""
            },
            list(&all, 1.0, 1)
        );
        if t == threads {
            peak_at_threads = Some(gflops);
        }
    }
    if let Some(peak) = peak_at_threads {
        let bound = ours.gemm_flops / peak / 1e9;
        println!(
            "BOUND at the {threads}-thread peak ({peak:.1} GFLOP/s): epoch GEMMs >= {bound:.3} s; ours {:.3} s = {:.2}x the bound ({:.0}% of peak)",
            ours.epoch_s,
            ours.epoch_s / bound,
            100.0 * bound / ours.epoch_s
        );
    }

    if threads > 1 {
        // The fork-join hand-off every shared phase of a step pays (5 per step
        // for the book's model with plain SGD).
        let pool = Pool::new(threads);
        let calls = 20_000;
        let mut per = Vec::with_capacity(calls);
        for i in 0..calls + 1000 {
            let start = Instant::now();
            pool.run(&|t| {
                black_box(t);
            });
            if i >= 1000 {
                per.push(start.elapsed().as_secs_f64());
            }
        }
        let mean = per.iter().sum::<f64>() / calls as f64;
        per.sort_by(f64::total_cmp);
        println!(
            "POOL_HANDOFF empty Pool::run on {threads} threads (the caller runs any part no worker has claimed, so this is the fast path, not a hand-off): median {:.2} us, mean {:.2} us, 99th percentile {:.1} us",
            median(&per) * 1e6,
            mean * 1e6,
            per[calls * 99 / 100] * 1e6
        );
    }
    let ram = bandwidth(256 << 20, 1, 5);
    let ram_t = if threads > 1 {
        Some(bandwidth(256 << 20, threads, 5))
    } else {
        None
    };
    let cache = bandwidth(ours.weight_bytes, 1, 2000);
    println!("BANDWIDTH sum of a 256 MiB f32 array, 1 thread: {ram:.1} GB/s");
    if let Some(b) = ram_t {
        println!("BANDWIDTH sum of a 256 MiB f32 array, {threads} threads: {b:.1} GB/s");
    }
    println!(
        "BANDWIDTH sum of a {:.2} MiB f32 array (the weights' size) again and again, 1 thread: {cache:.1} GB/s",
        ours.weight_bytes as f64 / (1 << 20) as f64
    );
    let from_ram = ours.weight_bytes as f64 / (ram * 1e9);
    let from_cache = ours.weight_bytes as f64 / (cache * 1e9);
    print!(
        "WEIGHTS_ONCE reading {} bytes of weights: {:.1} us from RAM, {:.1} us from cache",
        ours.weight_bytes,
        from_ram * 1e6,
        from_cache * 1e6
    );
    match ours.latency_s {
        Some(l) => println!(
            "; predict_one takes {:.1} us = {:.2}x the cache-bound time",
            l * 1e6,
            l / from_cache
        ),
        None => println!(),
    }
}

/// Median GFLOP/s of `C = A · B` (all `size x size`) on `threads` threads:
/// each thread multiplies A by its own block of B's columns into the same
/// columns of C (column-major, so each block of C is a separate slice).
fn sgemm_peak(size: usize, threads: usize) -> (f64, Vec<f64>) {
    let a: Vec<f32> = (0..size * size)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) / 6.0)
        .collect();
    let b: Vec<f32> = (0..size * size)
        .map(|i| ((i * 5 % 11) as f32 - 5.0) / 5.0)
        .collect();
    let mut c = vec![0.0_f32; size * size];
    let product = |c: &mut [f32]| {
        // Blocks of columns, on multiples of 8 (the kernel's width).
        let mut blocks = Vec::with_capacity(threads);
        let mut rest = c;
        let mut start = 0;
        for t in 0..threads {
            let end = if t + 1 == threads {
                size
            } else {
                (size * (t + 1) / threads).div_ceil(8) * 8
            };
            let (block, tail) = rest.split_at_mut((end - start) * size);
            blocks.push((start, end - start, block));
            rest = tail;
            start = end;
        }
        std::thread::scope(|s| {
            for (col, width, block) in blocks {
                let (a, b) = (&a, &b);
                s.spawn(move || {
                    // SAFETY: A is size x size row-major; B's columns
                    // col..col+width are within `b` with strides (size, 1);
                    // `block` holds size x width values column-major.
                    unsafe {
                        matrixmultiply::sgemm(
                            size,
                            size,
                            width,
                            1.0,
                            a.as_ptr(),
                            size as isize,
                            1,
                            b[col..].as_ptr(),
                            size as isize,
                            1,
                            0.0,
                            block.as_mut_ptr(),
                            1,
                            size as isize,
                        );
                    }
                });
            }
        });
    };
    product(&mut c); // warm-up
    let flops = 2.0 * (size as f64).powi(3);
    let mut rates = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        product(&mut c);
        rates.push(flops / start.elapsed().as_secs_f64() / 1e9);
    }
    black_box(&c);
    (median(&rates), rates)
}

/// GB/s of summing `bytes` of f32 on `threads` threads, `reps` times (median
/// over 5 timings of `reps` sums each).
fn bandwidth(bytes: usize, threads: usize, reps: usize) -> f64 {
    let data: Vec<f32> = (0..bytes / 4).map(|i| (i % 7) as f32).collect();
    let chunk = data.len().div_ceil(threads);
    let pass = || {
        std::thread::scope(|s| {
            let handles: Vec<_> = data
                .chunks(chunk)
                .map(|part| s.spawn(move || (0..reps).map(|_| sum(black_box(part))).sum::<f32>()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("summing thread"))
                .sum::<f32>()
        })
    };
    black_box(pass());
    let mut rates = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        black_box(pass());
        rates.push((bytes * reps) as f64 / start.elapsed().as_secs_f64() / 1e9);
    }
    median(&rates)
}

/// Sum with 32 independent partial sums (so that the loads, not the adds,
/// limit it), in AVX2 when the processor has it.
fn sum(x: &[f32]) -> f32 {
    #[inline(always)]
    fn body(x: &[f32]) -> f32 {
        let mut acc = [0.0_f32; 32];
        let (chunks, rest) = x.as_chunks::<32>();
        for c in chunks {
            for i in 0..32 {
                acc[i] += c[i];
            }
        }
        acc.iter().sum::<f32>() + rest.iter().sum::<f32>()
    }
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn avx2(x: &[f32]) -> f32 {
            body(x)
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2.
            return unsafe { avx2(x) };
        }
    }
    body(x)
}
