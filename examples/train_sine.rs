//! Trains the sine regressor of the MicroFlow / TensorFlow Lite Micro
//! benchmark (`Input[1] -> Dense<16, relu> -> Dense<16, relu> -> Dense<1>`,
//! y = sin x on [0, 2π]) with the batch engine and SGD with momentum, and
//! saves its weights for `mlp-embedded`, which bakes them into its binary.
//!
//! ```text
//! cargo run --release --example train_sine -- --out mlp-embedded/weights/sine.safetensors
//! ```

use clap::Parser;
use mlp::__internal::Workspace;
use mlp::optim::{Optimizer, Sgd};
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

/// A small deterministic generator (xorshift64*), enough for data and shuffling.
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
    let mut ws = Workspace::new::<SineNet>(args.batch_size);
    let mut grads = vec![0.0_f32; SineNet::PARAMS];
    let optimizer = Sgd::new(args.learning_rate).momentum(args.momentum);
    let mut velocity = vec![0.0_f32; optimizer.slots() * SineNet::PARAMS];
    let mut iteration = 0;
    let mut order: Vec<usize> = (0..args.samples).collect();
    let mut batch_x = Vec::with_capacity(args.batch_size);
    for epoch in 1..=args.epochs {
        // Fisher-Yates shuffle.
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        let mut loss = 0.0;
        for chunk in order.chunks(args.batch_size) {
            batch_x.clear();
            batch_x.extend(chunk.iter().map(|&i| x[i]));
            ws.load_inputs::<SineNet>(&batch_x);
            ws.forward(model.params(), chunk.len());
            let (_, out, delta) = ws.output_and_delta(chunk.len());
            // Mean squared error over the batch: dL/dz = 2 (a - y) / n (linear output).
            for ((d, a), &i) in delta.iter_mut().zip(out).zip(chunk) {
                let e = a - y[i];
                loss += e * e;
                *d = 2.0 * e / chunk.len() as f32;
            }
            // Keras's SGD with momentum (v = m v - lr g; w += v), applied by
            // the engine as `fit` applies it.
            let stepped = ws.train_step(
                model.params_mut(),
                chunk.len(),
                &mut grads,
                &optimizer,
                &mut velocity,
                iteration,
            );
            if stepped.is_err() {
                return Err(format!("a gradient of epoch {epoch} is not finite").into());
            }
            iteration += 1;
        }
        if epoch % (args.epochs / 10).max(1) == 0 || epoch == 1 {
            println!(
                "epoch {epoch:>5}: training mse {:.6}",
                loss / args.samples as f32
            );
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
