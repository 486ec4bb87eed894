//! Graphs on the batch path: a graph that exercises every placement of the
//! engine (an input and Dense layers written straight into a
//! `Concatenate`'s columns, a node joined twice, a Dense layer joined beside
//! its own input, a `Concatenate` of a `Concatenate`, `Add` and `Average`,
//! layers other than Dense reading a strided input, an output also read by
//! another node, two outputs with loss weights) checked against finite
//! differences of its weighted loss; the batch forward pass against
//! `predict_one`, on 1 and 2 threads; `fit`'s errors; `evaluate`, `predict`
//! and the History names of a two-output graph against a hand computation.
//! What every model shares with a chain (weights, state, callbacks, MC
//! Dropout, ...) is tested on a graph in `tests/graph_features.rs`.

use mlp::__internal::{Phase, Workspace};
use mlp::loss::{Loss, MeanSquaredError, TargetRef};
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    /// Every placement the graph engine makes.
    pub struct Tangle {
        a = Input[3];
        b = Input[2];
        h1 = Dense<4, tanh>(a);
        h2 = Dense<2, sigmoid>(b);
        s = Add(h2, b);
        m = Average(s, b);
        leaky = LeakyReLU<negative_slope = 0.2>(a);
        norm = BatchNormalization<momentum = 0.9>(h1);
        dropped = Dropout<0.25>(norm);
        c = Concatenate(a, h1, m, h1, leaky);
        d = Dense<3, elu>(c);
        back = Dense<2, tanh>(d);
        c2 = Concatenate(d, s, c, back);
        // alpha 1: no kink at 0 for the finite differences to step over
        // (its gradient, from the negative inputs, is still checked).
        p = PReLU<alpha_initializer = constant(1.0)>(c2);
        e = Dense<2, softmax>(p);
        output y1 = Dense<2>(e);
        output y2 = Dense<1, tanh>(dropped);
        output e;
    }
}

const H: f64 = 1.0 / 128.0;
const TOL: f64 = 3e-4;
const MODE: Phase = Phase::Training { seed: 7, step: 3 };
const WEIGHTS: [f32; 3] = [0.6, 0.3, 0.1];
const N: usize = 5;

fn inputs() -> (Vec<[f32; 3]>, Vec<[f32; 2]>) {
    let a = (0..N)
        .map(|i| core::array::from_fn(|j| ((i * 3 + j) as f32 * 0.37).sin() * 1.3))
        .collect();
    let b = (0..N)
        .map(|i| core::array::from_fn(|j| ((i * 2 + j) as f32 * 0.91).cos()))
        .collect();
    (a, b)
}

fn targets() -> [Vec<f32>; 3] {
    [
        (0..N * 2).map(|i| (i as f32 * 0.3).sin()).collect(),
        (0..N).map(|i| (i as f32 * 0.5).cos() * 0.5).collect(),
        (0..N * 2).map(|i| (i % 2) as f32).collect(),
    ]
}

fn load(ws: &mut Workspace) {
    let (a, b) = inputs();
    ws.load_graph_input(0, N, &|r, row| row.copy_from_slice(&a[r]))
        .unwrap();
    ws.load_graph_input(1, N, &|r, row| row.copy_from_slice(&b[r]))
        .unwrap();
}

/// The weighted loss of the batch, and (with `seed`) dL/dz written for the
/// backward pass.
fn batch_loss(ws: &mut Workspace, params: &[f32], seed: bool) -> f64 {
    ws.forward_model(params, N, MODE);
    let y = targets();
    let mut total = 0.0;
    for (k, (w, t)) in WEIGHTS.iter().zip(&y).enumerate() {
        let width = t.len() / N;
        for r in 0..N {
            let row = ws.graph_output_row(k, r).unwrap();
            let target = TargetRef::Values(&t[r * width..(r + 1) * width]);
            let l = if seed {
                MeanSquaredError.loss_and_delta(
                    row.activation,
                    row.z,
                    row.a,
                    target,
                    w / N as f32,
                    row.delta,
                )
            } else {
                MeanSquaredError.loss(row.activation, row.z, row.a, target)
            };
            total += f64::from(w * l) / N as f64;
        }
    }
    total
}

#[test]
fn graph_gradients_match_finite_differences_on_one_and_two_threads() {
    let model = Tangle::new(11);
    let params = model.params().to_vec();
    let mut first: Option<Vec<f32>> = None;
    for threads in [1, 2] {
        let mut ws = Workspace::with_threads::<Tangle>(N, threads);
        load(&mut ws);
        let loss = batch_loss(&mut ws, &params, true);
        let mut grads = vec![0.0; Tangle::PARAMS];
        assert!(ws.backward(&params, N, &mut grads));
        match &first {
            // The same gradients, bit for bit, on any thread count.
            Some(g) => assert_eq!(g, &grads),
            None => first = Some(grads.clone()),
        }
        if threads == 2 {
            continue;
        }
        let mut worst = 0.0_f64;
        let mut nonzero = 0;
        for p in 0..Tangle::PARAMS {
            let mut at = |k: f64| {
                let mut q = params.clone();
                q[p] += (k * H) as f32;
                batch_loss(&mut ws, &q, false)
            };
            let numeric = (at(-2.0) - 8.0 * at(-1.0) + 8.0 * at(1.0) - at(2.0)) / (12.0 * H);
            let analytic = f64::from(grads[p]);
            let scale = 1f64.max(loss.abs()).max(numeric.abs());
            let err = (analytic - numeric).abs();
            assert!(
                err <= TOL * scale,
                "parameter {p}: analytic {analytic} numeric {numeric}"
            );
            worst = worst.max(err / scale);
            nonzero += usize::from(analytic != 0.0);
        }
        assert!(
            nonzero > Tangle::PARAMS / 2,
            "{nonzero} of {} gradients non-zero",
            Tangle::PARAMS
        );
        println!(
            "worst normalised error {worst:.1e} over {} parameters",
            Tangle::PARAMS
        );
    }
}

#[test]
fn batch_forward_matches_predict_one() {
    let model = Tangle::new(3);
    let (a, b) = inputs();
    for threads in [1, 2] {
        let mut ws = Workspace::with_threads::<Tangle>(N, threads);
        load(&mut ws);
        ws.forward_model(model.params(), N, Phase::Inference);
        for r in 0..N {
            let one = model.predict_one(&TangleInputs {
                a: SVector::from(a[r]),
                b: SVector::from(b[r]),
            });
            let rows: Vec<Vec<f32>> = (0..3)
                .map(|k| ws.graph_output(k, N).nth(r).unwrap().to_vec())
                .collect();
            for (got, want) in
                rows.iter()
                    .zip([one.y1.as_slice(), one.y2.as_slice(), one.e.as_slice()])
            {
                for (g, w) in got.iter().zip(want) {
                    assert!((g - w).abs() < 1e-5, "{got:?} {want:?}");
                }
            }
        }
    }
}

#[test]
fn fit_names_the_input_or_output_at_fault() {
    let (a, b) = inputs();
    let a: Vec<SVector<f32, 3>> = a.into_iter().map(SVector::from).collect();
    let b: Vec<SVector<f32, 2>> = b.into_iter().map(SVector::from).collect();
    let y2 = vec![0.5_f32; N];
    let y1 = vec![SVector::<f32, 2>::zeros(); N];
    let mut model = Tangle::new(1);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    let quiet = || Fit::epochs(1).verbose(0);
    // A missing target, or one of the wrong width, does not compile (the
    // targets are typed per output: tests/ui/graph_missing_target.rs,
    // graph_target_wrong_width.rs). Slices of different lengths do.
    let short = &b[..3];
    let err = trainer
        .fit((&a, short), (&y1, &y2, &y1), quiet())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("input `b`") && err.contains('5') && err.contains('3'),
        "{err}"
    );
    // Targets fewer than the samples.
    let err = trainer
        .fit((&a, &b), (&y1, &y2[..4], &y1), quiet())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("output `y2`") && err.contains('5') && err.contains('4'),
        "{err}"
    );
    // Loss weights of the wrong count.
    let mut trainer = trainer.loss_weights([1.0, 0.5]);
    let err = trainer
        .fit((&a, &b), (&y1, &y2, &y1), quiet())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("loss_weights") && err.contains('3') && err.contains('2'),
        "{err}"
    );
    let mut trainer = trainer.loss_weights([1.0, 0.5, 0.1]);
    let history = trainer.fit((&a, &b), (&y1, &y2, &y1), quiet()).unwrap();
    let names: Vec<&str> = history.names().collect();
    assert_eq!(names, ["loss", "y1_loss", "y2_loss", "e_loss"]);
}

network! {
    /// The book's third Wide & Deep model, small.
    pub struct TwoOutputs {
        wide_input = Input[2];
        deep_input = Input[3];
        hidden = Dense<6, relu>(deep_input);
        concat = Concatenate(wide_input, hidden);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden);
    }
}

/// 40 samples of `TwoOutputs`'s inputs, and a target.
fn two_output_data() -> (Vec<SVector<f32, 2>>, Vec<SVector<f32, 3>>, Vec<f32>) {
    let n = 40;
    let wide = (0..n)
        .map(|i| SVector::from([(i as f32 * 0.3).sin(), 0.5]))
        .collect();
    let deep = (0..n)
        .map(|i| SVector::from([(i as f32 * 0.7).cos(), i as f32 / 40.0, -0.3]))
        .collect();
    let y = (0..n).map(|i| (i % 7) as f32 / 3.0).collect();
    (wide, deep, y)
}

#[test]
fn evaluate_is_the_weighted_sum_of_each_outputs_loss_computed_by_hand() {
    use mlp::metrics::Metric;
    let (wide, deep, y) = two_output_data();
    let n = y.len();
    let mut model = TwoOutputs::new(5);
    let mut trainer = model
        .compile(
            MeanSquaredError,
            Sgd::new(0.05),
            [Metric::MeanAbsoluteError],
        )
        .loss_weights([0.9, 0.1]);
    let history = trainer
        .fit(
            (&wide, &deep),
            (&y, &y),
            Fit::epochs(8)
                .batch_size(8)
                .verbose(0)
                .validation_data((&wide, &deep), (&y, &y)),
        )
        .unwrap();
    let names: Vec<&str> = history.names().collect();
    assert_eq!(
        names,
        [
            "loss",
            "main_output_loss",
            "main_output_mae",
            "aux_output_loss",
            "aux_output_mae",
            "val_loss",
            "val_main_output_loss",
            "val_main_output_mae",
            "val_aux_output_loss",
            "val_aux_output_mae",
        ]
    );
    let losses = history.get("loss").unwrap();
    assert!(losses[7] < losses[0], "{losses:?}");
    let results = trainer.evaluate((&wide, &deep), (&y, &y)).unwrap();
    // By hand, from `predict` and from `predict_one`.
    let predictions = trainer.predict((&wide, &deep)).unwrap();
    let (mut main, mut aux, mut mae) = (0.0_f64, 0.0_f64, 0.0_f64);
    for i in 0..n {
        let one = trainer.model().predict_one(&TwoOutputsInputs {
            wide_input: wide[i],
            deep_input: deep[i],
        });
        assert!((one.main_output[0] - predictions[i].main_output[0]).abs() < 1e-5);
        assert!((one.aux_output[0] - predictions[i].aux_output[0]).abs() < 1e-5);
        main += f64::from((one.main_output[0] - y[i]).powi(2)) / n as f64;
        aux += f64::from((one.aux_output[0] - y[i]).powi(2)) / n as f64;
        mae += f64::from((one.main_output[0] - y[i]).abs()) / n as f64;
    }
    assert!(
        (results["main_output_loss"] - main).abs() < 1e-5,
        "{results} {main}"
    );
    assert!(
        (results["aux_output_loss"] - aux).abs() < 1e-5,
        "{results} {aux}"
    );
    assert!(
        (results["main_output_mae"] - mae).abs() < 1e-5,
        "{results} {mae}"
    );
    assert!(
        (results["loss"] - (0.9 * main + 0.1 * aux)).abs() < 1e-5,
        "{results}"
    );
    // The last epoch's validation ran on the same data with the same weights.
    let val = history.get("val_loss").unwrap()[7];
    assert!((val - results["loss"]).abs() < 1e-5, "{val} {results}");
}

#[test]
fn validation_split_holds_out_the_last_samples_of_every_slice() {
    let (wide, deep, y) = two_output_data();
    let fit = || Fit::epochs(3).batch_size(8).seed(4).verbose(0);
    let mut split = TwoOutputs::new(5);
    let by_split = split
        .compile(MeanSquaredError, Sgd::new(0.05), [])
        .fit((&wide, &deep), (&y, &y), fit().validation_split(0.25))
        .unwrap();
    let mut given = TwoOutputs::new(5);
    let at = 30;
    let by_hand = given
        .compile(MeanSquaredError, Sgd::new(0.05), [])
        .fit(
            (&wide[..at], &deep[..at]),
            (&y[..at], &y[..at]),
            fit().validation_data((&wide[at..], &deep[at..]), (&y[at..], &y[at..])),
        )
        .unwrap();
    assert_eq!(by_split, by_hand);
    assert_eq!(by_split.params.samples, 30);
    let err = TwoOutputs::new(5)
        .compile(MeanSquaredError, Sgd::new(0.05), [])
        .fit((&wide, &deep), (&y, &y), fit().validation_split(1.0))
        .unwrap_err();
    assert!(err.to_string().contains("validation_split"), "{err}");
}

#[test]
fn early_stopping_and_model_checkpoint_keep_a_graphs_best_weights() {
    use mlp::train::{CsvLogger, EarlyStopping, ModelCheckpoint};
    let (wide, deep, y) = two_output_data();
    let n = y.len();
    let (train, valid) = (0..30, 30..n);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    let best_file = dir.path().join("best.safetensors");
    let mut model = TwoOutputs::new(5);
    // A large rate, so the validation loss goes up and down.
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.3), []);
    let history = trainer
        .fit(
            (&wide[train.clone()], &deep[train.clone()]),
            (&y[train.clone()], &y[train]),
            Fit::epochs(200)
                .batch_size(4)
                .verbose(0)
                .validation_data(
                    (&wide[valid.clone()], &deep[valid.clone()]),
                    (&y[valid.clone()], &y[valid.clone()]),
                )
                .callback(
                    EarlyStopping::new()
                        .monitor("val_loss")
                        .patience(3)
                        .restore_best_weights(true),
                )
                .callback(CsvLogger::new(&log))
                .callback(ModelCheckpoint::new(&best_file).save_best_only(true)),
        )
        .unwrap();
    assert!(history.len() < 200, "ran all {} epochs", history.len());
    let best = history
        .get("val_loss")
        .unwrap()
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let now = trainer
        .evaluate(
            (&wide[valid.clone()], &deep[valid.clone()]),
            (&y[valid.clone()], &y[valid]),
        )
        .unwrap()["loss"];
    assert!((now - best).abs() < 1e-5, "restored {now}, best {best}");
    let csv = std::fs::read_to_string(&log).unwrap();
    // ModelCheckpoint saved the best epoch's weights: those EarlyStopping
    // restored.
    let mut saved = TwoOutputs::new_zeroed();
    saved.load_weights(&best_file).unwrap();
    assert_eq!(saved.params(), trainer.model().params());
    // CsvLogger wrote a row per epoch run, with every output's columns.
    assert_eq!(csv.lines().count(), history.len() + 1, "{csv}");
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("val_main_output_loss") && header.contains("aux_output_loss"),
        "{header}"
    );
}
