//! The products on AVX-512. [`gemm_nn`] (the backward pass) runs on gemm
//! 0.19's register kernels
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
//! [`gemm_nt`] (the forward pass of a batch) is the AVX2 tiles' dot products
//! with two of them in each 512-bit register: two samples' inputs side by
//! side, each half summing the same eight partial sums as an AVX2 register
//! and reduced as it is, so its results too are bit for bit the AVX2
//! family's. One sample, whose speed is the weights' loads, stays on AVX2.

use super::{ONE_PASS_DEPTH, Operand, Product, avx2};
use crate::optim::SgdStep;
use core::arch::x86_64::*;
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
            let (old_factor, status) = match (q0, p.beta) {
                (0, beta) if beta == 0.0 => (0.0, 0),
                (0, beta) => (beta, 2),
                _ => (1.0, 2),
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

/// One tile of [`gemm_nt`]: `P` pairs of rows of `a` (samples) by `NR`
/// columns of `b` (units) over the `p.k` steps of one depth block (`a`, `b`
/// and `c` start at the tile). Register `acc[r][j]` holds, in its low half,
/// the AVX2 tile's eight partial sums of row `2r` and column `j`, in its high
/// half those of row `2r + 1`.
#[inline]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn nt_tile<const P: usize, const NR: usize>(
    p: Product,
    a: Operand,
    b: Operand,
    c: *mut f32,
    ldc: usize,
) {
    let mut acc = [[_mm512_setzero_ps(); NR]; P];
    // Two 256-bit halves as one register.
    let join = |lo: __m256, hi: __m256| {
        _mm512_castpd_ps(_mm512_insertf64x4::<1>(
            _mm512_castpd256_pd512(_mm256_castps_pd(lo)),
            _mm256_castps_pd(hi),
        ))
    };
    // SAFETY (whole body): rows `i < 2P` of `a` and columns `j < NR` of `b`
    // hold `p.k` contiguous elements from their starts, and `c` holds the
    // tile (caller's contract); the last partial step is masked as the
    // AVX2 tile masks it.
    unsafe {
        let row = |i: usize, q: usize| a.ptr.add(i * a.rs + q);
        let col = |j: usize, q: usize| b.ptr.add(j * b.cs + q);
        // One step of eight along the depth, each half loaded by `$load`.
        macro_rules! step {
            ($q:expr, $load:expr) => {{
                let q = $q;
                let x: [__m512; P] =
                    core::array::from_fn(|r| join($load(row(2 * r, q)), $load(row(2 * r + 1, q))));
                for j in 0..NR {
                    let w = $load(col(j, q));
                    let w = join(w, w);
                    for (acc, x) in acc.iter_mut().zip(&x) {
                        acc[j] = _mm512_fmadd_ps(*x, w, acc[j]);
                    }
                }
            }};
        }
        let mut q = 0;
        while q + 8 <= p.k {
            step!(q, |ptr| _mm256_loadu_ps(ptr));
            q += 8;
        }
        if q < p.k {
            let m = avx2::mask(p.k - q);
            step!(q, |ptr| _mm256_maskload_ps(ptr, m));
        }
        for (r, acc) in acc.iter().enumerate() {
            for (j, s) in acc.iter().enumerate() {
                let lo = _mm512_castps512_ps256(*s);
                let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(*s)));
                avx2::store(c.add(2 * r * ldc + j), avx2::hsum(lo), p.alpha, p.beta);
                avx2::store(
                    c.add((2 * r + 1) * ldc + j),
                    avx2::hsum(hi),
                    p.alpha,
                    p.beta,
                );
            }
        }
    }
}

/// See [`super::gemm_nt`]: tiles of four samples by eight units; an odd
/// last sample, and one sample alone, on the AVX2 tiles.
///
/// # Safety
/// As [`super::gemm_nt`], and the processor has AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub unsafe fn gemm_nt(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    if p.m == 1 {
        // SAFETY: the caller's contract.
        return unsafe { avx2::gemm_nt(p, a, b, c, ldc) };
    }
    avx2::for_each_tile(p, 4, 8, |block, i, q0, j, mr, nr| {
        // SAFETY: the tile lies within the caller's matrices.
        unsafe {
            let (a, b, c) = (a.at(i, q0), b.at(q0, j), c.add(i * ldc + j));
            let pairs = mr / 2;
            macro_rules! tile {
                ($(($p:literal, $n:literal)),*) => {
                    match (pairs, nr) {
                        $(($p, $n) => nt_tile::<$p, $n>(block, a, b, c, ldc),)*
                        _ => {}
                    }
                };
            }
            tile!(
                (1, 1),
                (1, 2),
                (1, 3),
                (1, 4),
                (1, 5),
                (1, 6),
                (1, 7),
                (1, 8),
                (2, 1),
                (2, 2),
                (2, 3),
                (2, 4),
                (2, 5),
                (2, 6),
                (2, 7),
                (2, 8)
            );
            if mr % 2 == 1 {
                let last = Product {
                    m: 1,
                    n: nr,
                    ..block
                };
                avx2::gemm_nt(last, a.at(mr - 1, 0), b, c.add((mr - 1) * ldc), ldc);
            }
        }
    });
}
