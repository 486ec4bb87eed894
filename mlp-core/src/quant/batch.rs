//! The opt-in int8 batch path on threads: [`Int8Batch`] owns a pool of
//! threads and runs a [`PackedDenseI8`] layer over many samples, the
//! samples split among the threads in whole tiles of four (each thread runs
//! [`PackedDenseI8::forward_u8_batch_into`] on its part, so the outputs are
//! the one-sample path's, bit for bit, on any number of threads). A network
//! is its layers one after another, on buffers the caller keeps:
//!
//! ```
//! use mlp_core::activation::{Relu, Softmax};
//! use mlp_core::quant::{DenseI8, Int8Batch};
//!
//! let hidden = DenseI8::<3, 2, Relu>::from_parts([[51, -127, 25], [32, 95, -127]], [0.01, 0.02], [0.0, 1.0]).pack();
//! let output = DenseI8::<2, 2, Softmax>::from_parts([[127, -127], [-127, 127]], [0.01, 0.01], [0.0; 2]).pack();
//! let batch = Int8Batch::with_threads(2)?;
//! let x = vec![0.5_f32; 3 * 10]; // ten samples of three inputs
//! let (mut h, mut y) = (vec![0.0; 2 * 10], vec![0.0; 2 * 10]);
//! batch.forward(&hidden, &x, &mut h)?;
//! batch.forward(&output, &h, &mut y)?;
//! let mut one = [0.0; 2];
//! output.forward_u8_into(&h[..2], &mut one)?;
//! assert_eq!(&y[..2], &one);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::PackedDenseI8;
use super::packed::TILE;
use crate::activation::Activation;
use crate::engine::Shared;
use crate::pool::{Pool, split};

/// Threads for the int8 batch path (see the module's docs).
#[derive(Debug)]
pub struct Int8Batch {
    pool: Pool,
}

impl Int8Batch {
    /// A pool of [`Pool::default_threads`] threads (`MLP_NUM_THREADS`, else
    /// every core); an error where that variable is invalid or the
    /// operating system refuses a thread.
    pub fn new() -> crate::Result<Self> {
        Self::with_threads(Pool::default_threads()?)
    }

    /// A pool of `threads` threads (the calling thread is one); an error for
    /// a count outside 1 to [`crate::pool::MAX_THREADS`], or where the
    /// operating system refuses a thread.
    pub fn with_threads(threads: usize) -> crate::Result<Self> {
        Ok(Self {
            pool: Pool::try_new(threads)?,
        })
    }

    /// Threads, the caller's included.
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// `layer` over every sample of `x` (`IN` values each, one after
    /// another) into `out` (`OUT` each), the samples split among the
    /// threads: [`PackedDenseI8::forward_u8_batch_into`]'s outputs, and
    /// its errors. Allocates nothing.
    pub fn forward<const IN: usize, const OUT: usize, A: Activation>(
        &self,
        layer: &PackedDenseI8<IN, OUT, A>,
        x: &[f32],
        out: &mut [f32],
    ) -> crate::Result<()>
    where
        PackedDenseI8<IN, OUT, A>: Sync,
    {
        let samples = PackedDenseI8::<IN, OUT, A>::samples(x.len(), out.len())?;
        let parts = self.threads().min(samples.div_ceil(TILE)).max(1);
        let shared = Shared::new(out);
        self.pool.run_parts(parts, &|part| {
            let range = split(samples, parts, TILE, part);
            // SAFETY: the parts' sample ranges are disjoint and lie within
            // `out`, which this call borrows until every part is done.
            let out = unsafe {
                core::slice::from_raw_parts_mut(shared.at(range.start * OUT), range.len() * OUT)
            };
            layer.batch(&x[range.start * IN..range.end * IN], out);
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Relu, Softmax};
    use crate::quant::DenseI8;

    #[test]
    fn every_thread_count_gives_the_one_sample_outputs_bit_for_bit() {
        let kernel: [[i8; 37]; 21] = core::array::from_fn(|u| {
            core::array::from_fn(|i| (((i * 31 + u * 17) % 255) as i32 - 127) as i8)
        });
        let scale = core::array::from_fn(|u| 0.002 * (u % 4 + 1) as f32);
        let hidden = DenseI8::<37, 21, Relu>::from_parts(kernel, scale, [0.1; 21]).pack();
        let output = DenseI8::<21, 3, Softmax>::from_parts(
            [[9; 21], [-9; 21], [1; 21]],
            [0.01; 3],
            [0.0; 3],
        )
        .pack();
        for threads in [1, 2, 3] {
            let batch = Int8Batch::with_threads(threads).unwrap();
            assert_eq!(batch.threads(), threads);
            for samples in [0, 1, 4, 5, 9, 23] {
                let x: Vec<f32> = (0..samples * 37)
                    .map(|i| ((i * 7) % 19) as f32 / 5.0 - 1.0)
                    .collect();
                let (mut h, mut y) = (vec![f32::NAN; samples * 21], vec![f32::NAN; samples * 3]);
                batch.forward(&hidden, &x, &mut h).unwrap();
                batch.forward(&output, &h, &mut y).unwrap();
                for ((x, h), y) in x.chunks(37).zip(h.chunks(21)).zip(y.chunks(3)) {
                    let (mut h1, mut y1) = ([0.0; 21], [0.0; 3]);
                    hidden.forward_u8_into(x, &mut h1).unwrap();
                    output.forward_u8_into(&h1, &mut y1).unwrap();
                    assert_eq!(
                        (h, y),
                        (&h1[..], &y1[..]),
                        "{threads} threads, {samples} samples"
                    );
                }
            }
            let err = batch
                .forward(&hidden, &[0.0; 38], &mut [0.0; 21])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("holds 38 values") && err.contains("37 x 21"),
                "{err}"
            );
        }
    }
}
