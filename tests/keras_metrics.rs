//! The metrics Keras 3 has beside accuracy, in `compile` and `evaluate`,
//! against Keras 3.15.1 (TensorFlow backend) evaluating the same weights on
//! the same 50 samples (batches of 32, so the states add across batches):
//! `AUC`, `AUC(curve="PR")`, `Precision`, `Recall` on a Dense(1, sigmoid)
//! classifier; `R2Score`, `MeanAbsolutePercentageError`,
//! `MeanSquaredLogarithmicError`, `CosineSimilarity`, `LogCoshError` on a
//! Dense(2) regressor.

use mlp::loss::{BinaryCrossentropy, MeanSquaredError, TargetKind, TargetRef};
use mlp::metrics::{Auc, AucCurve, Metric, MetricState};
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Evaluate;

network! { struct Classifier { Input[2] -> Dense<1, sigmoid> } }
network! { struct Regressor { Input[2] -> Dense<2> } }

const N: usize = 50;

fn inputs() -> Vec<SVector<f32, 2>> {
    (0..N)
        .map(|i| {
            SVector::<f32, 2>::new(
                ((i * 7) % 13) as f32 / 13.0 - 0.5,
                ((i * 5) % 11) as f32 / 11.0 - 0.5,
            )
        })
        .collect()
}

fn close(name: &str, got: f64, keras: f64) {
    assert!(
        (got - keras).abs() <= 2e-6 * keras.abs().max(1.0),
        "{name}: {got} vs Keras {keras}"
    );
}

#[test]
fn classification_metrics_as_keras_evaluates_them() {
    let x = inputs();
    let y: Vec<f32> = (0..N)
        .map(|i| if (i * 3) % 7 < 3 { 1.0 } else { 0.0 })
        .collect();
    let mut model = Classifier::new(0);
    // Keras's kernel [[1.5], [-2.0]] and bias [0.1].
    model.params_mut().copy_from_slice(&[1.5, -2.0, 0.1]);
    let metrics = [Metric::auc(), Metric::precision(), Metric::recall()];
    let mut trainer = model.compile(BinaryCrossentropy, Sgd::default(), metrics);
    let logs = trainer
        .evaluate_with(&x, &y, Evaluate::new().verbose(0))
        .unwrap();
    close("loss", logs["loss"], 0.751_349_925_994_873);
    close("auc", logs["auc"], 0.558_441_579_341_888_4);
    close("precision", logs["precision"], 0.481_481_492_519_378_66);
    close("recall", logs["recall"], 0.590_909_063_816_070_6);
    // AUC(curve="PR") on the same predictions.
    let p = trainer.predict(&x).unwrap();
    let mut pr = MetricState::new(Metric::Auc(Auc {
        curve: AucCurve::Pr,
        ..Auc::default()
    }));
    for (p, y) in p.iter().zip(&y) {
        pr.update(
            TargetKind::Binary,
            p.as_slice(),
            TargetRef::Values(&[*y]),
            1.0,
        );
    }
    close("pr_auc", pr.result(), 0.441_672_831_773_757_93);
}

#[test]
fn regression_metrics_as_keras_evaluates_them() {
    let x = inputs();
    let y: Vec<SVector<f32, 2>> = (0..N)
        .map(|i| {
            SVector::<f32, 2>::new(
                ((i * 3) % 5) as f32 / 5.0 + 0.1,
                ((i * 2) % 7) as f32 / 7.0 + 0.2,
            )
        })
        .collect();
    let mut model = Regressor::new(0);
    // Keras's kernel [[0.8, -0.3], [0.4, 0.9]] (inputs x units), column by column.
    model
        .params_mut()
        .copy_from_slice(&[0.8, 0.4, -0.3, 0.9, 0.5, 0.6]);
    let metrics = [
        Metric::r2_score(),
        Metric::MeanAbsolutePercentageError,
        Metric::MeanSquaredLogarithmicError,
        Metric::CosineSimilarity,
        Metric::LogCoshError,
    ];
    let mut trainer = model.compile(MeanSquaredError, Sgd::default(), metrics);
    let logs = trainer
        .evaluate_with(&x, &y, Evaluate::new().verbose(0))
        .unwrap();
    close("loss", logs["loss"], 0.143_828_347_325_325);
    close("r2_score", logs["r2_score"], -0.753_296_077_251_434_3);
    close(
        "mean_absolute_percentage_error",
        logs["mean_absolute_percentage_error"],
        88.200_782_775_878_9,
    );
    close(
        "mean_squared_logarithmic_error",
        logs["mean_squared_logarithmic_error"],
        0.061_544_366_180_896_76,
    );
    close(
        "cosine_similarity",
        logs["cosine_similarity"],
        0.869_601_368_904_113_8,
    );
    close("logcosh", logs["logcosh"], 0.068_231_314_420_700_07);
}
