//! Chapter 11's three ways to regularise the Fashion-MNIST classifier, one
//! per run: Batch Normalization, Dropout, and `l2` weight penalties. It
//! teaches the layers and options beyond Dense: `BatchNormalization` after
//! the input and after each hidden layer, `Dropout<0.2>` likewise, and
//! `kernel_regularizer = l2(0.01)` on every kernel, each with the book's
//! `elu` hidden layers and `he_normal` kernels, trained with SGD 0.01,
//! batch 32, on the book's 55,000 / 5,000 split.
//!
//! `cargo run --release --example regularization -- --recipe batchnorm`
//! (`dropout`, `l2`; `--seed S`, `--epochs N`). The last line is
//! `test accuracy <value>`.

use clap::{Parser, ValueEnum};
use mlp::datasets::fashion_mnist;
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::{Callback, CallbackContext, Fit, Logs};
use std::time::Instant;

/// The wall time of each epoch, validation included (as Keras's verbose 2
/// line `Ns/epoch` counts it).
#[derive(Default)]
struct EpochTimes {
    started: Option<Instant>,
    seconds: Vec<f64>,
}

impl<N: Network> Callback<N> for EpochTimes {
    fn on_epoch_begin(&mut self, _: &mut CallbackContext<'_, N>, _: usize) -> mlp::Result<()> {
        self.started = Some(Instant::now());
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        _: &mut CallbackContext<'_, N>,
        _: usize,
        _: &Logs,
    ) -> mlp::Result<()> {
        if let Some(t) = self.started.take() {
            self.seconds.push(t.elapsed().as_secs_f64());
        }
        Ok(())
    }
}

network! {
    /// Chapter 11's classifier with Batch Normalization.
    pub struct BatchNormMlp {
        Flatten[28, 28]
            -> BatchNormalization
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<10, softmax>
    }
}

network! {
    /// Chapter 11's classifier with Dropout.
    pub struct DropoutMlp {
        Flatten[28, 28]
            -> Dropout<0.2>
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> Dropout<0.2>
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> Dropout<0.2>
            -> Dense<10, softmax>
    }
}

network! {
    /// Chapter 11's classifier with `l2` regularisation of every kernel.
    pub struct L2Mlp {
        Flatten[28, 28]
            -> Dense<300, elu, kernel_initializer = he_normal, kernel_regularizer = l2(0.01)>
            -> Dense<100, elu, kernel_initializer = he_normal, kernel_regularizer = l2(0.01)>
            -> Dense<10, softmax, kernel_regularizer = l2(0.01)>
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Recipe {
    /// BatchNormalization after Flatten and after each hidden Dense.
    Batchnorm,
    /// Dropout 0.2 after Flatten and after each hidden Dense.
    Dropout,
    /// `l2(0.01)` on every Dense kernel.
    L2,
}

/// Chapter 11's regularised Fashion-MNIST classifiers.
#[derive(Debug, Parser)]
struct Args {
    /// Which recipe.
    #[arg(long, value_enum, default_value_t = Recipe::Batchnorm)]
    recipe: Recipe,
    /// Seed of the initial weights, the shuffling and the dropout masks.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Epochs (the book's 10).
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Print the progress bar (Keras's verbose 1).
    #[arg(long)]
    verbose: bool,
}

type Images = [SMatrix<f32, 28, 28>];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let ((x_train_full, y_train_full), (x_test, y_test)) = fashion_mnist::load_data()?;
    let (x_valid, x_train) = (
        fashion_mnist::scale(&x_train_full[..5000]),
        fashion_mnist::scale(&x_train_full[5000..]),
    );
    let (y_valid, y_train) = (&y_train_full[..5000], &y_train_full[5000..]);
    let x_test = fashion_mnist::scale(&x_test);
    let data = Data {
        train: (&x_train, y_train),
        valid: (&x_valid, y_valid),
        test: (&x_test, &y_test),
    };
    let accuracy = match args.recipe {
        Recipe::Batchnorm => run(&mut *BatchNormMlp::new(args.seed), &args, data)?,
        Recipe::Dropout => run(&mut *DropoutMlp::new(args.seed), &args, data)?,
        Recipe::L2 => run(&mut *L2Mlp::new(args.seed), &args, data)?,
    };
    println!("test accuracy {accuracy:.4}");
    Ok(())
}

#[derive(Clone, Copy)]
struct Data<'a> {
    train: (&'a Images, &'a [u8]),
    valid: (&'a Images, &'a [u8]),
    test: (&'a Images, &'a [u8]),
}

fn run<N: Network<Input = SMatrix<f32, 28, 28>>>(
    model: &mut N,
    args: &Args,
    data: Data<'_>,
) -> Result<f64, Box<dyn std::error::Error>> {
    println!("{}", model.summary());
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.01),
        [Metric::Accuracy],
    );
    let mut times = EpochTimes::default();
    let options = Fit::epochs(args.epochs)
        .batch_size(32)
        .seed(args.seed)
        .verbose(if args.verbose { 1 } else { 2 })
        .validation_data(data.valid.0, data.valid.1)
        .callback(&mut times);
    trainer.fit(data.train.0, data.train.1, options)?;
    let mut seconds = times.seconds.clone();
    seconds.sort_by(f64::total_cmp);
    let median = seconds.get(seconds.len() / 2).copied().unwrap_or(0.0);
    println!(
        "epoch seconds (validation included): median {median:.3} over {} epochs, {:.3?}",
        seconds.len(),
        times.seconds
    );
    let results = trainer.evaluate_with(
        data.test.0,
        data.test.1,
        mlp::train::Evaluate::new().verbose(0),
    )?;
    println!("test: {results}");
    Ok(results["accuracy"])
}
