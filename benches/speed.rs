//! Criterion benchmarks of the book's model (784-300-100-10): one training
//! step at batch sizes 1, 32 and 256, the batch forward pass, and one-sample
//! predict. Each reports samples per second (criterion's "elements");
//! GFLOP/s = samples/s x FLOPs per sample (printed at the start).
//!
//! `cargo bench --bench speed`; the epoch over the real 55,000 images is
//! `cargo run --release --example bench_epoch`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mlp::__internal::Workspace;
use mlp::optim::Sgd;
use mlp::prelude::*;
use std::hint::black_box;

network! {
    struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// Forward and backward GEMM FLOPs of one training sample (as the Python
/// baselines count them: no input gradient for the first layer).
const TRAIN_FLOPS: f64 = 2.0 * (266_000.0 * 2.0 + 31_000.0);
const FORWARD_FLOPS: f64 = 2.0 * 266_000.0;

fn images(n: usize) -> Vec<SMatrix<f32, 28, 28>> {
    (0..n)
        .map(|i| SMatrix::from_fn(|r, c| ((i * 7 + r * 3 + c) % 255) as f32 / 255.0))
        .collect()
}

/// One SGD step with the fused softmax cross-entropy gradient, as `fit`
/// takes it: folded into the backward pass where the bound allows.
fn train_step(
    model: &mut FashionMlp,
    ws: &mut Workspace,
    grads: &mut [f32],
    x: &[SMatrix<f32, 28, 28>],
    y: &[usize],
) {
    let n = x.len();
    ws.load_inputs::<FashionMlp>(x);
    ws.forward(model.params(), n);
    let (_, a, delta) = ws.output_and_delta(n);
    for (r, &label) in y.iter().enumerate() {
        for k in 0..10 {
            delta[r * 10 + k] = (a[r * 10 + k] - if k == label { 1.0 } else { 0.0 }) / n as f32;
        }
    }
    // The step as `fit` takes it (plain SGD: folded into the backward pass).
    let stepped = ws.train_step(model.params_mut(), n, grads, &Sgd::new(0.01), &mut [], 0);
    assert!(stepped.is_ok(), "the benchmark's gradients are finite");
}

fn bench(c: &mut Criterion) {
    println!("FLOPs per training sample {TRAIN_FLOPS:.0}, per forward sample {FORWARD_FLOPS:.0}");
    let mut group = c.benchmark_group("train_step");
    for batch in [1usize, 32, 256] {
        let x = images(batch);
        let y: Vec<usize> = (0..batch).map(|i| i % 10).collect();
        let mut model = FashionMlp::new(42);
        let mut ws = Workspace::new::<FashionMlp>(batch);
        let mut grads = vec![0.0; FashionMlp::PARAMS];
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_with_input(BenchmarkId::from_parameter(batch), &batch, |b, _| {
            b.iter(|| train_step(&mut model, &mut ws, &mut grads, &x, &y))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("forward");
    let n = 10_000;
    let x = images(n);
    let model = FashionMlp::new(42);
    group.throughput(Throughput::Elements(n as u64));
    group.sample_size(10);
    group.bench_function("predict_10000", |b| {
        b.iter(|| black_box(model.predict_with_batch_size(&x, n).unwrap()))
    });
    group.finish();

    let mut group = c.benchmark_group("predict_one");
    group.throughput(Throughput::Elements(1));
    let image = x[0];
    group.bench_function("static", |b| {
        b.iter(|| black_box(model.predict_one(black_box(&image))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
