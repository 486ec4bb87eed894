//! Chapter 10's regression MLP as the book's third edition writes it: the
//! model starts with a `Normalization` layer that learns each feature's
//! mean and variance from the training set (`norm_layer.adapt(X_train)`),
//! so the raw California housing features go in unscaled. Teaches the
//! `Normalization` layer, `adapt_normalization` before `fit`, Adam and the
//! `RootMeanSquaredError` metric; then the book's first Wide & Deep graph,
//! whose `Normalization` node feeds both the deep path and the concatenation.
//!
//! ```python
//! norm_layer = tf.keras.layers.Normalization(input_shape=X_train.shape[1:])
//! model = tf.keras.Sequential([norm_layer, Dense(50, "relu"), Dense(50, "relu"),
//!                              Dense(50, "relu"), Dense(1)])
//! model.compile(loss="mse", optimizer=Adam(learning_rate=1e-3),
//!               metrics=["RootMeanSquaredError"])
//! norm_layer.adapt(X_train)
//! history = model.fit(X_train, y_train, epochs=20, validation_data=(X_valid, y_valid))
//! ```
//!
//! `cargo run --release --example housing_normalization`; `--help` for flags.

use clap::Parser;
use mlp::datasets::california_housing;
use mlp::datasets::train_test_split;
use mlp::loss::MeanSquaredError;
use mlp::metrics::Metric;
use mlp::optim::Adam;
use mlp::prelude::*;
use mlp::train::Fit;

network! {
    /// The book's housing regressor with its Normalization layer.
    pub struct NormalizedHousing {
        Input[8]
            -> Normalization
            -> Dense<50, relu>
            -> Dense<50, relu>
            -> Dense<50, relu>
            -> Dense<1>
    }
}

network! {
    /// The book's first Wide & Deep model: the normalised input reaches the
    /// output directly and through two hidden layers.
    pub struct NormalizedWideDeep {
        input = Input[8];
        normalized = Normalization(input);
        hidden1 = Dense<30, relu>(normalized);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(normalized, hidden2);
        output output = Dense<1>(concat);
    }
}

/// The book's recipe by default.
#[derive(Debug, Parser)]
struct Args {
    /// Epochs to train each model.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    learning_rate: f32,
    /// Seed of the splits (scikit-learn's `random_state`), the weights and the shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let housing = california_housing::load()?;
    // The book's splits; no scaler: the Normalization layer standardises.
    let ((x_train_full, y_train_full), (x_test, y_test)) =
        train_test_split(&housing.x, &housing.y, 0.25, args.seed)?;
    let ((x_train, y_train), (x_valid, y_valid)) =
        train_test_split(&x_train_full, &y_train_full, 0.25, args.seed)?;

    let mut model = NormalizedHousing::new(args.seed);
    model.adapt_normalization("normalization", &x_train)?;
    println!("{}", model.summary());
    let mut trainer = model.compile(
        MeanSquaredError,
        Adam::new(args.learning_rate),
        [Metric::RootMeanSquaredError],
    );
    trainer.fit(
        &x_train,
        &y_train,
        Fit::epochs(args.epochs)
            .seed(args.seed)
            .validation_data(&x_valid, &y_valid),
    )?;
    let results = trainer.evaluate(&x_test, &y_test)?;
    println!(
        "sequential: test MSE {:.4}, RMSE {:.4}",
        results["loss"], results["root_mean_squared_error"]
    );
    for (p, y) in trainer.predict(&x_test[..3])?.iter().zip(&y_test[..3]) {
        println!("predicted {:.3}, actual {:.3} (x $100,000)", p[0], y);
    }

    let mut model = NormalizedWideDeep::new(args.seed);
    model.adapt_normalization("normalization", &x_train)?;
    let mut trainer = model.compile(MeanSquaredError, Adam::new(args.learning_rate), []);
    trainer.fit(
        &x_train,
        &y_train,
        Fit::epochs(args.epochs)
            .seed(args.seed)
            .validation_data(&x_valid, &y_valid),
    )?;
    let mse = trainer.evaluate(&x_test, &y_test)?["loss"];
    println!("wide & deep: test MSE {mse:.4}");
    Ok(())
}
