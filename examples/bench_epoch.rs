//! Speed: one training epoch of the book's model (55,000 samples, batch 32,
//! SGD) through the batch engine, timed. Prints epoch seconds, samples/s and
//! GFLOP/s. (Work in progress: the lead's scratch benchmark.)
use mlp::batch::Workspace;
use mlp::prelude::*;
use std::time::Instant;

network! {
    struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() {
    let n = 55_000;
    let batch = 32;
    let x: Vec<SMatrix<f32, 28, 28>> = (0..n)
        .map(|i| SMatrix::from_fn(|r, c| ((i * 7 + r * 3 + c) % 255) as f32 / 255.0))
        .collect();
    let y: Vec<usize> = (0..n).map(|i| i % 10).collect();
    let mut model = FashionMlp::new(42);
    let mut ws = Workspace::new::<FashionMlp>(batch);
    let mut grads = vec![0.0_f32; FashionMlp::PARAMS];
    for run in 0..3 {
        let t = Instant::now();
        let mut total = 0.0_f64;
        for (xs, ys) in x.chunks(batch).zip(y.chunks(batch)) {
            let m = xs.len();
            ws.load_inputs::<FashionMlp>(xs);
            ws.forward(model.params(), m);
            let (_, a, delta) = ws.output_and_delta(m);
            for (r, yy) in ys.iter().enumerate() {
                for k in 0..10 {
                    let p = a[r * 10 + k];
                    delta[r * 10 + k] = (p - if k == *yy { 1.0 } else { 0.0 }) / m as f32;
                }
                total += -(a[r * 10 + yy].max(1e-7) as f64).ln();
            }
            ws.backward(model.params(), m, &mut grads);
            for (p, g) in model.params_mut().iter_mut().zip(&grads) {
                *p -= 0.01 * g;
            }
        }
        let s = t.elapsed().as_secs_f64();
        let flops = n as f64 * (2.0 * 266_000.0 * 2.0 + 2.0 * 31_000.0);
        println!(
            "run {run}: epoch {s:.3} s, {:.0} samples/s, {:.1} GFLOP/s, loss {:.4}",
            n as f64 / s,
            flops / s / 1e9,
            total / n as f64
        );
    }
}
