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

    /// The layer from its weights, which are none: every kind bakes as `from_arrays`.
    pub const fn from_arrays() -> Self {
        Self
    }

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
        // nalgebra stores columns; Keras's order is rows: a transpose.
        let src = x.as_slice();
        let out = &mut out[..R * C];
        #[cfg(target_arch = "x86_64")]
        if R.is_multiple_of(4) && C.is_multiple_of(4) {
            // SAFETY: both slices hold R * C values, and R and C are
            // multiples of 4.
            unsafe { transpose_4x4_blocks::<R, C>(src, out) };
            return;
        }
        for (i, row) in out.chunks_exact_mut(C).enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = src[j * R + i];
            }
        }
    }
}

/// Transposes the column-major `R x C` matrix `src` into row-major `out` in
/// blocks of 4 x 4 (four loads, eight shuffles and four stores for sixteen
/// values, where element by element takes sixteen loads and stores: the copy
/// is a tenth of a training step's gather of samples).
///
/// # Safety
/// `src` and `out` hold `R * C` values; `R` and `C` are multiples of 4.
#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn transpose_4x4_blocks<const R: usize, const C: usize>(src: &[f32], out: &mut [f32]) {
    use core::arch::x86_64::*;
    debug_assert!(
        src.len() >= R * C && out.len() >= R * C && R.is_multiple_of(4) && C.is_multiple_of(4)
    );
    let (src, out) = (src.as_ptr(), out.as_mut_ptr());
    for j in (0..C).step_by(4) {
        for i in (0..R).step_by(4) {
            // SAFETY: rows i..i + 4 of columns j..j + 4 lie within `src`, and
            // columns j..j + 4 of rows i..i + 4 within `out` (the caller's
            // contract). SSE is part of x86-64.
            unsafe {
                // Columns j..j + 4, rows i..i + 4.
                let c0 = _mm_loadu_ps(src.add(j * R + i));
                let c1 = _mm_loadu_ps(src.add((j + 1) * R + i));
                let c2 = _mm_loadu_ps(src.add((j + 2) * R + i));
                let c3 = _mm_loadu_ps(src.add((j + 3) * R + i));
                let lo01 = _mm_unpacklo_ps(c0, c1);
                let lo23 = _mm_unpacklo_ps(c2, c3);
                let hi01 = _mm_unpackhi_ps(c0, c1);
                let hi23 = _mm_unpackhi_ps(c2, c3);
                _mm_storeu_ps(out.add(i * C + j), _mm_movelh_ps(lo01, lo23));
                _mm_storeu_ps(out.add((i + 1) * C + j), _mm_movehl_ps(lo23, lo01));
                _mm_storeu_ps(out.add((i + 2) * C + j), _mm_movelh_ps(hi01, hi23));
                _mm_storeu_ps(out.add((i + 3) * C + j), _mm_movehl_ps(hi23, hi01));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<const R: usize, const C: usize>() {
        let x = SMatrix::<f32, R, C>::from_fn(|i, j| (i * 100 + j) as f32);
        let mut out = vec![-1.0; R * C];
        Flatten::<R, C>::flatten_into(&x, &mut out);
        for i in 0..R {
            for j in 0..C {
                assert_eq!(out[i * C + j], x[(i, j)], "{R} x {C} at ({i}, {j})");
            }
        }
    }

    #[test]
    fn flattens_rows_one_after_another() {
        // Blocks of four (28 x 28, 4 x 8) and the element-by-element path.
        check::<28, 28>();
        check::<4, 8>();
        check::<8, 4>();
        check::<3, 5>();
        check::<28, 27>();
        check::<1, 1>();
    }
}
