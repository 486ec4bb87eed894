//! One sample of input or output: a statically sized nalgebra matrix.

use nalgebra::SMatrix;

/// A statically sized sample (`SMatrix<f32, R, C>`, which includes
/// `SVector<f32, N>`), read and written in Keras's row-major order.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sample of `f32` values",
    label = "expected an `SMatrix<f32, R, C>` or an `SVector<f32, N>`",
    note = "convert pixels with `image.map(|p| p as f32 / 255.0)`"
)]
pub trait Sample: Copy + Send + Sync + 'static {
    /// Number of values in one sample.
    const SIZE: usize;
    /// Writes the values in row-major order into `out` (`SIZE` long).
    fn write_row_major(&self, out: &mut [f32]);
    /// Reads `SIZE` values in row-major order.
    fn from_row_major(values: &[f32]) -> Self;
    /// Whether every value is finite (neither NaN nor infinite).
    fn is_finite(&self) -> bool;
}

impl<const R: usize, const C: usize> Sample for SMatrix<f32, R, C> {
    const SIZE: usize = R * C;

    #[inline]
    fn write_row_major(&self, out: &mut [f32]) {
        debug_assert_eq!(out.len(), R * C);
        if C == 1 {
            out.copy_from_slice(self.as_slice());
        } else {
            crate::layer::Flatten::<R, C>::flatten_into(self, out);
        }
    }

    #[inline]
    fn from_row_major(values: &[f32]) -> Self {
        SMatrix::from_row_slice(values)
    }

    #[inline]
    fn is_finite(&self) -> bool {
        crate::kernels::all_finite(self.as_slice())
    }
}
