//! Our hand-written products and thread pool against well-kept crates, in one
//! process, at the shapes of the book's model (784 -> 300 -> 100 -> 10) and
//! batch 32:
//!
//! - products on one thread: `mlp_core::__internal::gemm_nt` / `gemm_nn`
//!   against `gemm` 0.19, `matrixmultiply` and `faer`, each handed the
//!   engine's own layouts (strides, no copies): the forward product
//!   `x · W` (32 x inputs x units), the kernel's gradient `deltaᵀ · x`
//!   (units x inputs from 32) and the input's gradient `delta · Wᵀ`
//!   (32 x inputs from units), plus one sample through the first layer;
//! - the forward product of the first layer on 2 threads: our pool splitting
//!   the units as the engine does, against `gemm` and `faer` on rayon;
//! - the pool: one 32x784x300 product split in two halves by our `Pool`,
//!   `rayon::join`, `rayon::scope`, `chili`'s `Scope::join` and
//!   `std::thread::scope`; and the cost of one dispatch of an empty job.
//!
//! Every figure is the median and the fastest of 101 windows of about 2 ms
//! each; the variants take turns window by window, so a drift of the
//! machine's speed hits them alike, and on a machine shared with other jobs
//! the fastest window is the least disturbed one. Run: `cargo bench --manifest-path benches/vs-crates/Cargo.toml`.

use mlp_core::__internal::{Operand, Pool, Product, gemm_nn, gemm_nt, kernel_name, split};
use mlp_core::{Kernels, select_kernels};
use std::hint::black_box;
use std::time::Instant;

/// Timing windows per variant: on a machine shared with other jobs, the
/// fastest of many short windows is the one least disturbed.
const ROUNDS: usize = 101;
const BATCH: usize = 32;

/// Deterministic values in [-1, 1].
fn values(len: usize, salt: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i * 37 + salt * 11) % 101) as f32 - 50.0) / 50.0)
        .collect()
}

/// A timed variant: its name and one call of the work.
struct Variant<'a> {
    name: String,
    run: Box<dyn FnMut() + 'a>,
}

/// Seconds per call of each variant: median and minimum over `ROUNDS`
/// rounds of enough calls to last about `target` seconds each.
fn measure(variants: &mut [Variant<'_>], target: f64) -> Vec<(f64, f64)> {
    // Calibrate each variant's calls per round.
    let calls: Vec<usize> = variants
        .iter_mut()
        .map(|v| {
            for _ in 0..3 {
                (v.run)();
            }
            let start = Instant::now();
            let mut n = 0;
            while start.elapsed().as_secs_f64() < target / 4.0 {
                (v.run)();
                n += 1;
            }
            (4 * n).max(5)
        })
        .collect();
    let mut times = vec![Vec::with_capacity(ROUNDS); variants.len()];
    for _ in 0..ROUNDS {
        for (i, v) in variants.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..calls[i] {
                (v.run)();
            }
            times[i].push(start.elapsed().as_secs_f64() / calls[i] as f64);
        }
    }
    times
        .into_iter()
        .map(|mut t| {
            t.sort_by(f64::total_cmp);
            (t[ROUNDS / 2], t[0])
        })
        .collect()
}

/// One variant per family of our kernels this processor runs (SIMD ones),
/// each selecting its family before every call.
fn ours<'a>(product: impl Fn() + Copy + 'a) -> Vec<Variant<'a>> {
    Kernels::families()
        .filter(|k| *k != Kernels::Portable)
        .map(|family| Variant {
            name: format!("mlp {family}"),
            run: Box::new(move || {
                select_kernels(family).expect("a family this processor runs");
                product()
            }),
        })
        .collect()
}

fn report(title: &str, flops: f64, variants: &mut [Variant<'_>]) {
    let results = measure(variants, 0.002);
    println!("\n{title}");
    println!(
        "  {:<34} {:>11} {:>11} {:>9}",
        "variant", "median us", "best us", "GFLOP/s"
    );
    for (v, (median, best)) in variants.iter().zip(results) {
        let gflops = if flops > 0.0 {
            format!("{:>9.1}", flops / median / 1e9)
        } else {
            format!("{:>9}", "")
        };
        println!(
            "  {:<34} {:>11.2} {:>11.2} {gflops}",
            v.name,
            median * 1e6,
            best * 1e6
        );
    }
}

fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
            .and_then(|l| l.split_once(':'))
            .map_or("?".to_string(), |(_, v)| v.trim().to_string())
    };
    format!(
        "{} (family {}, model {})",
        field("model name"),
        field("cpu family"),
        field("model")
    )
}

/// The three products of one Dense layer at batch 32, one thread.
fn layer_products(inputs: usize, units: usize) {
    let n = BATCH;
    let x = values(n * inputs, 1); // n x inputs, row-major
    let w = values(inputs * units, 2); // each unit's weights contiguous
    let delta = values(n * units, 3); // n x units, row-major
    let mut out_f = vec![0.0_f32; n * units];
    let mut out_k = vec![0.0_f32; units * inputs];
    let mut out_x = vec![0.0_f32; n * inputs];
    let par = gemm::Parallelism::None;

    // Forward: z (n x units) = x (n x inputs) · W (inputs x units).
    {
        let out = out_f.as_mut_ptr();
        let (xp, wp) = (x.as_ptr(), w.as_ptr());
        let (i, u) = (inputs as isize, units as isize);
        let xf = faer::MatRef::from_row_major_slice(&x, n, inputs);
        let wf = faer::MatRef::from_column_major_slice(&w, inputs, units);
        let mut variants = ours(move || {
                // SAFETY: the buffers hold the shapes given.
                unsafe {
                    gemm_nt(
                        Product::new(n, units, inputs),
                        Operand {
                            ptr: xp,
                            rs: inputs,
                            cs: 1,
                        },
                        Operand {
                            ptr: wp,
                            rs: 1,
                            cs: inputs,
                        },
                        out,
                        units,
                    )
                                }
            });
        variants.extend([
            Variant {
                name: "gemm 0.19".into(),
                // SAFETY: as above.
                run: Box::new(move || unsafe {
                    gemm::gemm(
                        n, units, inputs, out, 1, u, false, xp, 1, i, wp, i, 1, 0.0, 1.0, false,
                        false, false, par,
                    )
                }),
            },
            Variant {
                name: "matrixmultiply 0.3".into(),
                // SAFETY: as above.
                run: Box::new(move || unsafe {
                    matrixmultiply::sgemm(n, inputs, units, 1.0, xp, i, 1, wp, 1, i, 0.0, out, u, 1)
                }),
            },
            Variant {
                name: "faer 0.24".into(),
                run: Box::new(move || {
                    // SAFETY: as above; no other view of `out` is alive.
                    let dst = unsafe { faer::MatMut::from_raw_parts_mut(out, n, units, u, 1) };
                    faer::linalg::matmul::matmul(
                        dst,
                        faer::Accum::Replace,
                        xf,
                        wf,
                        1.0,
                        faer::Par::Seq,
                    )
                }),
            },
        ]);
        report(
            &format!("forward x·W, {n}x{inputs}x{units} (m x k x n), 1 thread"),
            2.0 * (n * inputs * units) as f64,
            &mut variants,
        );
    }

    // Kernel gradient: dW (units x inputs) = deltaᵀ (units x n) · x (n x inputs).
    {
        let out = out_k.as_mut_ptr();
        let (dp, xp) = (delta.as_ptr(), x.as_ptr());
        let (i, u) = (inputs as isize, units as isize);
        let dt = faer::MatRef::from_row_major_slice(&delta, n, units).transpose();
        let xf = faer::MatRef::from_row_major_slice(&x, n, inputs);
        let mut variants = ours(move || {
                // SAFETY: the buffers hold the shapes given.
                unsafe {
                    gemm_nn(
                        Product::new(units, inputs, n),
                        Operand {
                            ptr: dp,
                            rs: 1,
                            cs: units,
                        },
                        Operand {
                            ptr: xp,
                            rs: inputs,
                            cs: 1,
                        },
                        out,
                        inputs,
                    )
                                }
            });
        variants.extend([
            Variant {
                name: "gemm 0.19".into(),
                // SAFETY: as above.
                run: Box::new(move || unsafe {
                    gemm::gemm(
                        units, inputs, n, out, 1, i, false, dp, u, 1, xp, 1, i, 0.0, 1.0, false,
                        false, false, par,
                    )
                }),
            },
            Variant {
                name: "matrixmultiply 0.3".into(),
                // SAFETY: as above.
                run: Box::new(move || unsafe {
                    matrixmultiply::sgemm(units, n, inputs, 1.0, dp, 1, u, xp, i, 1, 0.0, out, i, 1)
                }),
            },
            Variant {
                name: "faer 0.24".into(),
                run: Box::new(move || {
                    // SAFETY: as above; no other view of `out` is alive.
                    let dst = unsafe { faer::MatMut::from_raw_parts_mut(out, units, inputs, i, 1) };
                    faer::linalg::matmul::matmul(
                        dst,
                        faer::Accum::Replace,
                        dt,
                        xf,
                        1.0,
                        faer::Par::Seq,
                    )
                }),
            },
        ]);
        report(
            &format!("kernel gradient deltaᵀ·x, {units}x{n}x{inputs} (m x k x n), 1 thread"),
            2.0 * (n * inputs * units) as f64,
            &mut variants,
        );
    }

    // Input gradient: dx (n x inputs) = delta (n x units) · Wᵀ (units x inputs).
    {
        let out = out_x.as_mut_ptr();
        let (dp, wp) = (delta.as_ptr(), w.as_ptr());
        let (i, u) = (inputs as isize, units as isize);
        let df = faer::MatRef::from_row_major_slice(&delta, n, units);
        let wt = faer::MatRef::from_row_major_slice(&w, units, inputs);
        let mut variants = ours(move || {
                // SAFETY: the buffers hold the shapes given.
                unsafe {
                    gemm_nn(
                        Product::new(n, inputs, units),
                        Operand {
                            ptr: dp,
                            rs: units,
                            cs: 1,
                        },
                        Operand {
                            ptr: wp,
                            rs: inputs,
                            cs: 1,
                        },
                        out,
                        inputs,
                    )
                                }
            });
        variants.extend([
            Variant {
                name: "gemm 0.19".into(),
                // SAFETY: as above.
                run: Box::new(move || unsafe {
                    gemm::gemm(
                        n, inputs, units, out, 1, i, false, dp, 1, u, wp, 1, i, 0.0, 1.0, false,
                        false, false, par,
                    )
                }),
            },
            Variant {
                name: "matrixmultiply 0.3".into(),
                // SAFETY: as above.
                run: Box::new(move || unsafe {
                    matrixmultiply::sgemm(n, units, inputs, 1.0, dp, u, 1, wp, i, 1, 0.0, out, i, 1)
                }),
            },
            Variant {
                name: "faer 0.24".into(),
                run: Box::new(move || {
                    // SAFETY: as above; no other view of `out` is alive.
                    let dst = unsafe { faer::MatMut::from_raw_parts_mut(out, n, inputs, i, 1) };
                    faer::linalg::matmul::matmul(
                        dst,
                        faer::Accum::Replace,
                        df,
                        wt,
                        1.0,
                        faer::Par::Seq,
                    )
                }),
            },
        ]);
        report(
            &format!("input gradient delta·Wᵀ, {n}x{units}x{inputs} (m x k x n), 1 thread"),
            2.0 * (n * inputs * units) as f64,
            &mut variants,
        );
    }
    black_box((&out_f, &out_k, &out_x));
}

/// One sample through the first layer (1 x 784 x 300), one thread.
fn one_sample() {
    let (inputs, units) = (784, 300);
    let x = values(inputs, 1);
    let w = values(inputs * units, 2);
    let mut out = vec![0.0_f32; units];
    let o = out.as_mut_ptr();
    let (xp, wp) = (x.as_ptr(), w.as_ptr());
    let i = inputs as isize;
    let xf = faer::MatRef::from_row_major_slice(&x, 1, inputs);
    let wf = faer::MatRef::from_column_major_slice(&w, inputs, units);
    let mut variants = ours(move || {
            // SAFETY: the buffers hold the shapes given.
            unsafe {
                gemm_nt(
                    Product::new(1, units, inputs),
                    Operand {
                        ptr: xp,
                        rs: inputs,
                        cs: 1,
                    },
                    Operand {
                        ptr: wp,
                        rs: 1,
                        cs: inputs,
                    },
                    o,
                    units,
                )
                        }
        });
    variants.extend([
        Variant {
            name: "gemm 0.19".into(),
            // SAFETY: as above.
            run: Box::new(move || unsafe {
                gemm::gemm(
                    1,
                    units,
                    inputs,
                    o,
                    1,
                    units as isize,
                    false,
                    xp,
                    1,
                    i,
                    wp,
                    i,
                    1,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                )
            }),
        },
        Variant {
            name: "matrixmultiply 0.3".into(),
            // SAFETY: as above.
            run: Box::new(move || unsafe {
                matrixmultiply::sgemm(
                    1,
                    inputs,
                    units,
                    1.0,
                    xp,
                    i,
                    1,
                    wp,
                    1,
                    i,
                    0.0,
                    o,
                    units as isize,
                    1,
                )
            }),
        },
        Variant {
            name: "faer 0.24".into(),
            run: Box::new(move || {
                // SAFETY: as above; no other view of `out` is alive.
                let dst =
                    unsafe { faer::MatMut::from_raw_parts_mut(o, 1, units, units as isize, 1) };
                faer::linalg::matmul::matmul(dst, faer::Accum::Replace, xf, wf, 1.0, faer::Par::Seq)
            }),
        },
    ]);
    report(
        "one sample, 1x784x300 (weights in cache), 1 thread",
        2.0 * (inputs * units) as f64,
        &mut variants,
    );
    black_box(&out);
}

/// The first layer's forward product on two threads, and the fork-join
/// mechanisms compared on it.
fn two_threads() {
    let (n, inputs, units) = (BATCH, 784, 300);
    let x = values(n * inputs, 1);
    let w = values(inputs * units, 2);
    let mut out = vec![0.0_f32; n * units];
    let o = SendPtr(out.as_mut_ptr());
    let (xp, wp) = (SendConst(x.as_ptr()), SendConst(w.as_ptr()));
    // Units `part` of 2 (split as the engine's forward pass splits them).
    let half = move |part: usize| {
        let cols = split(units, 2, 1, part);
        // SAFETY: the buffers hold the shapes given; the halves write
        // disjoint columns of `out`.
        unsafe {
            gemm_nt(
                Product::new(n, cols.len(), inputs),
                Operand {
                    ptr: xp.get(),
                    rs: inputs,
                    cs: 1,
                },
                Operand {
                    ptr: wp.get().add(cols.start * inputs),
                    rs: 1,
                    cs: inputs,
                },
                o.get().add(cols.start),
                units,
            )
        }
    };
    let pool = &Pool::new(2);
    let rayon_pool = &rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("a rayon pool of 2 threads");
    let chili_pool = chili::ThreadPool::with_config(chili::Config {
        thread_count: std::num::NonZeroUsize::new(2),
        ..Default::default()
    });
    let mut chili_scope = chili_pool.scope();
    let flops = 2.0 * (n * inputs * units) as f64;
    let (u, i) = (units as isize, inputs as isize);
    let xf = faer::MatRef::from_row_major_slice(&x, n, inputs);
    let wf = faer::MatRef::from_column_major_slice(&w, inputs, units);
    {
        let chili_scope = &mut chili_scope;
        let mut variants = vec![
            Variant {
                name: "1 thread, mlp gemm_nt".into(),
                run: Box::new(move || {
                    half(0);
                    half(1);
                }),
            },
            Variant {
                name: "mlp Pool (spinning)".into(),
                run: Box::new(|| pool.run_parts(2, &half)),
            },
            Variant {
                name: "rayon::join".into(),
                run: Box::new(|| {
                    rayon_pool.install(|| {
                        rayon::join(|| half(0), || half(1));
                    })
                }),
            },
            Variant {
                name: "rayon::scope".into(),
                run: Box::new(|| {
                    rayon_pool.install(|| {
                        rayon::scope(|s| {
                            s.spawn(|_| half(1));
                            half(0);
                        })
                    })
                }),
            },
            Variant {
                name: "chili Scope::join".into(),
                run: Box::new(move || {
                    chili_scope.join(|_| half(0), |_| half(1));
                }),
            },
            Variant {
                name: "std::thread::scope (spawn)".into(),
                run: Box::new(|| {
                    std::thread::scope(|s| {
                        s.spawn(|| half(1));
                        half(0);
                    })
                }),
            },
            Variant {
                name: "gemm 0.19, Parallelism::Rayon(2)".into(),
                run: Box::new(move || {
                    // SAFETY: the buffers hold the shapes given.
                    rayon_pool.install(|| unsafe {
                        gemm::gemm(
                            n,
                            units,
                            inputs,
                            o.get(),
                            1,
                            u,
                            false,
                            xp.get(),
                            1,
                            i,
                            wp.get(),
                            i,
                            1,
                            0.0,
                            1.0,
                            false,
                            false,
                            false,
                            gemm::Parallelism::Rayon(2),
                        )
                    })
                }),
            },
            Variant {
                name: "faer 0.24, Par::rayon(2)".into(),
                run: Box::new(move || {
                    rayon_pool.install(|| {
                        // SAFETY: as above; no other view of `out` is alive.
                        let dst =
                            unsafe { faer::MatMut::from_raw_parts_mut(o.get(), n, units, u, 1) };
                        faer::linalg::matmul::matmul(
                            dst,
                            faer::Accum::Replace,
                            xf,
                            wf,
                            1.0,
                            faer::Par::rayon(2),
                        )
                    })
                }),
            },
        ];
        report(
            "forward x·W 32x784x300 split in 2 (units), 2 threads",
            flops,
            &mut variants,
        );
    }

    // One dispatch of a job that does nothing: what a phase costs.
    let nothing = |part: usize| {
        black_box(part);
    };
    {
        let chili_scope = &mut chili_scope;
        let mut variants = vec![
            Variant {
                name: "mlp Pool::run_parts(2)".into(),
                run: Box::new(|| pool.run_parts(2, &nothing)),
            },
            Variant {
                name: "rayon::join (inside install)".into(),
                run: Box::new(|| {
                    rayon_pool.install(|| {
                        rayon::join(|| nothing(0), || nothing(1));
                    })
                }),
            },
            Variant {
                name: "rayon::scope (inside install)".into(),
                run: Box::new(|| {
                    rayon_pool.install(|| {
                        rayon::scope(|s| {
                            s.spawn(|_| nothing(1));
                            nothing(0);
                        })
                    })
                }),
            },
            Variant {
                name: "chili Scope::join".into(),
                run: Box::new(move || {
                    chili_scope.join(|_| nothing(0), |_| nothing(1));
                }),
            },
            Variant {
                name: "std::thread::scope (spawn)".into(),
                run: Box::new(|| {
                    std::thread::scope(|s| {
                        s.spawn(|| nothing(1));
                        nothing(0);
                    })
                }),
            },
        ];
        report(
            "one dispatch of an empty 2-part job (a pool whose caller finds no part \
         left runs both inline)",
            0.0,
            &mut variants,
        );
    }

    // Two parts of a few microseconds each: the hand-off to the other thread
    // and the wait for it, against running both parts inline.
    let small = |part: usize| {
        black_box(spin(black_box(SMALL_PART) + part as u32));
    };
    let chili_scope = &mut chili_scope;
    let mut variants = vec![
        Variant {
            name: "1 thread, both parts inline".into(),
            run: Box::new(|| {
                small(0);
                small(1);
            }),
        },
        Variant {
            name: "mlp Pool::run_parts(2)".into(),
            run: Box::new(|| pool.run_parts(2, &small)),
        },
        Variant {
            name: "rayon::join (inside install)".into(),
            run: Box::new(|| {
                rayon_pool.install(|| {
                    rayon::join(|| small(0), || small(1));
                })
            }),
        },
        Variant {
            name: "rayon::scope (inside install)".into(),
            run: Box::new(|| {
                rayon_pool.install(|| {
                    rayon::scope(|s| {
                        s.spawn(|_| small(1));
                        small(0);
                    })
                })
            }),
        },
        Variant {
            name: "chili Scope::join".into(),
            run: Box::new(move || {
                chili_scope.join(|_| small(0), |_| small(1));
            }),
        },
        Variant {
            name: "std::thread::scope (spawn)".into(),
            run: Box::new(|| {
                std::thread::scope(|s| {
                    s.spawn(|| small(1));
                    small(0);
                })
            }),
        },
    ];
    report(
        "two short parts of dependent arithmetic (their cost: the inline row), a hand-off and a wait",
        0.0,
        &mut variants,
    );
    black_box(&out);
}

/// Dependent multiply-adds in a chain (about 4 cycles each): `n` of them
/// take a fixed time whatever the caches hold.
const SMALL_PART: u32 = 4_000;

fn spin(n: u32) -> f32 {
    let mut x = 1.0_f32;
    for _ in 0..n {
        x = black_box(x * 0.999_999 + 1e-7);
    }
    x
}

/// A raw pointer the threads share (each writes its own columns).
#[derive(Clone, Copy)]
struct SendPtr(*mut f32);
// SAFETY: the halves write disjoint elements.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}
impl SendPtr {
    fn get(self) -> *mut f32 {
        self.0
    }
}

/// A raw pointer to data that is only read.
#[derive(Clone, Copy)]
struct SendConst(*const f32);
// SAFETY: read only.
unsafe impl Send for SendConst {}
unsafe impl Sync for SendConst {}
impl SendConst {
    fn get(self) -> *const f32 {
        self.0
    }
}

fn main() {
    println!("CPU: {}", cpu_model());
    println!(
        "mlp kernel: {}; median and best of {ROUNDS} windows of ~2 ms per variant; load \
         average at the start: {}",
        kernel_name(),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    for (inputs, units) in [(784, 300), (300, 100), (100, 10)] {
        layer_products(inputs, units);
    }
    one_sample();
    two_threads();
}
