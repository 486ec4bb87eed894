//! The products of [`super`] in plain Rust, for every target: eight partial
//! sums per dot product and row-wise multiply-adds, shapes the compiler
//! vectorises without reassociating anything itself.

use super::{Operand, Product};
use crate::optim::SgdStep;

const LANES: usize = 8;

/// `Σ w[p] x[p]` with eight partial sums.
#[inline(always)]
pub fn dot(w: &[f32], x: &[f32]) -> f32 {
    let mut acc = [0.0_f32; LANES];
    let (wc, wr) = w.as_chunks::<LANES>();
    let (xc, xr) = x.as_chunks::<LANES>();
    for (w, x) in wc.iter().zip(xc) {
        for i in 0..LANES {
            acc[i] += w[i] * x[i];
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (w, x) in wr.iter().zip(xr) {
        sum += w * x;
    }
    sum
}

/// `c = alpha * acc + beta * c`, reading `c` only when `beta != 0`.
#[inline(always)]
fn blend(c: &mut f32, acc: f32, alpha: f32, beta: f32) {
    *c = if beta == 0.0 {
        alpha * acc
    } else {
        alpha * acc + beta * *c
    };
}

/// See [`super::gemm_nt`].
///
/// # Safety
/// As [`super::gemm_nt`].
pub unsafe fn gemm_nt(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    for i in 0..p.m {
        // SAFETY: row `i` of `a` and columns `j < n` of `b` hold `k`
        // contiguous elements, and `c` holds element `(i, j)` (caller's
        // contract).
        unsafe {
            let x = core::slice::from_raw_parts(a.ptr.add(i * a.rs), p.k);
            for j in 0..p.n {
                let w = core::slice::from_raw_parts(b.ptr.add(j * b.cs), p.k);
                blend(&mut *c.add(i * ldc + j), dot(w, x), p.alpha, p.beta);
            }
        }
    }
}

/// See [`super::gemm_nn`].
///
/// # Safety
/// As [`super::gemm_nn`].
pub unsafe fn gemm_nn(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    for i in 0..p.m {
        // SAFETY: row `i` of `c` holds `n` elements, rows `q < k` of `b` hold
        // `n` contiguous ones, and `a` holds `(i, q)` (caller's contract).
        unsafe {
            let row = core::slice::from_raw_parts_mut(c.add(i * ldc), p.n);
            if p.beta == 0.0 {
                row.fill(0.0);
            } else if p.beta != 1.0 {
                row.iter_mut().for_each(|v| *v *= p.beta);
            }
            for q in 0..p.k {
                let s = p.alpha * *a.ptr.add(i * a.rs + q * a.cs);
                let b = core::slice::from_raw_parts(b.ptr.add(q * b.rs), p.n);
                for (v, w) in row.iter_mut().zip(b) {
                    *v += s * w;
                }
            }
        }
    }
}

/// Columns of one pass of [`gemm_nn_sub`]: their sums live on the stack.
const SUB_COLUMNS: usize = 64;

/// See [`super::gemm_nn_sub`]: each row's sums accumulate in a stack buffer,
/// in the order [`gemm_nn`] adds them, before they are applied.
///
/// # Safety
/// As [`super::gemm_nn_sub`].
pub unsafe fn gemm_nn_sub(
    step: SgdStep,
    p: Product,
    a: Operand,
    b: Operand,
    c: *mut f32,
    ldc: usize,
) {
    for i in 0..p.m {
        for j0 in (0..p.n).step_by(SUB_COLUMNS) {
            let width = SUB_COLUMNS.min(p.n - j0);
            let mut sums = [0.0_f32; SUB_COLUMNS];
            let sums = &mut sums[..width];
            // SAFETY: as in `gemm_nn`, for columns `j0..j0 + width`.
            unsafe {
                for q in 0..p.k {
                    let s = *a.ptr.add(i * a.rs + q * a.cs);
                    let b = core::slice::from_raw_parts(b.ptr.add(q * b.rs + j0), width);
                    for (v, w) in sums.iter_mut().zip(b) {
                        *v += s * w;
                    }
                }
                let row = core::slice::from_raw_parts_mut(c.add(i * ldc + j0), width);
                step.apply(row, sums);
            }
        }
    }
}
