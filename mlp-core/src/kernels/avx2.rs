//! The products of [`super`] with AVX2 and FMA: register tiles of
//! independent accumulators, operands read in place (no packing), rows and
//! depth cut into blocks that stay in cache.

use super::{Operand, Product};
use crate::optim::SgdStep;
use core::arch::x86_64::*;

/// Depth of one block of the shared dimension ([`super::ONE_PASS_DEPTH`]).
const KC: usize = super::ONE_PASS_DEPTH;
/// Rows of the left operand per block, a multiple of both tiles' row counts
/// (4 and 6): a block of samples stays in cache while every unit's weights
/// stream past it.
const MC: usize = 60;

/// `MASKS[8 - r..16 - r]` enables the first `r` of eight lanes.
static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

/// A mask enabling the first `r` lanes (`r <= 8`).
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(super) fn mask(r: usize) -> __m256i {
    debug_assert!(r <= 8);
    // SAFETY: `8 - r + 8 <= 16` elements are in `MASKS`.
    unsafe { _mm256_loadu_si256(MASKS.as_ptr().add(8 - r).cast()) }
}

/// The sum of the eight lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)))
}

/// `c = alpha * acc + beta * c`, reading `c` only when `beta != 0`.
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn store(c: *mut f32, acc: f32, alpha: f32, beta: f32) {
    // SAFETY: the caller vouches for `c`.
    unsafe {
        *c = if beta == 0.0 {
            alpha * acc
        } else {
            alpha * acc + beta * *c
        }
    }
}

/// Walks product `p` in blocks, rows by [`MC`] outside and depth by [`KC`]
/// inside (a block's outputs stay in cache while they accumulate), and each
/// block in tiles of at most `mr x nr`, columns outside (a tile's weights
/// stay in L1 while every row block passes), calling
/// `tile(block, i, q0, j, rows, cols)`: `block` is `p` with the depth and
/// beta of this depth block.
#[inline(always)]
fn for_each_tile(
    p: Product,
    mr: usize,
    nr: usize,
    mut tile: impl FnMut(Product, usize, usize, usize, usize, usize),
) {
    for i0 in (0..p.m).step_by(MC) {
        let i_end = p.m.min(i0 + MC);
        for q0 in (0..p.k).step_by(KC) {
            let block = Product {
                k: KC.min(p.k - q0),
                beta: if q0 == 0 { p.beta } else { 1.0 },
                ..p
            };
            for j in (0..p.n).step_by(nr) {
                for i in (i0..i_end).step_by(mr) {
                    tile(block, i, q0, j, mr.min(i_end - i), nr.min(p.n - j));
                }
            }
        }
    }
}

/// One `MR x NR` tile of [`gemm_nt`] over the `p.k` steps of one depth
/// block (`a`, `b` and `c` start at the tile).
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn nt_tile<const MR: usize, const NR: usize>(
    p: Product,
    a: Operand,
    b: Operand,
    c: *mut f32,
    ldc: usize,
) {
    let mut acc = [[_mm256_setzero_ps(); NR]; MR];
    let mut q = 0;
    // SAFETY (whole body): rows `i < MR` of `a` and columns `j < NR` of `b`
    // hold `p.k` contiguous elements from their starts, and `c` holds the
    // tile (caller's contract).
    unsafe {
        let row = |i: usize, q: usize| a.ptr.add(i * a.rs + q);
        let col = |j: usize, q: usize| b.ptr.add(j * b.cs + q);
        while q + 8 <= p.k {
            let mut bv = [_mm256_setzero_ps(); NR];
            for (j, v) in bv.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(col(j, q));
            }
            for (i, r) in acc.iter_mut().enumerate() {
                let av = _mm256_loadu_ps(row(i, q));
                for (s, v) in r.iter_mut().zip(&bv) {
                    *s = _mm256_fmadd_ps(av, *v, *s);
                }
            }
            q += 8;
        }
        if q < p.k {
            let m = mask(p.k - q);
            let mut bv = [_mm256_setzero_ps(); NR];
            for (j, v) in bv.iter_mut().enumerate() {
                *v = _mm256_maskload_ps(col(j, q), m);
            }
            for (i, r) in acc.iter_mut().enumerate() {
                let av = _mm256_maskload_ps(row(i, q), m);
                for (s, v) in r.iter_mut().zip(&bv) {
                    *s = _mm256_fmadd_ps(av, *v, *s);
                }
            }
        }
        for (i, r) in acc.iter().enumerate() {
            for (j, s) in r.iter().enumerate() {
                store(c.add(i * ldc + j), hsum(*s), p.alpha, p.beta);
            }
        }
    }
}

/// Calls the instantiation `$tile::<m, n>` that matches the tile's size
/// `($mr, $nr)` among the listed pairs.
macro_rules! dispatch_tile {
    ($tile:ident, $mr:expr, $nr:expr, $args:tt; $(($m:literal, $n:literal)),* $(,)?) => {
        match ($mr, $nr) {
            $(($m, $n) => $tile::<$m, $n> $args,)*
            _ => unreachable!("no tile of this size"),
        }
    };
}

/// See [`super::gemm_nt`].
///
/// # Safety
/// As [`super::gemm_nt`], and the processor has AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn gemm_nt(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    // One sample: eight units at a time, eight independent chains. A batch:
    // four samples by three units, twelve chains, each weight load used four
    // times and each input load three times.
    let (mr_max, nr_max) = if p.m == 1 { (1, 8) } else { (4, 3) };
    for_each_tile(p, mr_max, nr_max, |block, i, q0, j, mr, nr| {
        // SAFETY: the tile lies within the caller's matrices.
        unsafe {
            let args = (block, a.at(i, q0), b.at(q0, j), c.add(i * ldc + j), ldc);
            dispatch_tile!(nt_tile, mr, nr, (args.0, args.1, args.2, args.3, args.4);
                (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8),
                (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (3, 3),
                (4, 1), (4, 2), (4, 3));
        }
    });
}

/// One tile of [`gemm_nn`]: `MR` rows by `NV` vectors of eight columns, the
/// last vector holding `last` columns (`1..=8`), over the `p.k` steps of one
/// depth block (`a`, `b` and `c` start at the tile).
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn nn_tile<const MR: usize, const NV: usize>(
    p: Product,
    a: Operand,
    b: Operand,
    c: *mut f32,
    ldc: usize,
    last: usize,
) {
    let full = last == 8;
    let m = mask(last);
    let mut acc = [[_mm256_setzero_ps(); NV]; MR];
    // SAFETY (whole body): the caller's contract covers `p.k` rows of `b`
    // (the tile's columns, masked past `last`), `MR x p.k` elements of `a`
    // and the tile of `c`.
    unsafe {
        for q in 0..p.k {
            let row = b.ptr.add(q * b.rs);
            let mut bv = [_mm256_setzero_ps(); NV];
            for (v, x) in bv.iter_mut().enumerate() {
                *x = if v + 1 < NV || full {
                    _mm256_loadu_ps(row.add(8 * v))
                } else {
                    _mm256_maskload_ps(row.add(8 * v), m)
                };
            }
            for (i, r) in acc.iter_mut().enumerate() {
                let av = _mm256_broadcast_ss(&*a.ptr.add(i * a.rs + q * a.cs));
                for (s, x) in r.iter_mut().zip(&bv) {
                    *s = _mm256_fmadd_ps(av, *x, *s);
                }
            }
        }
        let alpha = _mm256_set1_ps(p.alpha);
        let beta = _mm256_set1_ps(p.beta);
        for (i, r) in acc.iter().enumerate() {
            for (v, s) in r.iter().enumerate() {
                let dst = c.add(i * ldc + 8 * v);
                let partial = v + 1 == NV && !full;
                let mut out = _mm256_mul_ps(alpha, *s);
                if p.beta != 0.0 {
                    let old = if partial {
                        _mm256_maskload_ps(dst, m)
                    } else {
                        _mm256_loadu_ps(dst)
                    };
                    out = _mm256_fmadd_ps(beta, old, out);
                }
                if partial {
                    _mm256_maskstore_ps(dst, m, out);
                } else {
                    _mm256_storeu_ps(dst, out);
                }
            }
        }
    }
}

/// See [`super::gemm_nn`].
///
/// # Safety
/// As [`super::gemm_nn`], and the processor has AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn gemm_nn(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    // Six rows by sixteen columns: twelve chains, two weight loads and six
    // broadcasts per twelve multiply-adds.
    for_each_tile(p, 6, 16, |block, i, q0, j, mr, w| {
        let nv = w.div_ceil(8);
        let last = w - 8 * (nv - 1);
        // SAFETY: the tile lies within the caller's matrices.
        unsafe {
            let args = (
                block,
                a.at(i, q0),
                b.at(q0, j),
                c.add(i * ldc + j),
                ldc,
                last,
            );
            dispatch_tile!(nn_tile, mr, nv, (args.0, args.1, args.2, args.3, args.4, args.5);
                (1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2),
                (4, 1), (4, 2), (5, 1), (5, 2), (6, 1), (6, 2));
        }
    });
}

/// See [`super::gemm_nn_sub`].
///
/// # Safety
/// As [`super::gemm_nn_sub`], and the processor has AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn gemm_nn_sub(
    step: SgdStep,
    p: Product,
    a: Operand,
    b: Operand,
    c: *mut f32,
    ldc: usize,
) {
    // Within one depth block each tile's sums are complete before its
    // epilogue computes `old + (-rate) · sum`: the same two roundings as
    // `g = sum`, then `step.apply` (`c -= g · rate`).
    debug_assert!(p.k <= KC);
    let p = Product {
        alpha: -step.rate,
        beta: 1.0,
        ..p
    };
    // SAFETY: the caller's contract.
    unsafe { gemm_nn(p, a, b, c, ldc) }
}
