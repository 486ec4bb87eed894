//! Chapter 10's Functional API: the book's three Wide & Deep models on the
//! California housing data, declared as typed graphs. Teaches the graph form
//! of `network!` (named nodes, several `Input`s, `Concatenate`, several
//! `output`s), `fit` with one slice per input and one target slice per
//! output, `loss_weights`, and `evaluate`'s total and per-output losses.
//!
//! 1. `concat`: one input, whose features go both through two hidden layers
//!    and straight to the output (`Concatenate([input, hidden2])`); SGD 1e-3.
//! 2. `two_inputs`: a wide input (features 0-4) and a deep input (features
//!    2-7); SGD 1e-3.
//! 3. `two_outputs`: the same with an auxiliary output on the deep path,
//!    `loss_weights=[0.9, 0.1]`, `optimizer="sgd"` (0.01).
//!
//! Each trains 20 epochs with batches of 32 on the book's splits
//! (`train_test_split(..., random_state=seed)` twice) and a scaler fitted on
//! the training set, then prints one line with its test MSE.
//!
//! `cargo run --release --example wide_and_deep -- --seed 42`

use clap::Parser;
use mlp::datasets::california_housing;
use mlp::datasets::{StandardScaler, train_test_split};
use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    /// The first model: the input reaches the output both directly and
    /// through two hidden layers.
    pub struct WideAndDeep {
        input = Input[8];
        hidden1 = Dense<30, relu>(input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(input, hidden2);
        output output = Dense<1>(concat);
    }
}

network! {
    /// The second model: five features take the wide path, six the deep one.
    pub struct TwoInputs {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output output = Dense<1>(concat);
    }
}

network! {
    /// The third model: an auxiliary output regularises the deep path.
    pub struct TwoOutputs {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

/// The book's three Wide & Deep models.
#[derive(Debug, Parser)]
struct Args {
    /// Seed of the splits, the initial weights and the shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Epochs per model.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// 0: silent, 1: progress bars, 2: a line per epoch.
    #[arg(long, default_value_t = 0)]
    verbose: u8,
}

type Features = SVector<f32, 8>;

/// Features 0-4 (wide) and 2-7 (deep) of each sample, as the book's
/// `X[:, :5]` and `X[:, 2:]`.
fn split(x: &[Features]) -> (Vec<SVector<f32, 5>>, Vec<SVector<f32, 6>>) {
    let wide = x.iter().map(|s| s.fixed_rows::<5>(0).into()).collect();
    let deep = x.iter().map(|s| s.fixed_rows::<6>(2).into()).collect();
    (wide, deep)
}

/// The book's recipe: `args.epochs` epochs, batches of 32, shuffled from
/// the seed.
fn fit<'a, M: Model, L: mlp::train::Losses>(args: &Args) -> Fit<'a, M, L> {
    Fit::epochs(args.epochs)
        .seed(args.seed)
        .verbose(args.verbose)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let housing = california_housing::load()?;
    let ((x_train_full, y_train_full), (x_test, y_test)) =
        train_test_split(&housing.x, &housing.y, 0.25, args.seed)?;
    let ((x_train, y_train), (x_valid, y_valid)) =
        train_test_split(&x_train_full, &y_train_full, 0.25, args.seed)?;
    let scaler = StandardScaler::fit(&x_train)?;
    let (x_train, x_valid, x_test) = (
        scaler.transform(&x_train),
        scaler.transform(&x_valid),
        scaler.transform(&x_test),
    );

    // 1. One input, concatenated with the second hidden layer.
    let mut model = WideAndDeep::new(args.seed);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(1e-3), []);
    trainer.fit(
        &x_train,
        &y_train,
        fit(&args).validation_data(&x_valid, &y_valid),
    )?;
    let mse = trainer.evaluate(&x_test, &y_test)?["loss"];
    println!("concat: test MSE {mse:.4}");

    // 2. A wide and a deep input.
    let (train_wide, train_deep) = split(&x_train);
    let (valid_wide, valid_deep) = split(&x_valid);
    let (test_wide, test_deep) = split(&x_test);
    let mut model = TwoInputs::new(args.seed);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(1e-3), []);
    trainer.fit(
        (&train_wide, &train_deep),
        &y_train,
        fit(&args).validation_data((&valid_wide, &valid_deep), &y_valid),
    )?;
    let mse = trainer.evaluate((&test_wide, &test_deep), &y_test)?["loss"];
    println!("two_inputs: test MSE {mse:.4}");

    // 3. A main and an auxiliary output, weighted 0.9 and 0.1.
    let mut model = TwoOutputs::new(args.seed);
    let mut trainer = model
        .compile(MeanSquaredError, Sgd::default(), [])
        .loss_weights([0.9, 0.1]);
    let history = trainer.fit(
        (&train_wide, &train_deep),
        (&y_train, &y_train),
        fit(&args).validation_data((&valid_wide, &valid_deep), (&y_valid, &y_valid)),
    )?;
    let names: Vec<&str> = history.names().collect();
    println!("two_outputs: history keys {names:?}");
    let results = trainer.evaluate((&test_wide, &test_deep), (&y_test, &y_test))?;
    println!(
        "two_outputs: test MSE {:.4} (total {:.4}, aux {:.4})",
        results["main_output_loss"], results["loss"], results["aux_output_loss"]
    );
    Ok(())
}
