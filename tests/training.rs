//! compile / fit / evaluate / predict: Keras's behaviour, checked by hand
//! computations, by learning (XOR, a linear regression, the book's
//! architecture on synthetic data) and by every bad input.

use mlp::Error;
use mlp::activation::ActivationKind;
use mlp::history::History;
use mlp::loss::{Loss, SparseCategoricalCrossentropy, TargetFor, TargetKind, TargetRef};
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::{
    Callback, CallbackContext, CsvLogger, EarlyStopping, Evaluate, Logs, TerminateOnNaN,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

network! {
    /// One softmax layer: small enough to compute by hand.
    struct Tiny { Input[2] -> Dense<2, softmax> }
}

network! {
    /// XOR.
    struct Xor { Input[2] -> Dense<8, tanh> -> Dense<2, softmax> }
}

network! {
    /// A small classifier for the behavioural tests.
    struct Small { Input[4] -> Dense<16, relu> -> Dense<3, softmax> }
}

network! {
    /// Linear regression.
    struct Linear { Input[3] -> Dense<1> }
}

network! {
    /// The book's Fashion-MNIST classifier.
    struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// The test data's generator: seeded, so every run sees the same data.
fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn v2(a: f32, b: f32) -> SVector<f32, 2> {
    SVector::<f32, 2>::new(a, b)
}

/// Three clusters in 4-D with labels 0..3.
fn clusters(n: usize, seed: u64) -> (Vec<SVector<f32, 4>>, Vec<u8>) {
    let mut rng = rng(seed);
    let centres = [
        [1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0, 0.0],
        [-1.0, -1.0, 0.0, 0.0],
    ];
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % 3;
        x.push(SVector::<f32, 4>::from_fn(|j, _| {
            centres[c][j] + 0.6 * rng.random_range(-1.0..1.0)
        }));
        y.push(c as u8);
    }
    (x, y)
}

fn softmax2(z: [f64; 2]) -> [f64; 2] {
    let m = z[0].max(z[1]);
    let e = [(z[0] - m).exp(), (z[1] - m).exp()];
    [e[0] / (e[0] + e[1]), e[1] / (e[0] + e[1])]
}

/// Tiny's parameters: kernel column-major (inputs x units), then bias.
const TINY_PARAMS: [f32; 6] = [0.3, -0.2, -0.5, 0.4, 0.1, -0.1];

fn tiny_kernel(p: &[f32], i: usize, j: usize) -> f64 {
    f64::from(p[j * 2 + i])
}

/// Per-sample probabilities and loss of Tiny with parameters `p`, in f64.
fn tiny_forward(p: &[f32], x: [f64; 2], y: usize) -> ([f64; 2], f64) {
    let z = [0, 1]
        .map(|j| x[0] * tiny_kernel(p, 0, j) + x[1] * tiny_kernel(p, 1, j) + f64::from(p[4 + j]));
    let prob = softmax2(z);
    (prob, -prob[y].ln())
}

/// Tiny's parameters after one SGD step on one batch with weights `w`,
/// by hand: dL/dz_j = w_i / n * (p_j - [j == y]).
fn tiny_sgd_step(p: &[f32], xs: &[[f64; 2]], ys: &[usize], w: &[f64], lr: f64) -> Vec<f64> {
    let n = xs.len() as f64;
    let mut grad = [0.0; 6];
    for ((x, &y), &w) in xs.iter().zip(ys).zip(w) {
        let (prob, _) = tiny_forward(p, *x, y);
        for j in 0..2 {
            let dz = w / n * (prob[j] - if j == y { 1.0 } else { 0.0 });
            grad[j * 2] += x[0] * dz;
            grad[j * 2 + 1] += x[1] * dz;
            grad[4 + j] += dz;
        }
    }
    p.iter()
        .zip(grad)
        .map(|(p, g)| f64::from(*p) - lr * g)
        .collect()
}

fn assert_close(a: &[f32], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (i, (a, b)) in a.iter().zip(b).enumerate() {
        assert!((f64::from(*a) - b).abs() < tol, "parameter {i}: {a} vs {b}");
    }
}

#[test]
fn one_sgd_step_equals_the_hand_computation() {
    let xs = [[1.0, 2.0], [-1.0, 0.5]];
    let ys = [0, 1];
    let x = xs.map(|[a, b]| v2(a as f32, b as f32));
    let mut model = Tiny::new_zeroed();
    model.params_mut().copy_from_slice(&TINY_PARAMS);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.1),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(&x, &[0_u8, 1], Fit::epochs(1).batch_size(2).verbose(0))
        .unwrap();
    assert_eq!(trainer.iterations(), 1);
    let expected = tiny_sgd_step(&TINY_PARAMS, &xs, &ys, &[1.0, 1.0], 0.1);
    assert_close(trainer.model().params(), &expected, 1e-6);
    // The logged loss is the batch loss before the step.
    let by_hand: f64 = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| tiny_forward(&TINY_PARAMS, *x, y).1)
        .sum::<f64>()
        / 2.0;
    assert!((history.get("loss").unwrap()[0] - by_hand).abs() < 1e-6);
}

#[test]
fn class_weight_and_sample_weight_weight_the_loss_as_keras() {
    // sum_over_batch_size: sum(w_i * l_i) / batch_len, w_i = sample weight * class weight.
    let xs = [[1.0, 2.0], [-1.0, 0.5], [0.5, -1.5]];
    let ys = [0, 1, 1];
    let sample_weight = [0.5_f32, 2.0, 1.0];
    let w = [0.5, 2.0 * 3.0, 1.0 * 3.0];
    let x = xs.map(|[a, b]| v2(a as f32, b as f32));
    let y = [0_u8, 1, 1];
    let mut model = Tiny::new_zeroed();
    model.params_mut().copy_from_slice(&TINY_PARAMS);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.2),
        [Metric::Accuracy],
    );
    let options = Fit::epochs(1)
        .batch_size(3)
        .verbose(0)
        .sample_weight(&sample_weight)
        .class_weight([(1, 3.0)]);
    let history = trainer.fit(&x, &y, options).unwrap();

    let per_sample: Vec<([f64; 2], f64)> = xs
        .iter()
        .zip(ys)
        .map(|(x, y)| tiny_forward(&TINY_PARAMS, *x, y))
        .collect();
    let loss: f64 = per_sample
        .iter()
        .zip(w)
        .map(|((_, l), w)| w * l)
        .sum::<f64>()
        / 3.0;
    let logged = history.get("loss").unwrap()[0];
    assert!((logged - loss).abs() < 1e-6, "{logged} vs {loss}");
    let by_weight_sum = loss * 3.0 / w.iter().sum::<f64>();
    assert!(
        (logged - by_weight_sum).abs() > 1e-3,
        "not divided by the sum of weights"
    );
    // Accuracy: the mean of hits weighted by w.
    let hits: f64 = per_sample
        .iter()
        .zip(ys)
        .zip(w)
        .map(|(((p, _), y), w)| if (p[1] > p[0]) == (y == 1) { w } else { 0.0 })
        .sum();
    let accuracy = history.get("accuracy").unwrap()[0];
    assert!((accuracy - hits / w.iter().sum::<f64>()).abs() < 1e-9);
    // The step follows the weighted gradient.
    let expected = tiny_sgd_step(&TINY_PARAMS, &xs, &ys, &w, 0.2);
    assert_close(trainer.model().params(), &expected, 1e-6);

    // evaluate with sample weights: the same reduction (no class weights).
    let params: Vec<f32> = trainer.model().params().to_vec();
    let results = trainer
        .evaluate_with(
            &x,
            &y,
            Evaluate::new().sample_weight(&sample_weight).verbose(0),
        )
        .unwrap();
    let loss: f64 = xs
        .iter()
        .zip(ys)
        .zip(sample_weight)
        .map(|((x, y), w)| f64::from(w) * tiny_forward(&params, *x, y).1)
        .sum::<f64>()
        / 3.0;
    assert!((results["loss"] - loss).abs() < 1e-6);
}

#[test]
fn xor_is_learned_to_near_zero_loss() {
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]].map(|[a, b]| v2(a, b));
    let y = [0_u8, 1, 1, 0];
    let mut model = Xor::new(42);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.5),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(&x, &y, Fit::epochs(2000).batch_size(4).verbose(0))
        .unwrap();
    assert_eq!(history.len(), 2000);
    let results = trainer
        .evaluate_with(&x, &y, Evaluate::new().verbose(0))
        .unwrap();
    assert!(results["loss"] < 0.01, "{results}");
    assert_eq!(results["accuracy"], 1.0);
    assert_eq!(trainer.predict_classes(&x).unwrap(), [0, 1, 1, 0]);
}

/// Mean squared error, for the regression test (the real one lives in
/// `mlp::loss`); the `Loss` trait is public, so a test may implement it.
#[derive(Clone, Copy, Debug)]
struct Mse;

impl Loss for Mse {
    const NAME: &'static str = "test_mse";
    const TARGET: TargetKind = TargetKind::Regression;

    fn loss_and_delta(
        &self,
        activation: ActivationKind,
        z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
        scale: f32,
        delta: &mut [f32],
    ) -> f32 {
        let TargetRef::Values(t) = target else {
            unreachable!()
        };
        let k = a.len() as f32;
        for ((d, a), t) in delta.iter_mut().zip(a).zip(t) {
            *d = scale * 2.0 * (a - t) / k;
        }
        activation.backward(z, a, delta);
        self.loss(activation, z, a, target)
    }

    fn loss(&self, _: ActivationKind, _: &[f32], a: &[f32], target: TargetRef<'_>) -> f32 {
        let TargetRef::Values(t) = target else {
            unreachable!()
        };
        a.iter().zip(t).map(|(a, t)| (a - t) * (a - t)).sum::<f32>() / a.len() as f32
    }
}

impl<O> TargetFor<Mse, O> for f32 {
    fn target(&self) -> TargetRef<'_> {
        TargetRef::Values(core::slice::from_ref(self))
    }
}

fn regression_data(n: usize) -> (Vec<SVector<f32, 3>>, Vec<f32>) {
    let mut rng = rng(7);
    let x: Vec<SVector<f32, 3>> = (0..n)
        .map(|_| {
            SVector::<f32, 3>::new(
                rng.random_range(-1.0..1.0),
                rng.random_range(-1.0..1.0),
                rng.random_range(-1.0..1.0),
            )
        })
        .collect();
    let y = x
        .iter()
        .map(|v| 2.0 * v[0] - 3.0 * v[1] + 0.5 * v[2] + 1.0)
        .collect();
    (x, y)
}

#[test]
fn linear_regression_recovers_its_coefficients() {
    let (x, y) = regression_data(256);
    let mut model = Linear::new(3);
    let mut trainer = model.compile(Mse, Sgd::new(0.1), []);
    trainer
        .fit(&x, &y, Fit::epochs(200).batch_size(16).verbose(0))
        .unwrap();
    let results = trainer
        .evaluate_with(&x, &y, Evaluate::new().verbose(0))
        .unwrap();
    assert!(results["loss"] < 1e-4, "{results}");
    let p = trainer.model().params();
    for (got, want) in p.iter().zip([2.0, -3.0, 0.5, 1.0]) {
        assert!((got - want).abs() < 1e-2, "{p:?}");
    }
}

/// `n` 28x28 images of 10 classes: each class a fixed random pattern, each
/// sample its pattern plus uniform noise.
fn synthetic_fashion(n: usize, seed: u64) -> (Vec<SMatrix<f32, 28, 28>>, Vec<u8>) {
    let mut pixels = rng(1234);
    let patterns: Vec<SMatrix<f32, 28, 28>> = (0..10)
        .map(|_| {
            SMatrix::<f32, 28, 28>::from_fn(|_, _| {
                if pixels.random::<f32>() < 0.5 {
                    0.0
                } else {
                    1.0
                }
            })
        })
        .collect();
    let mut rng = rng(seed);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let c = (rng.random::<u64>() % 10) as usize;
        x.push(patterns[c].map(|p| (0.35 * p + 0.65 * rng.random::<f32>()).clamp(0.0, 1.0)));
        y.push(c as u8);
    }
    (x, y)
}

#[test]
fn the_books_architecture_reaches_99_percent_on_separable_data() {
    let (x, y) = synthetic_fashion(3000, 1);
    let (x_test, y_test) = synthetic_fashion(1000, 2);
    let mut model = FashionMlp::new(42);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.01),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(&x, &y, Fit::epochs(5).verbose(0).validation_split(0.1))
        .unwrap();
    assert_eq!(history.params.samples, 2700);
    assert_eq!(history.params.steps, 2700usize.div_ceil(32));
    let results = trainer
        .evaluate_with(&x_test, &y_test, Evaluate::new().verbose(0))
        .unwrap();
    assert!(results["accuracy"] >= 0.99, "{results}");
    assert!(
        history.get("val_accuracy").unwrap()[4] >= 0.99,
        "{history:?}"
    );
    let proba = trainer.predict(&x_test[..3]).unwrap();
    let classes = trainer.predict_classes(&x_test[..3]).unwrap();
    for ((p, c), t) in proba.iter().zip(&classes).zip(&y_test) {
        assert!((p.sum() - 1.0).abs() < 1e-5);
        assert_eq!(p.argmax().0, *c);
        assert_eq!(*c, usize::from(*t));
    }
}

fn small_history(init_seed: u64, shuffle_seed: u64) -> (History, Vec<f32>) {
    let (x, y) = clusters(90, 3);
    let mut model = Small::new(init_seed);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(3).batch_size(8).seed(shuffle_seed).verbose(0),
        )
        .unwrap();
    (history, model.params().to_vec())
}

#[test]
fn same_seed_same_history_other_seed_other_history() {
    let (a, pa) = small_history(1, 5);
    let (b, pb) = small_history(1, 5);
    assert_eq!(a, b);
    assert_eq!(pa, pb);
    let (c, pc) = small_history(1, 6);
    assert_ne!(a.get("loss"), c.get("loss"));
    assert_ne!(pa, pc);
}

#[test]
fn fit_twice_continues_where_it_stopped() {
    let (x, y) = clusters(60, 4);
    let mut once = Small::new(9);
    let mut trainer = once.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let all = trainer
        .fit(&x, &y, Fit::epochs(4).batch_size(16).verbose(0))
        .unwrap();
    assert_eq!(trainer.iterations(), 16);

    let mut twice = Small::new(9);
    let mut trainer = twice.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let first = trainer
        .fit(&x, &y, Fit::epochs(2).batch_size(16).verbose(0))
        .unwrap();
    assert_eq!(trainer.iterations(), 8);
    let second = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(4).initial_epoch(2).batch_size(16).verbose(0),
        )
        .unwrap();
    assert_eq!(trainer.iterations(), 16);
    assert_eq!(first.epoch, [0, 1]);
    assert_eq!(second.epoch, [2, 3]);
    assert_eq!(second.get("loss").unwrap(), &all.get("loss").unwrap()[2..]);
    assert!(second.get("loss").unwrap()[0] < first.get("loss").unwrap()[0]);
    assert_eq!(once.params(), twice.params());
}

#[test]
fn validation_split_takes_the_last_fraction_before_shuffling() {
    let (x, y) = clusters(50, 5);
    let mut split = Small::new(2);
    let mut trainer = split.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(2)
                .batch_size(8)
                .verbose(0)
                .validation_split(0.3),
        )
        .unwrap();
    // floor(50 * 0.7) = 35 train, the last 15 validate.
    assert_eq!(history.params.samples, 35);
    let last = trainer
        .evaluate_with(&x[35..], &y[35..], Evaluate::new().verbose(0))
        .unwrap();
    assert_eq!(history.get("val_loss").unwrap()[1], last["loss"]);
    assert_eq!(history.get("val_accuracy").unwrap()[1], last["accuracy"]);

    // Training used exactly the first 35 samples, in the same shuffled order.
    let mut head = Small::new(2);
    let mut trainer = head.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let h = trainer
        .fit(&x[..35], &y[..35], Fit::epochs(2).batch_size(8).verbose(0))
        .unwrap();
    assert_eq!(h.get("loss"), history.get("loss"));
    assert_eq!(split.params(), head.params());
}

#[test]
fn history_is_named_and_ordered_as_keras() {
    let (x, y) = clusters(30, 6);
    let (xv, yv) = clusters(12, 7);
    let mut model = Small::new(1);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(3)
                .batch_size(7)
                .verbose(0)
                .validation_data(&xv, &yv),
        )
        .unwrap();
    assert_eq!(
        history.names().collect::<Vec<_>>(),
        ["loss", "accuracy", "val_loss", "val_accuracy"]
    );
    assert_eq!(history.epoch, [0, 1, 2]);
    assert_eq!(history.params.epochs, 3);
    assert_eq!(history.params.steps, 5);
    assert_eq!(history.params.samples, 30);
    assert_eq!(history.params.batch_size, 7);
    assert_eq!(history.params.verbose, 0);
    // val values are those of the final weights of each epoch.
    let results = trainer
        .evaluate_with(&xv, &yv, Evaluate::new().verbose(0).batch_size(5))
        .unwrap();
    assert!((history.get("val_loss").unwrap()[2] - results["loss"]).abs() < 1e-6);
    assert_eq!(results.names().collect::<Vec<_>>(), ["loss", "accuracy"]);
    let shown = results.to_string();
    assert!(
        shown.starts_with("loss: ") && shown.contains(" - accuracy: "),
        "{shown}"
    );
}

#[test]
fn predict_matches_predict_one_and_classes_are_argmax() {
    let (x, _) = clusters(70, 8);
    let mut model = Small::new(4);
    let trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    let proba = trainer.predict(&x).unwrap();
    let classes = trainer.predict_classes(&x).unwrap();
    assert_eq!(proba.len(), 70);
    for ((x, p), c) in x.iter().zip(&proba).zip(&classes) {
        let one = trainer.model().predict_one(x);
        assert!((p - one).abs().max() < 1e-5);
        assert_eq!(one.argmax().0, *c);
    }
    // Blocks and threads change nothing: each output depends on its sample.
    for batch_size in [1, 7, 64, 1000] {
        assert_eq!(
            trainer.predict_with_batch_size(&x, batch_size).unwrap(),
            proba
        );
    }
}

/// The model's parameters before and after an erroring `fit` are equal.
fn assert_fit_error<'a, Y: TargetFor<SparseCategoricalCrossentropy, SVector<f32, 3>>>(
    x: &'a [SVector<f32, 4>],
    y: &'a [Y],
    options: Fit<'a, Small, SparseCategoricalCrossentropy>,
) -> Error {
    let mut model = Small::new(1);
    let before = model.params().to_vec();
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::default(),
        [Metric::Accuracy],
    );
    let err = trainer.fit(x, y, options).unwrap_err();
    assert_eq!(trainer.iterations(), 0);
    assert_eq!(model.params(), &before[..]);
    err
}

#[test]
fn bad_inputs_are_errors_naming_the_thing_and_both_sizes() {
    let (x, y) = clusters(10, 9);
    let quiet = || Fit::<Small, SparseCategoricalCrossentropy>::epochs(1).verbose(0);

    let e = assert_fit_error(&x, &y[..9], quiet());
    assert!(
        matches!(
            e,
            Error::Length {
                expected: 10,
                found: 9,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("y (one target per sample of x, which has 10 samples)"),
        "{e}"
    );

    let e = assert_fit_error::<u8>(&[], &[], quiet());
    assert!(matches!(e, Error::InvalidArgument { name: "x", .. }), "{e}");
    assert!(e.to_string().contains("empty"), "{e}");

    let mut bad = y.clone();
    bad[4] = 7;
    let e = assert_fit_error(&x, &bad, quiet());
    assert!(e.to_string().contains("y[4] is class 7"), "{e}");
    assert!(e.to_string().contains("3 classes"), "{e}");
    let signed: Vec<i32> = y
        .iter()
        .map(|&c| if c == 2 { -1 } else { i32::from(c) })
        .collect();
    let e = assert_fit_error(&x, &signed, Fit::epochs(1).verbose(0));
    assert!(e.to_string().contains("is class -1"), "{e}");
    // An unsigned label past isize::MAX is not negative.
    let huge: Vec<u64> = y
        .iter()
        .map(|&c| if c == 2 { u64::MAX } else { u64::from(c) })
        .collect();
    let e = assert_fit_error(&x, &huge, Fit::epochs(1).verbose(0));
    assert!(
        e.to_string().contains("is class 18446744073709551615,"),
        "{e}"
    );

    let e = assert_fit_error(&x, &y, quiet().batch_size(0));
    assert!(
        matches!(
            e,
            Error::InvalidArgument {
                name: "batch_size",
                ..
            }
        ),
        "{e}"
    );
    let e = assert_fit_error(&x, &y, quiet().verbose(3));
    assert!(
        matches!(
            e,
            Error::InvalidArgument {
                name: "verbose",
                ..
            }
        ),
        "{e}"
    );

    for split in [0.0, 1.0, 1.5, -0.1, f64::NAN] {
        let e = assert_fit_error(&x, &y, quiet().validation_split(split));
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    name: "validation_split",
                    ..
                }
            ),
            "{split}: {e}"
        );
    }
    let e = assert_fit_error(&x[..1], &y[..1], quiet().validation_split(0.5));
    assert!(
        e.to_string()
            .contains("leaves 0 for training and 1 for validation"),
        "{e}"
    );
    let e = assert_fit_error(&x, &y, quiet().validation_split(1e-17));
    assert!(
        e.to_string()
            .contains("leaves 10 for training and 0 for validation"),
        "{e}"
    );

    let e = assert_fit_error(&x, &y, quiet().class_weight([(0, 1.0), (3, 2.0)]));
    assert!(
        matches!(
            e,
            Error::InvalidArgument {
                name: "class_weight",
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("class 3 does not exist: the network has 3 classes"),
        "{e}"
    );

    let w = [1.0_f32; 9];
    let e = assert_fit_error(&x, &y, quiet().sample_weight(&w));
    assert!(
        matches!(
            e,
            Error::Length {
                expected: 10,
                found: 9,
                ..
            }
        ),
        "{e}"
    );
    let mut w = [1.0_f32; 10];
    w[3] = -0.5;
    let e = assert_fit_error(&x, &y, quiet().sample_weight(&w));
    assert!(e.to_string().contains("sample 3 is -0.5"), "{e}");
    w[3] = f32::NAN;
    let e = assert_fit_error(&x, &y, quiet().sample_weight(&w));
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    assert!(e.to_string().contains("sample 3"), "{e}");

    let mut nan_x = x.clone();
    nan_x[6][2] = f32::NAN;
    let e = assert_fit_error(&nan_x, &y, quiet());
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    assert!(e.to_string().contains("sample 6 (value 2 of 4"), "{e}");
    nan_x[6][2] = f32::INFINITY;
    let e = assert_fit_error(&nan_x, &y, quiet());
    assert!(e.to_string().contains("inf"), "{e}");

    // Validation data is checked too.
    let e = assert_fit_error(&x, &y, quiet().validation_data(&x, &y[..3]));
    assert!(e.to_string().contains("validation y"), "{e}");
    let e = assert_fit_error(&x, &y, quiet().validation_data(&nan_x, &y));
    assert!(e.to_string().contains("validation x"), "{e}");
    let e = assert_fit_error(&x, &y, quiet().validation_data_weighted(&x, &y, &[1.0; 2]));
    assert!(e.to_string().contains("validation sample_weight"), "{e}");

    // evaluate checks the same things.
    let mut model = Small::new(1);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    let e = trainer.evaluate(&x, &y[..2]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Length {
                expected: 10,
                found: 2,
                ..
            }
        ),
        "{e}"
    );
    let e = trainer
        .evaluate_with(&x, &y, Evaluate::new().batch_size(0))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidArgument {
                name: "batch_size",
                ..
            }
        ),
        "{e}"
    );
    let e = trainer.evaluate(&x, &bad).unwrap_err();
    assert!(e.to_string().contains("y[4] is class 7"), "{e}");
}

#[test]
fn epochs_not_above_initial_epoch_train_nothing() {
    let (x, y) = clusters(10, 9);
    let mut model = Small::new(1);
    let before = model.params().to_vec();
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    let h = trainer.fit(&x, &y, Fit::epochs(0).verbose(0)).unwrap();
    assert!(h.is_empty());
    let h = trainer
        .fit(&x, &y, Fit::epochs(3).initial_epoch(3).verbose(0))
        .unwrap();
    assert!(h.is_empty());
    assert_eq!(trainer.iterations(), 0);
    assert_eq!(model.params(), &before[..]);
}

#[test]
fn regression_targets_must_be_finite() {
    let (x, mut y) = regression_data(8);
    y[5] = f32::NAN;
    let mut model = Linear::new(3);
    let mut trainer = model.compile(Mse, Sgd::default(), []);
    let e = trainer.fit(&x, &y, Fit::epochs(1).verbose(0)).unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    assert!(e.to_string().contains("sample 5, output 0"), "{e}");
    let e = trainer
        .fit(
            &x[..4],
            &y[..4],
            Fit::epochs(1).verbose(0).class_weight([(0, 2.0)]),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("class weights need class targets"),
        "{e}"
    );
}

/// Records the parameters at the start of every batch and the end of every epoch.
#[derive(Default)]
struct Recorder {
    at_batch_begin: Vec<f32>,
    at_epoch_end: Vec<Vec<f32>>,
}

impl<N: Network> Callback<N> for Recorder {
    fn on_batch_begin(&mut self, ctx: &mut CallbackContext<'_, N>, _: usize) -> mlp::Result<()> {
        self.at_batch_begin = ctx.model().params().to_vec();
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        _: usize,
        _: &Logs,
    ) -> mlp::Result<()> {
        self.at_epoch_end.push(ctx.model().params().to_vec());
        Ok(())
    }
}

#[test]
fn a_diverging_loss_stops_with_the_history_and_finite_weights() {
    let (x, y) = clusters(30, 10);
    let mut model = Small::new(5);
    let mut recorder = Recorder::default();
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(1e18),
        [Metric::Accuracy],
    );
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(50)
                .batch_size(15)
                .verbose(0)
                .callback(&mut recorder),
        )
        .unwrap_err();
    let Error::Diverged {
        epoch,
        batch,
        ref history,
        quantity,
        value,
    } = err
    else {
        panic!("{err}");
    };
    assert_eq!(
        history.len(),
        epoch,
        "the history holds the completed epochs"
    );
    assert!(epoch >= 1, "diverged in the first epoch: {err}");
    assert_eq!(history.len(), recorder.at_epoch_end.len());
    assert!(history.get("loss").unwrap().iter().all(|l| l.is_finite()));
    assert!(
        quantity == "loss" && !value.is_finite() || quantity == "gradient",
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains(&format!("epoch {}/50, batch {}/2", epoch + 1, batch + 1)),
        "{message}"
    );
    // The step was not applied: the weights are those at the start of the failing batch.
    assert!(model.params().iter().all(|p| p.is_finite()));
    assert_eq!(model.params(), &recorder.at_batch_begin[..]);
}

#[test]
fn terminate_on_nan_ends_fit_normally() {
    let (x, y) = clusters(30, 10);
    let mut model = Small::new(5);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(1e18),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(50)
                .batch_size(10)
                .verbose(0)
                .callback(TerminateOnNaN),
        )
        .unwrap();
    assert!(history.len() < 50);
    let losses = history.get("loss").unwrap();
    assert!(!losses.last().unwrap().is_finite());
    assert!(losses[..losses.len() - 1].iter().all(|l| l.is_finite()));
    assert!(model.params().iter().all(|p| p.is_finite()));
}

#[test]
fn early_stopping_stops_and_restores_the_best_weights() {
    // Validation labels contradict the training labels: val_loss gets worse.
    let (x, y) = clusters(60, 11);
    let flipped: Vec<u8> = y.iter().map(|c| (c + 1) % 3).collect();
    let mut model = Small::new(6);
    let mut recorder = Recorder::default();
    let mut stop = EarlyStopping::new().patience(2).restore_best_weights(true);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(100)
                .batch_size(8)
                .verbose(0)
                .validation_data(&x, &flipped)
                .callback(&mut recorder)
                .callback(&mut stop),
        )
        .unwrap();
    let val = history.get("val_loss").unwrap();
    let best = (0..val.len())
        .min_by(|&a, &b| val[a].total_cmp(&val[b]))
        .unwrap();
    assert!(history.len() < 100);
    assert_eq!(stop.stopped_epoch(), Some(history.len() - 1));
    assert_eq!(
        history.len() - 1 - best,
        2,
        "stopped after `patience` epochs without improvement: {val:?}"
    );
    assert_eq!(stop.best().unwrap().0, best);
    assert_eq!(model.params(), &recorder.at_epoch_end[best][..]);
    assert_ne!(
        model.params(),
        &recorder.at_epoch_end[history.len() - 1][..]
    );
}

#[test]
fn early_stopping_on_a_missing_value_is_an_error() {
    let (x, y) = clusters(12, 12);
    let mut model = Small::new(6);
    let before = model.params().to_vec();
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    let e = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(3).verbose(0).callback(EarlyStopping::new()),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument `monitor`: EarlyStopping monitors `val_loss`, which is not in the logs (a `val_` \
         value needs validation data: `Fit::validation_data` or `validation_split`); they hold: loss"
    );
    // Refused before the first step: nothing trained.
    assert_eq!(trainer.model().params(), before.as_slice());
    assert_eq!(trainer.iterations(), 0);
}

#[test]
fn csv_logger_writes_one_row_per_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    let (x, y) = clusters(30, 13);
    let (xv, yv) = clusters(9, 14);
    let mut model = Small::new(7);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let options = Fit::epochs(3).verbose(0).validation_data(&xv, &yv);
    let history = trainer
        .fit(&x, &y, options.callback(CsvLogger::new(&path)))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "epoch,accuracy,loss,val_accuracy,val_loss");
    assert_eq!(lines.len(), 4);
    for (e, line) in lines[1..].iter().enumerate() {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        assert_eq!(v[0], e as f64);
        assert_eq!(v[1], history.get("accuracy").unwrap()[e]);
        assert_eq!(v[2], history.get("loss").unwrap()[e]);
        assert_eq!(v[3], history.get("val_accuracy").unwrap()[e]);
        assert_eq!(v[4], history.get("val_loss").unwrap()[e]);
    }
    // append keeps the rows and the single header.
    let more = Fit::epochs(5).initial_epoch(3).verbose(0);
    trainer
        .fit(&x, &y, more.callback(CsvLogger::new(&path).append(true)))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 6);
    assert_eq!(text.matches("epoch,").count(), 1);
    assert!(text.lines().last().unwrap().starts_with("4,"));
}

/// Times the training steps and the whole of each epoch (with validation).
#[derive(Default)]
struct EpochTimer {
    steps: usize,
    begin: Option<std::time::Instant>,
    training: Vec<f64>,
    whole: Vec<f64>,
}

impl<N: Network> Callback<N> for EpochTimer {
    fn on_epoch_begin(&mut self, _: &mut CallbackContext<'_, N>, _: usize) -> mlp::Result<()> {
        self.begin = Some(std::time::Instant::now());
        Ok(())
    }

    fn on_batch_end(
        &mut self,
        _: &mut CallbackContext<'_, N>,
        batch: usize,
        _: &Logs,
    ) -> mlp::Result<()> {
        if batch + 1 == self.steps {
            self.training
                .push(self.begin.unwrap().elapsed().as_secs_f64());
        }
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        _: &mut CallbackContext<'_, N>,
        _: usize,
        _: &Logs,
    ) -> mlp::Result<()> {
        self.whole.push(self.begin.unwrap().elapsed().as_secs_f64());
        Ok(())
    }
}

/// One epoch over 55,000 28x28 samples at batch 32 with the book's model,
/// validated on 5,000: run
/// `cargo test --release --test training -- --ignored --nocapture epoch_time`.
#[test]
#[ignore = "a measurement, not a check"]
fn epoch_time_of_the_books_model() {
    let (x, y) = synthetic_fashion(55_000, 3);
    let (xv, yv) = synthetic_fashion(5_000, 4);
    let mut model = FashionMlp::new(42);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.01),
        [Metric::Accuracy],
    );
    let mut timer = EpochTimer {
        steps: 55_000_usize.div_ceil(32),
        ..EpochTimer::default()
    };
    let options = Fit::epochs(3)
        .validation_data(&xv, &yv)
        .callback(&mut timer);
    let history = trainer.fit(&x, &y, options).unwrap();
    println!();
    println!("{}", history.to_json().unwrap());
    for (t, w) in timer.training.iter().zip(&timer.whole) {
        println!(
            "epoch: {t:.2} s of training steps (55,000 samples, batch 32), {w:.2} s with validation (5,000)"
        );
    }
}
