//! Metrics as `fit` and `evaluate` report them: Keras's names (resolved by
//! the loss's targets) and values (RMSE is the root of the mean, not the mean
//! of per-sample roots), checked against values computed here from `predict`.

use mlp::loss::{CategoricalCrossentropy, MeanSquaredError, SparseCategoricalCrossentropy};
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Evaluate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

network! {
    /// Eight classes, so that top-5 accuracy is not trivially 1.
    struct Classifier { Input[4] -> Dense<16, tanh> -> Dense<8, softmax> }
}

network! {
    /// A two-output regressor.
    struct Regressor { Input[3] -> Dense<8, tanh> -> Dense<2> }
}

/// The test data's generator: seeded, so every run sees the same data.
fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Noisy labels from the inputs: learnable, but not perfectly.
fn classification(n: usize, seed: u64) -> (Vec<SVector<f32, 4>>, Vec<u8>) {
    let mut rng = rng(seed);
    let x: Vec<SVector<f32, 4>> = (0..n)
        .map(|_| SVector::<f32, 4>::from_fn(|_, _| rng.random_range(-1.0..1.0)))
        .collect();
    let y = x
        .iter()
        .map(|v| {
            let noise = rng.random_range(-1.0..1.0) * 0.6;
            (((v[0] + v[1] * 0.5 + noise + 2.0) * 2.0).clamp(0.0, 7.0)) as u8
        })
        .collect();
    (x, y)
}

fn one_hot(y: &[u8]) -> Vec<SVector<f32, 8>> {
    y.iter()
        .map(|&c| SVector::<f32, 8>::from_fn(|i, _| f32::from(u8::from(i == usize::from(c)))))
        .collect()
}

/// Fraction of samples whose class is among the `k` largest outputs
/// (ties count in), and fraction whose argmax is the class.
fn by_hand(p: &[SVector<f32, 8>], y: &[u8], k: usize) -> (f64, f64) {
    let mut top_k = 0;
    let mut hits = 0;
    for (p, &c) in p.iter().zip(y) {
        let c = usize::from(c);
        if p.iter().filter(|q| **q > p[c]).count() < k {
            top_k += 1;
        }
        if p.argmax().0 == c {
            hits += 1;
        }
    }
    (
        f64::from(top_k) / y.len() as f64,
        f64::from(hits) / y.len() as f64,
    )
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-6 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn sparse_targets_name_top_k_sparse_and_values_match_predictions() {
    let (x, y) = classification(200, 1);
    let (vx, vy) = classification(60, 2);
    let mut model = Classifier::new(3);
    let metrics = [Metric::Accuracy, Metric::top_k_categorical_accuracy()];
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.05), metrics);
    assert_eq!(
        trainer.metric_names().collect::<Vec<_>>(),
        ["loss", "accuracy", "sparse_top_k_categorical_accuracy"]
    );
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(3)
                .batch_size(16)
                .verbose(0)
                .validation_data(&vx, &vy),
        )
        .unwrap();
    assert_eq!(
        history.names().collect::<Vec<_>>(),
        [
            "loss",
            "accuracy",
            "sparse_top_k_categorical_accuracy",
            "val_loss",
            "val_accuracy",
            "val_sparse_top_k_categorical_accuracy"
        ]
    );

    // The last epoch's validation metrics are those of the final model.
    let p = trainer.predict(&vx).unwrap();
    let (top5, acc) = by_hand(&p, &vy, 5);
    assert!(top5 > 0.0 && top5 < 1.0, "top-5 {top5} is not informative");
    let last = |name: &str| *history.get(name).unwrap().last().unwrap();
    close(
        last("val_sparse_top_k_categorical_accuracy"),
        top5,
        "val top-5",
    );
    close(last("val_accuracy"), acc, "val accuracy");

    let results = trainer
        .evaluate_with(&vx, &vy, Evaluate::new().verbose(0))
        .unwrap();
    assert_eq!(
        results.names().collect::<Vec<_>>(),
        ["loss", "accuracy", "sparse_top_k_categorical_accuracy"]
    );
    close(results["sparse_top_k_categorical_accuracy"], top5, "top-5");
    close(results["accuracy"], acc, "accuracy");
}

#[test]
fn one_hot_targets_name_top_k_categorical() {
    let (x, y) = classification(100, 4);
    let y1 = one_hot(&y);
    let mut model = Classifier::new(5);
    let metrics = [Metric::Accuracy, Metric::TopKCategoricalAccuracy(3)];
    let mut trainer = model.compile(CategoricalCrossentropy, Sgd::new(0.05), metrics);
    let history = trainer
        .fit(&x, &y1, Fit::epochs(2).verbose(0).validation_split(0.2))
        .unwrap();
    assert_eq!(
        history.names().collect::<Vec<_>>(),
        [
            "loss",
            "accuracy",
            "top_k_categorical_accuracy",
            "val_loss",
            "val_accuracy",
            "val_top_k_categorical_accuracy"
        ]
    );
    let results = trainer
        .evaluate_with(&x, &y1, Evaluate::new().verbose(0))
        .unwrap();
    let (top3, acc) = by_hand(&trainer.predict(&x).unwrap(), &y, 3);
    close(results["top_k_categorical_accuracy"], top3, "top-3");
    close(results["accuracy"], acc, "accuracy");
}

/// Targets: a smooth function of the inputs plus noise.
fn regression(n: usize, seed: u64) -> (Vec<SVector<f32, 3>>, Vec<SVector<f32, 2>>) {
    let mut rng = rng(seed);
    let x: Vec<SVector<f32, 3>> = (0..n)
        .map(|_| SVector::<f32, 3>::from_fn(|_, _| rng.random_range(-1.0..1.0)))
        .collect();
    let y = x
        .iter()
        .map(|v| {
            SVector::<f32, 2>::new(
                v[0] * 2.0 - v[2] + rng.random_range(-1.0..1.0),
                v[1] * v[0] + 0.5 + rng.random_range(-1.0..1.0) * 2.0,
            )
        })
        .collect();
    (x, y)
}

/// The per-sample mean squared errors of the model's outputs.
fn per_sample_mse(p: &[SVector<f32, 2>], y: &[SVector<f32, 2>]) -> Vec<f64> {
    p.iter()
        .zip(y)
        .map(|(p, y)| {
            p.iter()
                .zip(y.iter())
                .map(|(p, y)| f64::from(p - y).powi(2))
                .sum::<f64>()
                / 2.0
        })
        .collect()
}

#[test]
fn rmse_is_the_root_of_the_mean_squared_error() {
    let (x, y) = regression(150, 6);
    let (vx, vy) = regression(50, 7);
    let mut model = Regressor::new(8);
    let metrics = [
        Metric::MeanSquaredError,
        Metric::RootMeanSquaredError,
        Metric::MeanAbsoluteError,
    ];
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.02), metrics);
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(4)
                .batch_size(10)
                .verbose(0)
                .validation_data(&vx, &vy),
        )
        .unwrap();
    assert_eq!(
        history.names().collect::<Vec<_>>(),
        [
            "loss",
            "mse",
            "root_mean_squared_error",
            "mae",
            "val_loss",
            "val_mse",
            "val_root_mean_squared_error",
            "val_mae"
        ]
    );
    // Every epoch, training and validation: rmse = sqrt(mse) of the same samples.
    for prefix in ["", "val_"] {
        let mse = history.get(&format!("{prefix}mse")).unwrap();
        let rmse = history
            .get(&format!("{prefix}root_mean_squared_error"))
            .unwrap();
        assert_eq!(mse.len(), 4);
        for (e, (m, r)) in mse.iter().zip(rmse).enumerate() {
            close(*r, m.sqrt(), &format!("{prefix}rmse at epoch {e}"));
        }
    }

    let results = trainer
        .evaluate_with(&vx, &vy, Evaluate::new().verbose(0))
        .unwrap();
    let per_sample = per_sample_mse(&trainer.predict(&vx).unwrap(), &vy);
    let mean = per_sample.iter().sum::<f64>() / per_sample.len() as f64;
    let mean_of_roots = per_sample.iter().map(|v| v.sqrt()).sum::<f64>() / per_sample.len() as f64;
    close(results["mse"], mean, "mse");
    close(results["loss"], mean, "loss (unweighted MSE)");
    close(results["root_mean_squared_error"], mean.sqrt(), "rmse");
    close(
        results["root_mean_squared_error"],
        results["mse"].sqrt(),
        "rmse vs mse",
    );
    // The two readings differ on these data, so the check above is not vacuous.
    assert!(
        (mean.sqrt() - mean_of_roots).abs() > 1e-3,
        "{} vs {mean_of_roots}",
        mean.sqrt()
    );
    close(
        *history.get("val_mse").unwrap().last().unwrap(),
        mean,
        "val_mse",
    );

    // With sample weights: the root of the weighted mean.
    let w: Vec<f32> = (0..vx.len()).map(|i| (i % 4) as f32).collect();
    let weighted = trainer
        .evaluate_with(&vx, &vy, Evaluate::new().verbose(0).sample_weight(&w))
        .unwrap();
    let wsum: f64 = w.iter().map(|w| f64::from(*w)).sum();
    let wmean = per_sample
        .iter()
        .zip(&w)
        .map(|(v, w)| v * f64::from(*w))
        .sum::<f64>()
        / wsum;
    close(weighted["mse"], wmean, "weighted mse");
    close(
        weighted["root_mean_squared_error"],
        wmean.sqrt(),
        "weighted rmse",
    );
}
