//! Chapter 10's hyperparameter search with Keras Tuner's workflow, on typed
//! models: the book's space (the number of hidden layers, their width, the
//! learning rate on a log scale, the optimizer), a random search seeded for
//! reproducibility, a project folder that a killed search resumes from, and
//! the winner written out as a `network!` declaration and the weights file
//! that `#[weights]` bakes.
//!
//! The architecture is a type. The candidates are declared once below, one
//! `network!` struct per (depth, width) of the grid, and each trial runs the
//! one its hyperparameters pick: every trial trains with the same engine as
//! any typed model.
//!
//! `cargo run --release --example tuning -- --tuner random --seed 42` runs the
//! book's search (5 trials of 10 epochs); `--help` lists the flags.
//! `--parallel-trials N` runs N trials at once, each on its share of the
//! threads (the trials and the winner do not change, only the time).

use clap::{Parser, ValueEnum};
use mlp::datasets::fashion_mnist;
use mlp::io::WeightsFile;
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::network::Network;
use mlp::optim::{Adam, Optimizer, Sgd};
use mlp::prelude::*;
use mlp::train::{Compile, EarlyStopping, Fit};
use mlp::tune::{Boolean, Choice, Float, HyperParameters, Int, Trial, Tuner, declaration};
use std::path::PathBuf;
use std::time::Instant;

type Image = SMatrix<f32, 28, 28>;

/// The Fashion-MNIST classifiers the search can pick: `Flatten[28, 28]`,
/// `n_hidden` x `Dense<n_neurons, relu>`, `Dense<10, softmax>`.
trait Candidate: Network<Input = Image, Output = SVector<f32, 10>> + Compile + WeightsFile {}
impl<M: Network<Input = Image, Output = SVector<f32, 10>> + Compile + WeightsFile> Candidate for M {}

/// Code run on the candidate type a trial's values pick.
trait Visit {
    type Out;
    fn visit<M: Candidate>(self) -> Self::Out;
}

network! {
    /// No hidden layer.
    pub struct Hidden0 { Flatten[28, 28] -> Dense<10, softmax> }
}

/// The candidates of one width: 1, 2 or 3 hidden layers.
macro_rules! width {
    ($($module:ident = $w:tt),* $(,)?) => {
        $(mod $module {
            use super::Visit;
            use mlp::prelude::*;
            network! { pub struct Hidden1 { Flatten[28, 28] -> Dense<$w, relu> -> Dense<10, softmax> } }
            network! { pub struct Hidden2 { Flatten[28, 28] -> Dense<$w, relu> -> Dense<$w, relu> -> Dense<10, softmax> } }
            network! {
                pub struct Hidden3 {
                    Flatten[28, 28] -> Dense<$w, relu> -> Dense<$w, relu> -> Dense<$w, relu> -> Dense<10, softmax>
                }
            }
            pub fn visit<V: Visit>(n_hidden: i64, v: V) -> V::Out {
                match n_hidden {
                    1 => v.visit::<Hidden1>(),
                    2 => v.visit::<Hidden2>(),
                    _ => v.visit::<Hidden3>(),
                }
            }
        })*

        /// Runs `v` on the type of `(n_hidden, n_neurons)`.
        fn visit<V: Visit>(hp: &BookHp, v: V) -> V::Out {
            if hp.n_hidden == 0 {
                return v.visit::<Hidden0>();
            }
            match hp.n_neurons {
                $($w => $module::visit(hp.n_hidden, v),)*
                other => unreachable!("n_neurons {other} is not in the grid"),
            }
        }
    };
}

width!(
    w32 = 32,
    w64 = 64,
    w96 = 96,
    w128 = 128,
    w160 = 160,
    w192 = 192,
    w224 = 224,
    w256 = 256
);

/// The book's space on the typed grid: `n_hidden` 0 to 3 (default 2),
/// `n_neurons` 32 to 256 in steps of 32, the learning rate from 1e-4 to
/// 1e-2 on a log scale, SGD or Adam.
/// With `normalize` (the book's `MyClassificationHyperModel`, tuned in
/// `fit`; Hyperband and Bayesian searches only), the pixels are
/// standardised with the training set's mean and standard deviation.
#[derive(Debug)]
struct BookHp {
    n_hidden: i64,
    n_neurons: i64,
    learning_rate: f64,
    optimizer: String,
    normalize: bool,
}

fn book_space(hp: &mut HyperParameters) -> mlp::Result<BookHp> {
    Ok(BookHp {
        n_hidden: hp.get(Int::new("n_hidden", 0, 3).default(2))?,
        n_neurons: hp.get(Int::new("n_neurons", 32, 256).step(32))?,
        learning_rate: hp.get(Float::log("learning_rate", 1e-4, 1e-2))?,
        optimizer: hp.get(Choice::new("optimizer", ["sgd", "adam"]))?,
        normalize: false,
    })
}

fn hypermodel_space(hp: &mut HyperParameters) -> mlp::Result<BookHp> {
    let mut values = book_space(hp)?;
    values.normalize = hp.get(Boolean::new("normalize"))?;
    Ok(values)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TunerChoice {
    /// Keras Tuner's RandomSearch (max_trials 5).
    Random,
    /// Hyperband (max_epochs 10, factor 3, hyperband_iterations 2), with
    /// EarlyStopping(patience=2).
    Hyperband,
    /// Bayesian optimisation (max_trials 10, alpha 1e-4, beta 2.6), with
    /// EarlyStopping(patience=2).
    Bayesian,
}

/// The book's hyperparameter search on Fashion-MNIST.
#[derive(Debug, Parser)]
struct Args {
    /// The search algorithm.
    #[arg(long, value_enum, default_value_t = TunerChoice::Random)]
    tuner: TunerChoice,
    /// The search's seed (also each trial's initialisation and shuffling).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Trials (random search: 5, Bayesian: 10).
    #[arg(long)]
    max_trials: Option<usize>,
    /// Epochs per trial.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Training images used (55,000: all).
    #[arg(long, default_value_t = 55_000)]
    samples: usize,
    /// The project folder's parent (Keras Tuner's `directory`).
    #[arg(long, default_value = "my_fashion_mnist")]
    dir: PathBuf,
    /// Start again instead of resuming the project folder.
    #[arg(long)]
    overwrite: bool,
    /// Trials run at once, sharing the threads (`MLP_NUM_THREADS`, else
    /// every core); default: the tuner's (one at a time, on every thread).
    #[arg(long)]
    parallel_trials: Option<usize>,
}

struct Data {
    train: (Vec<Image>, Vec<u8>),
    valid: (Vec<Image>, Vec<u8>),
    test: (Vec<Image>, Vec<u8>),
    /// The training pixels' mean and standard deviation.
    scale: (f32, f32),
}

impl Data {
    fn normalized(&self, x: &[Image]) -> Vec<Image> {
        let (mean, std) = self.scale;
        x.iter().map(|img| img.map(|p| (p - mean) / std)).collect()
    }
}

/// Trains a trial's model.
struct TrainTrial<'a, 't> {
    hp: &'a BookHp,
    trial: &'a mut Trial<'t>,
    data: &'a Data,
    args: &'a Args,
    tensorboard: PathBuf,
}

impl Visit for TrainTrial<'_, '_> {
    type Out = mlp::Result<mlp::history::History>;
    fn visit<M: Candidate>(self) -> Self::Out {
        let mut model = M::new(self.args.seed);
        let lr = self.hp.learning_rate as f32;
        match self.hp.optimizer.as_str() {
            "sgd" => self.fit(&mut *model, Sgd::new(lr)),
            _ => self.fit(&mut *model, Adam::new(lr)),
        }
    }
}

impl TrainTrial<'_, '_> {
    fn fit<M: Candidate, O: Optimizer>(
        self,
        model: &mut M,
        optimizer: O,
    ) -> mlp::Result<mlp::history::History> {
        // A Hyperband promotion continues from its trial's checkpoint.
        self.trial.load_resumed_weights(model)?;
        let mut trainer =
            model.compile(SparseCategoricalCrossentropy, optimizer, [Metric::Accuracy]);
        let (x, y) = &self.data.train;
        let (x_valid, y_valid) = &self.data.valid;
        let scaled;
        let (x, x_valid) = if self.hp.normalize {
            scaled = (self.data.normalized(x), self.data.normalized(x_valid));
            (&scaled.0, &scaled.1)
        } else {
            (x, x_valid)
        };
        let mut options = Fit::epochs(self.trial.epochs(self.args.epochs))
            .initial_epoch(self.trial.initial_epoch())
            .seed(self.args.seed)
            .threads(self.trial.threads())
            .verbose(0)
            .validation_data(x_valid, y_valid)
            .callback(self.trial.save_best_epoch())
            .callback(self.trial.tensorboard(&self.tensorboard));
        if !matches!(self.args.tuner, TunerChoice::Random) {
            options = options.callback(EarlyStopping::new().patience(2));
        }
        trainer.fit(x, y, options)
    }
}

/// Loads the best trial's model, evaluates it on the test set and writes
/// its declaration and weights.
struct Winner<'a> {
    tuner: &'a Tuner,
    data: &'a Data,
    out: PathBuf,
    normalize: bool,
}

impl Visit for Winner<'_> {
    type Out = mlp::Result<(f64, String)>;
    fn visit<M: Candidate>(self) -> Self::Out {
        let mut model: Box<M> = self.tuner.get_best_model(0)?;
        let normalized;
        let (x, y) = &self.data.test;
        let x = if self.normalize {
            normalized = self.data.normalized(x);
            &normalized
        } else {
            x
        };
        model.save_weights(self.out.join("fashion_best.safetensors"))?;
        let text = declaration::<M>("FashionBest")?;
        std::fs::write(self.out.join("fashion_best.rs"), &text).map_err(|source| {
            mlp::Error::Io {
                path: self.out.join("fashion_best.rs"),
                source,
            }
        })?;
        let mut trainer = model.compile(
            SparseCategoricalCrossentropy,
            Sgd::default(),
            [Metric::Accuracy],
        );
        let results = trainer.evaluate(x, y)?;
        Ok((results["accuracy"], text))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let ((x_full, y_full), (x_test, y_test)) = fashion_mnist::load_data()?;
    let end = 5000 + args.samples.min(55_000);
    let train = fashion_mnist::scale(&x_full[5000..end]);
    let pixels = train.iter().flat_map(|img| img.iter().copied());
    let (n, sum, sum2) = pixels.fold((0.0, 0.0, 0.0), |(n, s, s2), p| {
        (n + 1.0, s + f64::from(p), s2 + f64::from(p * p))
    });
    let mean = sum / n;
    let data = Data {
        valid: (
            fashion_mnist::scale(&x_full[..5000]),
            y_full[..5000].to_vec(),
        ),
        train: (train, y_full[5000..end].to_vec()),
        test: (fashion_mnist::scale(&x_test), y_test),
        scale: (mean as f32, (sum2 / n - mean * mean).sqrt() as f32),
    };
    let (tuner, space): (Tuner, fn(&mut HyperParameters) -> mlp::Result<BookHp>) = match args.tuner
    {
        TunerChoice::Random => (
            Tuner::random_search("val_accuracy", args.max_trials.unwrap_or(5), args.seed)
                .project_name("my_rnd_search"),
            book_space,
        ),
        TunerChoice::Hyperband => (
            Tuner::hyperband("val_accuracy", 10, 3, 2, args.seed).project_name("hyperband"),
            hypermodel_space,
        ),
        TunerChoice::Bayesian => (
            Tuner::bayesian_optimization(
                "val_accuracy",
                args.max_trials.unwrap_or(10),
                1e-4,
                2.6,
                args.seed,
            )
            .project_name("bayesian_opt"),
            hypermodel_space,
        ),
    };
    let mut tuner = tuner.directory(&args.dir).overwrite(args.overwrite);
    if let Some(n) = args.parallel_trials {
        tuner = tuner.parallel_trials(n);
    }
    let tensorboard = tuner.project_dir().join("tensorboard");
    let started = Instant::now();
    tuner.search(space, |hp, trial| {
        visit(
            hp,
            TrainTrial {
                hp,
                trial,
                data: &data,
                args: &args,
                tensorboard: tensorboard.clone(),
            },
        )
    })?;
    let seconds = started.elapsed().as_secs_f64();
    println!("{}", tuner.results_summary(3));

    let best = &tuner.get_best_trials(1)[0];
    let mut hp = tuner.get_best_hyperparameters(1).remove(0);
    let values = space(&mut hp)?;
    let out = tuner.project_dir();
    let winner = Winner {
        tuner: &tuner,
        data: &data,
        out: out.clone(),
        normalize: values.normalize,
    };
    let (test_accuracy, text) = visit(&values, winner)?;
    let hp_text: Vec<String> = best
        .hyperparameters
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    println!(
        "search time: {seconds:.1} s ({} trials)",
        tuner.trials().len()
    );
    println!(
        "best: {} val_accuracy {:.4} test_accuracy {test_accuracy:.4}",
        hp_text.join(" "),
        best.score.unwrap_or(f64::NAN)
    );
    println!("{text}");
    println!(
        "written: {} and {}",
        out.join("fashion_best.rs").display(),
        out.join("fashion_best.safetensors").display()
    );
    Ok(())
}
