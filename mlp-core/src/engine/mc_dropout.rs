//! MC Dropout (chapter 11): the mean of many predictions with Dropout
//! active, which estimates the model's uncertainty.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { struct Net { Input[2] -> Dense<8, relu> -> Dropout<0.5> -> Dense<2, softmax> } }
//!
//! let model = Net::new(1);
//! let x = [SVector::<f32, 2>::new(1.0, 2.0), SVector::<f32, 2>::new(-1.0, 0.5)];
//! let mean = mlp_core::predict::predict_mc_dropout(&*model, &x, 100, 42)?;
//! assert!((mean[0].sum() - 1.0).abs() < 1e-5);
//! // One pass at inference (no dropout) differs from the mean of dropped passes.
//! assert_ne!(mean[0], model.predict_one(&x[0]));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::{Mode, Workspace};
use crate::network::Network;
use crate::pool::{Pool, split};
use crate::sample::Sample;
use crate::{Error, Result};
use std::vec::Vec;

/// Samples per block: each block draws its own masks.
const BLOCK: usize = 64;

/// The mean over `samples` forward passes of each input with every Dropout
/// layer active (BatchNormalization keeps its moving statistics), as the
/// book's `np.stack([model(X, training=True) for _ in range(100)]).mean(0)`
/// for a model whose only training-time layers are Dropout.
///
/// The masks depend on `seed`, the pass and the block of 64 samples only,
/// so the result is the same on any number of threads. `samples` of 0 is an
/// error.
pub fn predict_mc_dropout<N: Network>(
    model: &N,
    x: &[N::Input],
    samples: usize,
    seed: u64,
) -> Result<Vec<N::Output>> {
    if samples == 0 {
        return Err(Error::InvalidArgument {
            name: "samples",
            message: "MC Dropout needs at least 1 forward pass, found 0".into(),
        });
    }
    let run = |first_block: usize, x: &[N::Input]| {
        let mut ws = Workspace::with_threads::<N>(BLOCK.min(x.len()).max(1), 1);
        let mut out = Vec::with_capacity(x.len());
        let mut sum = std::vec![0.0_f32; BLOCK * N::OUTPUT_SIZE];
        for (b, chunk) in x.chunks(BLOCK).enumerate() {
            ws.load_inputs::<N>(chunk);
            let len = chunk.len() * N::OUTPUT_SIZE;
            sum[..len].fill(0.0);
            let block = (first_block + b) as u64;
            for pass in 0..samples as u64 {
                let mode = Mode::Sampling {
                    seed,
                    pass: (pass << 32) | block,
                };
                let y = ws.forward_mode(model.params(), chunk.len(), mode);
                for (s, y) in sum.iter_mut().zip(y) {
                    *s += y;
                }
            }
            let scale = 1.0 / samples as f32;
            out.extend(sum[..len].chunks_exact(N::OUTPUT_SIZE).map(|row| {
                let mean: Vec<f32> = row.iter().map(|s| s * scale).collect();
                N::Output::from_row_major(&mean)
            }));
        }
        out
    };
    let threads = Pool::default_threads()?.min(x.len().div_ceil(BLOCK)).max(1);
    if threads <= 1 {
        return Ok(run(0, x));
    }
    let part = |t: usize| {
        let range = split(x.len(), threads, BLOCK, t);
        run(range.start / BLOCK, &x[range])
    };
    Ok(
        std::thread::scope(|scope| super::predict::run_parts_scoped(scope, threads, &part))
            .into_iter()
            .flatten()
            .collect(),
    )
}
