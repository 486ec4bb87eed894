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

network! {
    struct Chapter11 {
        Flatten[28, 28]
            -> BatchNormalization
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> Dropout<0.2>
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<10, softmax>
    }
}

/// Outputs and gradients of one training forward and backward pass of
/// chapter 11's layers on `threads` threads.
fn one_training_pass(threads: usize) -> (Vec<f32>, Vec<f32>) {
    let n = 32;
    let x: Vec<SMatrix<f32, 28, 28>> = (0..n)
        .map(|i| {
            SMatrix::<f32, 28, 28>::from_fn(|r, c| ((i * 11 + r * 3 + c * 5) % 19) as f32 / 19.0)
        })
        .collect();
    let model = Chapter11::new(9);
    let mut ws = Workspace::with_threads::<Chapter11>(n, threads);
    ws.load_inputs::<Chapter11>(&x);
    let mode = mlp::__internal::Phase::Training { seed: 1, step: 0 };
    let out = ws.forward_mode(model.params(), n, mode).to_vec();
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
    let mut grads = vec![0.0; Chapter11::PARAMS];
    assert!(ws.backward(model.params(), n, &mut grads));
    (out, grads)
}

#[test]
fn chapter_11_layers_give_identical_passes_on_any_thread_count() {
    let one = one_training_pass(1);
    assert!(one.1.iter().any(|g| *g != 0.0));
    for threads in [2, 3] {
        let other = one_training_pass(threads);
        assert!(one.0 == other.0, "outputs differ on {threads} threads");
        assert!(one.1 == other.1, "gradients differ on {threads} threads");
    }
}

/// Deterministic book-sized inputs and their labels.
fn book_data(n: usize) -> (Vec<SMatrix<f32, 28, 28>>, Vec<u8>) {
    let x = (0..n)
        .map(|i| {
            SMatrix::<f32, 28, 28>::from_fn(|r, c| ((i * 7 + r * 3 + c * 11) % 23) as f32 / 23.0)
        })
        .collect();
    let y = (0..n).map(|i| (i % 10) as u8).collect();
    (x, y)
}

/// Weights, history and predictions after `fit` with `Fit::threads(threads)`
/// (Adam, so every parameter goes through the threads' update chunks, and a
/// validation split, so evaluation runs on them too), then
/// `predict_with_threads` on the same count.
fn fit_on(threads: usize) -> (Vec<f32>, Vec<f64>, Vec<SVector<f32, 10>>) {
    use mlp::loss::SparseCategoricalCrossentropy;
    use mlp::optim::Adam;
    let (x, y) = book_data(160);
    let mut model = BookMlp::new(3);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Adam::new(0.001), []);
    let options = Fit::epochs(2)
        .batch_size(32)
        .verbose(0)
        .validation_split(0.2)
        .threads(threads);
    let history = trainer.fit(&x, &y, options).unwrap();
    let predictions = trainer.predict_with_threads(&x, 32, threads).unwrap();
    let mut logs = history.get("loss").unwrap().to_vec();
    logs.extend(history.get("val_loss").unwrap());
    (model.params().to_vec(), logs, predictions)
}

#[test]
fn fit_threads_and_predict_with_threads_give_identical_results_on_1_2_and_3() {
    let one = fit_on(1);
    let start = BookMlp::new(3).params().to_vec();
    assert!(one.0 != start, "training moved the weights");
    for threads in [2, 3] {
        let other = fit_on(threads);
        assert!(one.0 == other.0, "weights differ on {threads} threads");
        assert!(one.1 == other.1, "losses differ on {threads} threads");
        assert!(one.2 == other.2, "predictions differ on {threads} threads");
    }
}

#[test]
fn predict_with_threads_matches_predict_and_refuses_zero() {
    let (x, _) = book_data(200);
    let model = BookMlp::new(5);
    let reference = model.predict_with_batch_size(&x, 32).unwrap();
    for threads in [1, 2, 3, 7] {
        let out = model.predict_with_threads(&x, 32, threads).unwrap();
        assert!(out == reference, "{threads} threads");
    }
    for bad in [0, mlp::train::MAX_THREADS + 1] {
        let err = model.predict_with_threads(&x, 32, bad).unwrap_err();
        assert!(
            err.to_string().contains(&format!("`threads`: is {bad}")),
            "{err}"
        );
    }
}
