//! What does folding plain SGD into a graph's backward pass save? This
//! example teaches how to measure one engine path against another in the
//! same process: a graph trained with `Sgd` (the step folded into the
//! backward pass) and with the very same step applied apart (an optimizer
//! that does not call itself plain, so the engine writes every gradient,
//! backs the parameters up and updates them in a second pass), the two
//! interleaved run after run, each run a fresh model of the same seed; the
//! two give the same weights bit for bit (checked here, and in
//! `tests/folded_sgd.rs`). Two graphs: `--model wide-deep`, the book's small
//! two-output Wide & Deep graph on the real California housing data, and
//! `--model skip`, a book-sized wired graph on Fashion-MNIST (784 -> 300 ->
//! 100, both hidden layers concatenated into the 10-way softmax: 269,310
//! parameters, most of them in the first layer, where the fold writes).
//!
//! It prints, per side, the median and every run of the wall time and of
//! the process's CPU time of one `fit` (CPU time counts only this process,
//! so it holds up on a loaded machine), and the ratio of the medians.
//!
//! ```text
//! cargo run --release --example bench_graph_fold -- --runs 7 --epochs 5
//! cargo run --release --example bench_graph_fold -- --model skip --runs 5 --epochs 1
//! ```

use clap::Parser;
use mlp::datasets::{StandardScaler, california_housing, fashion_mnist, train_test_split};
use mlp::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use mlp::optim::{Optimizer, Sgd};
use mlp::prelude::*;
use mlp::train::Losses;
use std::time::Instant;

network! {
    /// The book's Wide & Deep model with an auxiliary output.
    pub struct WideDeep {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

network! {
    /// A book-sized wired graph: the two hidden layers of the book's model,
    /// both read by the softmax through a `Concatenate`.
    pub struct Skip {
        x = Input[784];
        hidden1 = Dense<300, relu>(x);
        hidden2 = Dense<100, relu>(hidden1);
        both = Concatenate(hidden1, hidden2);
        output y = Dense<10, softmax>(both);
    }
}

/// Interleaved timings of `fit` with the folded and the separate step.
#[derive(Debug, Parser)]
struct Args {
    /// Runs per side (the median is reported).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Epochs per `fit`.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Threads of the trainer.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The graph: `wide-deep` (California housing) or `skip` (Fashion-MNIST).
    #[arg(long, default_value = "wide-deep")]
    model: String,
}

/// `Sgd`, folded into the backward pass or with its step applied apart
/// (`apart`): the engine folds only an optimizer that reports a plain rate,
/// and with `apart` this one does not.
#[derive(Debug)]
struct Side {
    sgd: Sgd,
    apart: bool,
}

impl Side {
    /// SGD at the book's learning rate, folded unless `folded` is false.
    fn new(folded: bool) -> Self {
        Self {
            sgd: Sgd::new(0.01),
            apart: !folded,
        }
    }
}

impl Optimizer for Side {
    fn name(&self) -> &'static str {
        self.sgd.name()
    }
    fn slots(&self) -> usize {
        self.sgd.slots()
    }
    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        self.sgd.step(params, grads, state, iteration)
    }
    fn learning_rate(&self, iteration: u64) -> f32 {
        self.sgd.learning_rate(iteration)
    }
    fn plain_rate(&self, iteration: u64) -> Option<f32> {
        (!self.apart)
            .then(|| self.sgd.plain_rate(iteration))
            .flatten()
    }
}

/// The options of every `fit`.
fn options<M: Model, L: Losses>(args: &Args) -> Fit<'static, M, L> {
    Fit::epochs(args.epochs)
        .batch_size(32)
        .seed(42)
        .verbose(0)
        .threads(args.threads)
}

/// This process's CPU time in seconds (every thread).
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// Wall and CPU seconds of each run, per side (folded, apart), and the
/// weights each side ended with.
struct Timings {
    times: [(Vec<f64>, Vec<f64>); 2],
    weights: [Vec<f32>; 2],
}

/// Runs `fit(folded)` `runs` times per side, alternating which side goes
/// first; `fit` returns the trained weights.
fn interleave(
    runs: usize,
    mut fit: impl FnMut(bool) -> Result<Vec<f32>, Box<dyn std::error::Error>>,
) -> Result<Timings, Box<dyn std::error::Error>> {
    let mut t = Timings {
        times: [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())],
        weights: [Vec::new(), Vec::new()],
    };
    for run in 0..runs {
        for side in [run % 2, 1 - run % 2] {
            let (wall, cpu) = (Instant::now(), cpu_seconds());
            let weights = fit(side == 0)?;
            t.times[side].0.push(wall.elapsed().as_secs_f64());
            t.times[side].1.push(cpu_seconds() - cpu);
            t.weights[side] = weights;
        }
    }
    Ok(t)
}

/// Wide & Deep on California housing; returns the samples per epoch.
fn wide_deep(args: &Args) -> Result<(usize, Timings), Box<dyn std::error::Error>> {
    let housing = california_housing::load()?;
    let ((x, y), _) = train_test_split(&housing.x, &housing.y, 0.25, 42)?;
    let x = StandardScaler::fit(&x)?.transform(&x);
    let wide: Vec<SVector<f32, 5>> = x.iter().map(|s| s.fixed_rows::<5>(0).into()).collect();
    let deep: Vec<SVector<f32, 6>> = x.iter().map(|s| s.fixed_rows::<6>(2).into()).collect();
    let timings = interleave(args.runs, |folded| {
        let mut model = WideDeep::new(42);
        model
            .compile((MeanSquaredError, MeanSquaredError), Side::new(folded), [])
            .loss_weights([0.9, 0.1])
            .fit((&wide, &deep), (&y, &y), options(args))?;
        Ok(model.params().to_vec())
    })?;
    Ok((wide.len(), timings))
}

/// The `Skip` graph on Fashion-MNIST's 55,000 training images; returns the
/// samples per epoch.
fn skip(args: &Args) -> Result<(usize, Timings), Box<dyn std::error::Error>> {
    let ((x_full, y_full), _) = fashion_mnist::load_data()?;
    // Keras's Flatten order: row by row.
    let x: Vec<SVector<f32, 784>> = fashion_mnist::scale(&x_full[5000..])
        .iter()
        .map(|image| SVector::from_iterator(image.transpose().iter().copied()))
        .collect();
    let y = &y_full[5000..];
    let timings = interleave(args.runs, |folded| {
        let mut model = Skip::new(42);
        model
            .compile(SparseCategoricalCrossentropy, Side::new(folded), [])
            .fit(&x, y, options(args))?;
        Ok(model.params().to_vec())
    })?;
    Ok((x.len(), timings))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let (name, (n, Timings { times, weights })) = match args.model.as_str() {
        "wide-deep" => (
            "Wide & Deep (2 inputs, 2 outputs, California housing)",
            wide_deep(&args)?,
        ),
        "skip" => (
            "Skip (784-300-100, both into the softmax, Fashion-MNIST)",
            skip(&args)?,
        ),
        other => return Err(format!("--model {other}: choose wide-deep or skip").into()),
    };
    assert!(
        weights[0] == weights[1],
        "the folded step gives the weights of the step apart"
    );
    let samples = n * args.epochs;
    println!(
        "{name}, {n} samples x {} epochs, batches of 32, {} thread(s), {} runs per side",
        args.epochs, args.threads, args.runs
    );
    for (name, (wall, cpu)) in ["folded", "apart"].iter().zip(&times) {
        let list = |v: &[f64]| {
            v.iter()
                .map(|t| format!("{t:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "{name:>6}: wall median {:.3} s ({:.2} us/sample) [{}]; cpu median {:.3} s [{}]",
            median(wall),
            median(wall) * 1e6 / samples as f64,
            list(wall),
            median(cpu),
            list(cpu)
        );
    }
    println!(
        "apart / folded: wall {:.3}, cpu {:.3}",
        median(&times[1].0) / median(&times[0].0),
        median(&times[1].1) / median(&times[0].1)
    );
    Ok(())
}
