//! Chapter 10's regression MLP on the California housing data: split the
//! data into train, validation and test sets, standardise the features with
//! a scaler fitted on the training set only, declare `Input[8] -> Dense<30,
//! relu> -> Dense<1>` (a linear output, as Keras does without an activation),
//! train with mean squared error and SGD, then report the test MSE and three
//! predictions against their targets.
//!
//! `cargo run --release --example california_housing`; `--help` for flags.

use clap::Parser;
use mlp::datasets::california_housing;
use mlp::datasets::{StandardScaler, train_test_split};
use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
use mlp::plot::LearningCurves;
use mlp::prelude::*;
use mlp::train::Fit;
use std::path::PathBuf;

network! {
    /// The book's California housing regressor (chapter 10).
    pub struct HousingMlp {
        Input[8] -> Dense<30, relu> -> Dense<1>
    }
}

/// Chapter 10's regression MLP. The defaults are the book's recipe.
#[derive(Debug, Parser)]
struct Args {
    /// Epochs to train.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// SGD learning rate.
    #[arg(long, default_value_t = 1e-3)]
    learning_rate: f32,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Seed of the splits, the initial weights and the shuffling; the splits are
    /// scikit-learn's `train_test_split(..., random_state=seed)`, so 0 to 2^32 - 1.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Folder for the learning curves.
    #[arg(long, default_value = "out")]
    out: PathBuf,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let housing = california_housing::load()?;
    println!(
        "{} block groups, features {:?}",
        housing.x.len(),
        california_housing::FEATURE_NAMES
    );

    // 25% of the rows for test, then 25% of the rest for validation: the rows
    // of the book's `train_test_split(..., random_state=seed)`, twice.
    let ((x_train_full, y_train_full), (x_test, y_test)) =
        train_test_split(&housing.x, &housing.y, 0.25, args.seed)?;
    let ((x_train, y_train), (x_valid, y_valid)) =
        train_test_split(&x_train_full, &y_train_full, 0.25, args.seed)?;
    println!(
        "train {}, valid {}, test {}",
        x_train.len(),
        x_valid.len(),
        x_test.len()
    );

    // Standardise with statistics of the training set only.
    let scaler = StandardScaler::fit(&x_train)?;
    let (x_train, x_valid, x_test) = (
        scaler.transform(&x_train),
        scaler.transform(&x_valid),
        scaler.transform(&x_test),
    );

    let mut model = HousingMlp::new(args.seed);
    println!("{}", model.summary());
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(args.learning_rate), []);
    let history = trainer.fit(
        &x_train,
        &y_train,
        Fit::epochs(args.epochs)
            .batch_size(args.batch_size)
            .seed(args.seed)
            .validation_data(&x_valid, &y_valid),
    )?;
    std::fs::create_dir_all(&args.out)?;
    LearningCurves::new(&history).save_png(args.out.join("housing_learning_curves.png"))?;

    let results = trainer.evaluate(&x_test, &y_test)?;
    println!("test: {results}");
    println!("test MSE: {:.4}", results["loss"]);
    for (p, y) in trainer.predict(&x_test[..3])?.iter().zip(&y_test[..3]) {
        println!("predicted {:.3}, actual {:.3} (x $100,000)", p[0], y);
    }
    Ok(())
}
