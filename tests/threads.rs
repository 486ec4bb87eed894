//! The thread count changes no result: every product sums the same terms in
//! the same order however it is split, so one training step of the book's
//! model (whose products are shared by the threads) gives bit-identical
//! outputs, gradients and updated weights on one, two and three threads.

use mlp::__internal::Workspace;
use mlp::optim::SgdStep;
use mlp::prelude::*;

network! {
    struct BookMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// Outputs, gradients and weights after one SGD step on `threads` threads.
fn one_step(threads: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let n = 32;
    let x: Vec<SMatrix<f32, 28, 28>> = (0..n)
        .map(|i| {
            SMatrix::<f32, 28, 28>::from_fn(|r, c| ((i * 13 + r * 5 + c * 3) % 17) as f32 / 17.0)
        })
        .collect();
    let mut model = BookMlp::new(7);
    let mut ws = Workspace::with_threads::<BookMlp>(n, threads);
    assert_eq!(ws.threads(), threads);
    ws.load_inputs::<BookMlp>(&x);
    let out = ws.forward(model.params(), n).to_vec();
    let (_, a, delta) = ws.output_and_delta(n);
    for (r, (d, a)) in delta
        .chunks_exact_mut(10)
        .zip(a.chunks_exact(10))
        .enumerate()
    {
        for (k, (d, a)) in d.iter_mut().zip(a).enumerate() {
            *d = (a - if k == r % 10 { 1.0 } else { 0.0 }) / n as f32;
        }
    }
    let mut grads = vec![0.0; BookMlp::PARAMS];
    assert!(ws.backward(model.params(), n, &mut grads));
    let mut backup = vec![0.0; BookMlp::PARAMS];
    ws.update_chunks(
        model.params_mut(),
        &grads,
        &mut [],
        0,
        &mut backup,
        &|p, g, _| SgdStep { rate: 0.01 }.apply(p, g),
    )
    .unwrap();
    (out, grads, model.params().to_vec())
}

#[test]
fn one_two_and_three_threads_give_identical_steps() {
    let one = one_step(1);
    assert!(
        one.1.iter().any(|g| *g != 0.0),
        "a step that learns something"
    );
    for threads in [2, 3] {
        let other = one_step(threads);
        assert!(one.0 == other.0, "outputs differ on {threads} threads");
        assert!(one.1 == other.1, "gradients differ on {threads} threads");
        assert!(one.2 == other.2, "weights differ on {threads} threads");
    }
}
