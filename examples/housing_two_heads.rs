//! A model with a regression head beside a classification head, trained on
//! real data: the California housing districts' median house value (MSE)
//! and its price band (below $150,000, up to $300,000, above; sparse
//! categorical cross-entropy) from one shared trunk. Teaches a loss of
//! another type per output (a tuple, so a class target given to the MSE
//! head is a compile error), `loss_weights`, metrics per output and
//! `predict_output_classes`, as Keras's
//!
//! ```python
//! model.compile(loss={"value": "mse", "band": "sparse_categorical_crossentropy"},
//!               loss_weights={"value": 1.0, "band": 0.5}, optimizer=Adam(1e-3),
//!               metrics={"value": ["RootMeanSquaredError"], "band": ["accuracy"]})
//! model.fit(X_train, {"value": y_train, "band": band_train}, epochs=20, ...)
//! ```
//!
//! `cargo run --release --example housing_two_heads`; `--help` for flags.

use clap::Parser;
use mlp::datasets::california_housing;
use mlp::datasets::train_test_split;
use mlp::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use mlp::metrics::Metric;
use mlp::optim::Adam;
use mlp::prelude::*;
use mlp::train::Fit;

network! {
    /// One normalised input, a shared trunk, and two heads.
    pub struct TwoHeads {
        input = Input[8];
        normalized = Normalization(input);
        hidden1 = Dense<50, relu>(normalized);
        hidden2 = Dense<50, relu>(hidden1);
        output value = Dense<1>(hidden2);
        output band = Dense<3, softmax>(hidden2);
    }
}

/// The price band of a median house value (in $100,000).
fn band(value: f32) -> u8 {
    match value {
        v if v < 1.5 => 0,
        v if v < 3.0 => 1,
        _ => 2,
    }
}

/// The book's housing recipe by default.
#[derive(Debug, Parser)]
struct Args {
    /// Epochs to train.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Seed of the splits (scikit-learn's `random_state`), the weights and the shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let housing = california_housing::load()?;
    let ((x_train_full, y_train_full), (x_test, y_test)) =
        train_test_split(&housing.x, &housing.y, 0.25, args.seed)?;
    let ((x_train, y_train), (x_valid, y_valid)) =
        train_test_split(&x_train_full, &y_train_full, 0.25, args.seed)?;
    let bands = |y: &[f32]| y.iter().map(|&v| band(v)).collect::<Vec<u8>>();
    let (band_train, band_valid, band_test) = (bands(&y_train), bands(&y_valid), bands(&y_test));

    let mut model = TwoHeads::new(args.seed);
    model.adapt_normalization("normalization", &x_train)?;
    let mut trainer = model
        .compile(
            (MeanSquaredError, SparseCategoricalCrossentropy),
            Adam::new(1e-3),
            [],
        )
        .loss_weights([1.0, 0.5])
        .output_metrics([vec![Metric::RootMeanSquaredError], vec![Metric::Accuracy]]);
    trainer.fit(
        x_train.as_slice(),
        (&y_train, &band_train),
        Fit::epochs(args.epochs)
            .seed(args.seed)
            .validation_data(x_valid.as_slice(), (&y_valid, &band_valid)),
    )?;
    let results = trainer.evaluate(x_test.as_slice(), (&y_test, &band_test))?;
    println!("test: {results}");

    // The baselines the heads must beat: the training mean's RMSE and the
    // most frequent band's accuracy.
    let mean = y_train.iter().sum::<f32>() / y_train.len() as f32;
    let baseline_rmse =
        (y_test.iter().map(|y| (y - mean).powi(2)).sum::<f32>() / y_test.len() as f32).sqrt();
    let mut counts = [0usize; 3];
    for &b in &band_train {
        counts[usize::from(b)] += 1;
    }
    let majority = (0..3).max_by_key(|&b| counts[b]).unwrap_or(0) as u8;
    let baseline_accuracy =
        band_test.iter().filter(|&&b| b == majority).count() as f64 / band_test.len() as f64;
    println!(
        "value RMSE {:.4} (the mean alone: {baseline_rmse:.4}); band accuracy {:.4} (the \
         commonest band alone: {baseline_accuracy:.4})",
        results["value_root_mean_squared_error"], results["band_accuracy"]
    );

    let classes = trainer.predict_output_classes(&x_test[..3], "band")?;
    let predictions = trainer.predict(&x_test[..3])?;
    for ((p, c), y) in predictions.iter().zip(&classes).zip(&y_test[..3]) {
        println!(
            "value {:.3} (actual {y:.3}), band {c} (actual {})",
            p.value[0],
            band(*y)
        );
    }
    Ok(())
}
