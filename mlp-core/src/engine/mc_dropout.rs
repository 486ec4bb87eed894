//! MC Dropout (chapter 11): the mean of many predictions with Dropout
//! active, which estimates the model's uncertainty.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { struct Net { Input[2] -> Dense<8, relu> -> Dropout<0.5> -> Dense<2, softmax> } }
//!
//! let model = Net::new(1);
//! let x = vec![SVector::<f32, 2>::new(1.0, 2.0), SVector::<f32, 2>::new(-1.0, 0.5)];
//! let mean = model.predict_mc_dropout(&x, 100, 42)?;
//! assert!((mean[0].sum() - 1.0).abs() < 1e-5);
//! // One pass at inference (no dropout) differs from the mean of dropped passes.
//! assert_ne!(mean[0], model.predict_one(&x[0]));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::Phase;
use super::predict::{over_blocks, with_output_rows};
use crate::model::Model;
use crate::train::Rows;
use crate::{Error, Result};
use std::vec::Vec;

/// Samples per block: each block draws its own masks.
const BLOCK: usize = 64;

/// [`Predict::predict_mc_dropout`](crate::predict::Predict::predict_mc_dropout)
/// for any model: one [`Rows`] per input, on at most `threads` threads.
pub(crate) fn mc_dropout<M: Model>(
    model: &M,
    x: &[Rows<'_>],
    samples: usize,
    seed: u64,
    threads: usize,
) -> Result<Vec<M::Outputs>> {
    if samples == 0 {
        return Err(Error::InvalidArgument {
            name: "samples",
            message: "MC Dropout needs at least 1 forward pass, found 0".into(),
        });
    }
    let widths: Vec<usize> = M::OUTPUTS.iter().map(|p| p.size).collect();
    let width: usize = widths.iter().sum();
    Ok(over_blocks::<M, M::Outputs>(
        x,
        BLOCK,
        threads,
        |ws, range, out| {
            let n = range.len();
            let block = (range.start / BLOCK) as u64;
            let idx: Vec<usize> = range.collect();
            ws.load_batch(x, &idx, &[]);
            let mut sum = std::vec![0.0_f32; n * width];
            for pass in 0..samples as u64 {
                let mode = Phase::Sampling {
                    seed,
                    pass: (pass << 32) | block,
                };
                ws.forward_model(model.params(), n, mode);
                for (r, sums) in sum.chunks_exact_mut(width).enumerate() {
                    with_output_rows::<M, ()>(ws, r, |rows| {
                        for (s, y) in sums.iter_mut().zip(rows.iter().flat_map(|row| row.iter())) {
                            *s += y;
                        }
                    });
                }
            }
            let scale = 1.0 / samples as f32;
            for sums in sum.chunks_exact(width) {
                let mean: Vec<f32> = sums.iter().map(|s| s * scale).collect();
                let mut rows = Vec::with_capacity(widths.len());
                let mut at = 0;
                for w in &widths {
                    rows.push(&mean[at..at + w]);
                    at += w;
                }
                out.push(M::outputs_from_rows(&rows));
            }
        },
    ))
}
