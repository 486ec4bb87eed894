//! The layer that turns an image into a vector.

use nalgebra::{SMatrix, SVector};

/// Flattens an `R x C` input into a vector of `R * C` values in row-major order,
/// as Keras does: pixel `(i, j)` becomes feature `i * C + j`. It has no
/// parameters (a zero-sized type).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flatten<const R: usize, const C: usize>;

impl<const R: usize, const C: usize> Flatten<R, C> {
    /// Rows of the input.
    pub const ROWS: usize = R;
    /// Columns of the input.
    pub const COLS: usize = C;

    /// Flattens one sample. `N` must equal `R * C` (checked at compile time);
    /// the `network!` macro writes it out.
    #[inline]
    pub fn forward_one<const N: usize>(&self, x: &SMatrix<f32, R, C>) -> SVector<f32, N> {
        const { assert!(N == R * C, "Flatten<R, C> produces R * C values") };
        let mut out = SVector::<f32, N>::zeros();
        Self::flatten_into(x, out.as_mut_slice());
        out
    }

    /// Writes one sample, in Keras's row-major order, into `out` (`R * C` long).
    #[inline]
    pub fn flatten_into(x: &SMatrix<f32, R, C>, out: &mut [f32]) {
        debug_assert_eq!(out.len(), R * C);
        // nalgebra stores columns; Keras's order is rows. The sample is read
        // in storage order (a training batch gathers samples from all over
        // the data set, so the reads are the cache misses and the hardware
        // prefetcher follows them best in order); the strided writes land in
        // a few kilobytes that stay in L1.
        let src = x.as_slice();
        let out = &mut out[..R * C];
        for (j, col) in src.chunks_exact(R).enumerate() {
            for (i, v) in col.iter().enumerate() {
                out[i * C + j] = *v;
            }
        }
    }
}
