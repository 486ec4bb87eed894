//! [`super::gemm_nn`] (the backward pass) on AVX-512, through gemm 0.19's
//! register kernels
//! (`gemm_f32::microkernel::avx512f`: tiles of up to 64 x 6 outputs in
//! sixteen-lane accumulators), driven here on the caller's buffers.
//!
//! gemm's own entry point allocates on every call (its packing buffers and
//! a table of packed blocks), which a training step must not do; its
//! register kernels read any strided operand in place, so this driver walks
//! the product in their tiles itself and nothing is packed or allocated.
//!
//! The product is seen transposed, as gemm's kernels like it: `cᵀ = bᵀ · aᵀ`
//! with `cᵀ` column-major (`c`'s rows contiguous), `bᵀ`'s columns contiguous
//! (the rows of `b`, loaded sixteen lanes at a time) and `aᵀ` read one
//! element at a time. Each output element is one chain of fused
//! multiply-adds over the depth, in order, from zero, then `alpha · sum`
//! added to `beta · c` in the same two roundings as the AVX2 tiles
//! ([`super::avx2`]), and the depth is cut at the same places: for `beta`
//! 0 or 1 (every product the engine runs) the results are bit for bit
//! those of the AVX2 family.
//!
//! The forward pass stays on the AVX2 tiles: 512-bit tiles that paired two
//! samples' AVX2 lanes in each register ran the 32x784x300 product in 220
//! us against the AVX2 tiles' 145 (`benches/vs-crates`, fastest windows).

use super::{ONE_PASS_DEPTH, Operand, Product, avx2};
use crate::optim::SgdStep;
use gemm_f32::microkernel::avx512f::f32 as v4;

/// Lanes of one AVX-512 register of `f32`.
const LANES: usize = 16;
/// Rows of `cᵀ` (columns of `c`) per tile.
const MR: usize = v4::MR_DIV_N * LANES;
/// Columns of `cᵀ` (rows of `c`) per tile.
const NR: usize = v4::NR;
/// Depth of one block, as [`super::avx2`] cuts it.
const KC: usize = ONE_PASS_DEPTH;

/// See [`super::gemm_nn`]: columns of `c` in whole registers on gemm's
/// kernels, the last few (fewer than sixteen) on the AVX2 tiles.
///
/// # Safety
/// As [`super::gemm_nn`], and the processor has AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub unsafe fn gemm_nn(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    let wide = p.n / LANES * LANES;
    // SAFETY (whole body): every tile lies within the caller's matrices; a
    // tile's rows of `bᵀ` are whole registers inside `b`'s first `wide`
    // columns, so no load reads past them.
    unsafe {
        if wide < p.n {
            let rest = Product { n: p.n - wide, ..p };
            avx2::gemm_nn(rest, a, b.at(0, wide), c.add(wide), ldc);
        }
        for q0 in (0..p.k).step_by(KC) {
            let depth = KC.min(p.k - q0);
            // gemm's epilogue: `dst = old_factor · dst + alpha · sum`, with
            // `dst` left unread under status 0 and rounded as
            // `(old_factor · dst) + (alpha · sum)` under status 2.
            let (old_factor, status) = if q0 > 0 {
                (1.0, 2)
            } else if p.beta == 0.0 {
                (0.0, 0)
            } else {
                (p.beta, 2)
            };
            for j0 in (0..wide).step_by(MR) {
                let rows = MR.min(wide - j0);
                let lhs = b.ptr.add(q0 * b.rs + j0);
                for i0 in (0..p.m).step_by(NR) {
                    let cols = NR.min(p.m - i0);
                    v4::UKR[rows / LANES - 1][cols - 1](
                        rows,
                        cols,
                        depth,
                        c.add(i0 * ldc + j0),
                        lhs,
                        a.ptr.add(i0 * a.rs + q0 * a.cs),
                        ldc as isize,
                        1,
                        b.rs as isize,
                        a.cs as isize,
                        a.rs as isize,
                        old_factor,
                        p.alpha,
                        status,
                        false,
                        false,
                        false,
                        lhs,
                    );
                }
            }
        }
    }
}

/// See [`super::gemm_nn_sub`]: `c = c + (-rate) · sum`, in the two roundings
/// of [`SgdStep::apply`].
///
/// # Safety
/// As [`super::gemm_nn_sub`], and the processor has AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub unsafe fn gemm_nn_sub(
    step: SgdStep,
    p: Product,
    a: Operand,
    b: Operand,
    c: *mut f32,
    ldc: usize,
) {
    debug_assert!(p.k <= KC);
    let p = Product {
        alpha: -step.rate,
        beta: 1.0,
        ..p
    };
    // SAFETY: the caller's contract.
    unsafe { gemm_nn(p, a, b, c, ldc) }
}
