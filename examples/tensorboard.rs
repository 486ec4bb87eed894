//! Chapter 10's "Using TensorBoard for Visualization": the Fashion-MNIST
//! classifier trained with a `TensorBoard` callback, one run folder per
//! run (`my_logs/run_<date>_<time>`), so that `tensorboard --logdir
//! my_logs` compares the runs' learning curves and weight histograms.
//!
//! `cargo run --release --example tensorboard` runs the book's 20 epochs;
//! `--epochs`, `--update-freq` (batch scalars every N batches) and
//! `--histogram-freq` change the run. The run's History is written beside
//! its events (`history.json`), which `scripts/check_tensorboard.py`
//! compares with what TensorBoard itself reads from the event files.

use clap::Parser;
use mlp::datasets::fashion_mnist;
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::{Fit, TensorBoard, UpdateFreq};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

network! {
    /// The book's Fashion-MNIST classifier (chapter 10).
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// The Fashion-MNIST classifier, watched in TensorBoard.
#[derive(Debug, Parser)]
struct Args {
    /// Epochs to train.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// The folder of all runs (the book's `my_logs`).
    #[arg(long, default_value = "my_logs")]
    logdir: PathBuf,
    /// This run's folder name (default `run_<YYYY_MM_DD-HH_MM_SS>`, UTC).
    #[arg(long)]
    run: Option<String>,
    /// Weight histograms every N epochs (0: none).
    #[arg(long, default_value_t = 1)]
    histogram_freq: usize,
    /// Batch scalars every N batches (0: epoch scalars only).
    #[arg(long, default_value_t = 0)]
    update_freq: u64,
    /// Seed of the initial weights and of the shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// `run_2026_12_06-14_30_05` for a time in seconds since 1970 (UTC).
fn run_name(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "run_{year:04}_{month:02}_{day:02}-{:02}_{:02}_{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let ((x_train_full, y_train_full), _) = fashion_mnist::load_data()?;
    let x_valid = fashion_mnist::scale(&x_train_full[..5000]);
    let x_train = fashion_mnist::scale(&x_train_full[5000..]);
    let (y_valid, y_train) = (&y_train_full[..5000], &y_train_full[5000..]);

    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let run_dir = args
        .logdir
        .join(args.run.clone().unwrap_or_else(|| run_name(now)));
    let update_freq = match args.update_freq {
        0 => UpdateFreq::Epoch,
        n => UpdateFreq::Batches(n),
    };
    let tensorboard = TensorBoard::new(&run_dir)
        .histogram_freq(args.histogram_freq)
        .update_freq(update_freq);

    let mut model = FashionMlp::new(args.seed);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.01),
        [Metric::Accuracy],
    );
    let history = trainer.fit(
        &x_train,
        y_train,
        Fit::epochs(args.epochs)
            .seed(args.seed)
            .verbose(2)
            .validation_data(&x_valid, y_valid)
            .callback(tensorboard),
    )?;
    history.save_json(run_dir.join("history.json"))?;
    println!("events in {}", run_dir.display());
    println!("tensorboard --logdir {}", args.logdir.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_names_are_utc_dates() {
        assert_eq!(super::run_name(0), "run_1970_01_01-00_00_00");
        assert_eq!(super::run_name(1_796_560_205), "run_2026_12_06-12_30_05");
    }
}
