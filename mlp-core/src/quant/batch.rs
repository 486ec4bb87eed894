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
//! output.forward_u8_into(&h[..2], &mut one);
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
