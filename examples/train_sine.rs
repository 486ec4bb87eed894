//! Trains the sine regressor of the MicroFlow / TensorFlow Lite Micro
//! benchmark (`Input[1] -> Dense<16, relu> -> Dense<16, relu> -> Dense<1>`,
//! y = sin x on [0, 2π]) with `compile` and `fit` (mean squared error, SGD
//! with momentum), and saves its weights for `mlp-embedded`, which bakes them
//! into its binary: what a model for a microcontroller goes through on the
//! desktop first.
//!
//! ```text
//! cargo run --release --example train_sine -- --out mlp-embedded/weights/sine.safetensors
//! ```

use clap::Parser;
use mlp::prelude::*;
use std::f32::consts::TAU;

network! {
    /// The sine regressor (same declaration as in `mlp-embedded`).
    pub struct SineNet {
        Input[1] -> Dense<16, relu> -> Dense<16, relu> -> Dense<1>
    }
}

/// Options.
#[derive(Parser)]
struct Args {
    /// Where to save the weights (safetensors); `sine.safetensors` in the
    /// system's temporary folder if not given. mlp-embedded bakes
    /// `mlp-embedded/weights/sine.safetensors`.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Passes over the training set.
    #[arg(long, default_value_t = 3000)]
    epochs: usize,
    /// Samples in the training set.
    #[arg(long, default_value_t = 1000)]
    samples: usize,
    /// Samples per step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// SGD learning rate.
    #[arg(long, default_value_t = 0.01)]
    learning_rate: f32,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.9)]
    momentum: f32,
    /// Seed of the weights and of the data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

/// A small deterministic generator (xorshift64*), enough for the data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// Mean squared error over a grid of `n` points on [0, 2π], and the largest error.
fn grid_error(model: &SineNet, n: usize) -> (f32, f32) {
    let (mut sum, mut max) = (0.0_f32, 0.0_f32);
    for i in 0..n {
        let x = TAU * i as f32 / (n - 1) as f32;
        let e = (model.predict_one(&SVector::<f32, 1>::new(x))[0] - x.sin()).abs();
        sum += e * e;
        max = max.max(e);
    }
    (sum / n as f32, max)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut rng = Rng(args.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let x: Vec<SVector<f32, 1>> = (0..args.samples)
        .map(|_| SVector::<f32, 1>::new(TAU * rng.unit()))
        .collect();
    let y: Vec<f32> = x.iter().map(|x| x[0].sin()).collect();

    let mut model = SineNet::new(args.seed);
    let optimizer = Sgd::new(args.learning_rate).momentum(args.momentum);
    let mut trainer = model.compile(MeanSquaredError, optimizer, []);
    let options = Fit::epochs(args.epochs)
        .batch_size(args.batch_size)
        .seed(args.seed)
        .verbose(0);
    let history = trainer.fit(&x, &y, options)?;
    let losses = history.get("loss").unwrap_or_default();
    let every = (args.epochs / 10).max(1);
    for (epoch, loss) in losses.iter().enumerate().map(|(i, l)| (i + 1, l)) {
        if epoch % every == 0 || epoch == 1 {
            println!("epoch {epoch:>5}: training mse {loss:.6}");
        }
    }
    let (mse, max) = grid_error(&model, 1001);
    println!("on 1001 points of [0, 2π]: mse {mse:.6}, max |error| {max:.4}");
    let out = args
        .out
        .unwrap_or_else(|| std::env::temp_dir().join("sine.safetensors"));
    model.save_weights(&out)?;
    println!(
        "saved {} ({} parameters) to {}",
        SineNet::NAME,
        SineNet::PARAMS,
        out.display()
    );
    Ok(())
}
