//! The main job: chapter 10's Fashion-MNIST classifier, step by step, as the
//! book runs it in Keras. It teaches the whole workflow on a typed model:
//! load the data, hold out a validation set, scale the pixels, declare the
//! network (a 784-vector fed to this 28x28 model would not compile), look at
//! its summary, layers and weights, compile with a loss, an optimizer and a
//! metric, fit with validation data and a progress bar, plot the learning
//! curves, evaluate on the test set and predict new images.
//!
//! `cargo run --release --example fashion_mnist` runs the book's recipe
//! (SGD, learning rate 0.01, batch 32, 30 epochs); `--help` lists the flags,
//! including a better recipe (`--optimizer nadam --learning-rate 0.0005 --epochs 40
//! --patience 10`: test accuracy 0.8906 at seed 42, as the README says).

use clap::{Parser, ValueEnum};
use mlp::datasets::fashion_mnist::{self, CLASS_NAMES};
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::{Adam, Nadam, Optimizer, Sgd};
use mlp::plot::LearningCurves;
use mlp::prelude::*;
use mlp::train::{EarlyStopping, Fit};
use std::path::PathBuf;
use std::time::Instant;

network! {
    /// The book's Fashion-MNIST classifier (chapter 10).
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OptimizerChoice {
    /// Keras's SGD (with `--momentum` and `--nesterov` if given).
    Sgd,
    /// Adam.
    Adam,
    /// Nadam.
    Nadam,
}

/// Chapter 10's Fashion-MNIST classifier. The defaults are the book's recipe.
#[derive(Debug, Parser)]
struct Args {
    /// Epochs to train.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Learning rate.
    #[arg(long, default_value_t = 0.01)]
    learning_rate: f32,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Seed of the initial weights and of the shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Folder for the learning curves and the History.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerChoice::Sgd)]
    optimizer: OptimizerChoice,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.0)]
    momentum: f32,
    /// Nesterov momentum (SGD).
    #[arg(long)]
    nesterov: bool,
    /// Stop when val_loss has not improved for this many epochs, and restore
    /// the best weights (0: never).
    #[arg(long, default_value_t = 0)]
    patience: usize,
    /// Draw the training curves half an epoch to the left (the book's tip).
    #[arg(long)]
    shift: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let started = Instant::now();

    // Load the data: 60,000 training and 10,000 test images of 28x28 pixels.
    let ((x_train_full, y_train_full), (x_test, y_test)) = fashion_mnist::load_data()?;
    println!(
        "x_train_full: {} images of 28x28 u8, y_train_full: {} labels",
        x_train_full.len(),
        y_train_full.len()
    );

    // The first 5,000 images validate, the other 55,000 train; pixels / 255.
    let (x_valid, x_train) = (
        fashion_mnist::scale(&x_train_full[..5000]),
        fashion_mnist::scale(&x_train_full[5000..]),
    );
    let (y_valid, y_train) = (&y_train_full[..5000], &y_train_full[5000..]);
    let x_test = fashion_mnist::scale(&x_test);
    println!(
        "first training label: {} ({})",
        y_train[0], CLASS_NAMES[y_train[0] as usize]
    );

    // The model, built on the heap with seeded Glorot-uniform kernels.
    let mut model = FashionMlp::new(args.seed);
    println!("{}", model.summary());
    let hidden1 = model.get_layer("dense")?;
    let weights = hidden1.kernel().expect("a Dense layer has a kernel");
    println!(
        "{}: kernel {:?}, bias {:?}",
        hidden1.name(),
        weights.shape(),
        model.dense.bias().shape()
    );
    let first: Vec<f32> = (0..3).map(|j| weights[(0, j)]).collect();
    println!(
        "typed: model.dense.kernel() is an SMatrix<f32, 784, 300>; weights[0][..3] = {first:.4?}"
    );

    std::fs::create_dir_all(&args.out)?;
    match args.optimizer {
        OptimizerChoice::Sgd => run(
            &mut model,
            &args,
            Sgd::new(args.learning_rate)
                .momentum(args.momentum)
                .nesterov(args.nesterov),
            (&x_train, y_train),
            (&x_valid, y_valid),
            (&x_test, &y_test),
        )?,
        OptimizerChoice::Adam => run(
            &mut model,
            &args,
            Adam::new(args.learning_rate),
            (&x_train, y_train),
            (&x_valid, y_valid),
            (&x_test, &y_test),
        )?,
        OptimizerChoice::Nadam => run(
            &mut model,
            &args,
            Nadam::new(args.learning_rate),
            (&x_train, y_train),
            (&x_valid, y_valid),
            (&x_test, &y_test),
        )?,
    }
    println!("wall time: {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

type Images = [SMatrix<f32, 28, 28>];

fn run<O: Optimizer>(
    model: &mut FashionMlp,
    args: &Args,
    optimizer: O,
    (x_train, y_train): (&Images, &[u8]),
    (x_valid, y_valid): (&Images, &[u8]),
    (x_test, y_test): (&Images, &[u8]),
) -> Result<(), Box<dyn std::error::Error>> {
    // compile: sparse cross-entropy (class indices), the optimizer, accuracy.
    let mut trainer = model.compile(SparseCategoricalCrossentropy, optimizer, [Metric::Accuracy]);

    // fit, with validation data and the progress bar.
    let mut options = Fit::epochs(args.epochs)
        .batch_size(args.batch_size)
        .seed(args.seed)
        .validation_data(x_valid, y_valid);
    if args.patience > 0 {
        options = options.callback(
            EarlyStopping::new()
                .patience(args.patience)
                .restore_best_weights(true),
        );
    }
    let history = trainer.fit(x_train, y_train, options)?;

    // The learning curves (Figure 10-12) and the History itself.
    let curves = LearningCurves::new(&history).shift_training(args.shift);
    curves.save_png(args.out.join("learning_curves.png"))?;
    curves.save_svg(args.out.join("learning_curves.svg"))?;
    history.save_json(args.out.join("history.json"))?;
    println!(
        "learning curves: {}",
        args.out.join("learning_curves.png").display()
    );

    // evaluate on the test set.
    let results = trainer.evaluate(x_test, y_test)?;
    println!("test: {results}");
    if let (Some(v), Some(t)) = (
        history.get("val_accuracy").and_then(|v| v.last()),
        results.get("accuracy"),
    ) {
        println!("final val_accuracy {v:.4}, test accuracy {t:.4}");
    }

    // predict: the first three test images, probabilities rounded to 2 decimals.
    let x_new = &x_test[..3];
    for (i, p) in trainer.predict(x_new)?.iter().enumerate() {
        let rounded: Vec<String> = p.iter().map(|v| format!("{v:.2}")).collect();
        println!("image {i}: [{}]", rounded.join(" "));
    }
    let classes = trainer.predict_classes(x_new)?;
    let names: Vec<&str> = classes.iter().map(|&c| CLASS_NAMES[c]).collect();
    println!(
        "predicted classes: {classes:?} = {names:?}; true: {:?}",
        &y_test[..3]
    );
    Ok(())
}
