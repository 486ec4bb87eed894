//! The products of [`super`] with AVX2 and FMA: register tiles of
//! independent accumulators, operands read in place (no packing), rows and
//! depth cut into blocks that stay in cache.

use core::arch::x86_64::*;

/// Depth of one block of the shared dimension. Measured on the book's model
/// (784 inputs): one block over the whole depth beats blocks of 256 (fewer
/// partial sums to reduce and write back), so only wider layers are cut.
const KC: usize = 1024;
/// Rows of the left operand per block, a multiple of both tiles' row counts
/// (4 and 6): a block of samples stays in cache while every unit's weights
/// stream past it.
const MC: usize = 60;

/// `MASKS[8 - r..16 - r]` enables the first `r` of eight lanes.
static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

/// A mask enabling the first `r` lanes (`r <= 8`).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn mask(r: usize) -> __m256i {
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
unsafe fn store(c: *mut f32, acc: f32, alpha: f32, beta: f32) {
    // SAFETY: the caller vouches for `c`.
    unsafe {
        *c = if beta == 0.0 {
            alpha * acc
        } else {
            alpha * acc + beta * *c
        }
    }
}

/// One `MR x NR` tile of [`gemm_nt`] over `kc` steps of the shared dimension.
#[inline]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn nt_tile<const MR: usize, const NR: usize>(
    kc: usize,
    alpha: f32,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    let mut acc = [[_mm256_setzero_ps(); NR]; MR];
    let mut p = 0;
    // SAFETY (whole body): rows `i < MR` of `a` and `j < NR` of `b` hold `kc`
    // elements from their starts, and `c` holds the tile (caller's contract).
    unsafe {
        while p + 8 <= kc {
            let mut bv = [_mm256_setzero_ps(); NR];
            for (j, v) in bv.iter_mut().enumerate() {
                *v = _mm256_loadu_ps(b.add(j * ldb + p));
            }
            for (i, row) in acc.iter_mut().enumerate() {
                let av = _mm256_loadu_ps(a.add(i * lda + p));
                for (s, v) in row.iter_mut().zip(&bv) {
                    *s = _mm256_fmadd_ps(av, *v, *s);
                }
            }
            p += 8;
        }
        if p < kc {
            let m = mask(kc - p);
            let mut bv = [_mm256_setzero_ps(); NR];
            for (j, v) in bv.iter_mut().enumerate() {
                *v = _mm256_maskload_ps(b.add(j * ldb + p), m);
            }
            for (i, row) in acc.iter_mut().enumerate() {
                let av = _mm256_maskload_ps(a.add(i * lda + p), m);
                for (s, v) in row.iter_mut().zip(&bv) {
                    *s = _mm256_fmadd_ps(av, *v, *s);
                }
            }
        }
        for (i, row) in acc.iter().enumerate() {
            for (j, s) in row.iter().enumerate() {
                store(c.add(i * ldc + j), hsum(*s), alpha, beta);
            }
        }
    }
}

/// Calls the `nt_tile` instantiation for a tile of `mr x nr` (at most
/// `4 x 8`, and at most 12 accumulators).
macro_rules! dispatch_nt {
    ($mr:expr, $nr:expr, $args:tt; $(($m:literal, $n:literal)),* $(,)?) => {
        match ($mr, $nr) {
            $(($m, $n) => nt_tile::<$m, $n> $args,)*
            _ => unreachable!("no tile of this size"),
        }
    };
}

/// See [`super::gemm_nt`].
///
/// # Safety
/// As [`super::gemm_nt`], and the processor has AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_nt(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    lda: usize,
    b: *const f32,
    ldb: usize,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    // One sample: eight units at a time, eight independent chains. A batch:
    // four samples by three units, twelve chains, each weight load used four
    // times and each input load three times.
    let (mr_max, nr_max) = if m == 1 { (1, 8) } else { (4, 3) };
    // Row blocks outside, depth blocks inside: a block's outputs stay in
    // cache while they accumulate.
    for i0 in (0..m).step_by(MC) {
        let i_end = m.min(i0 + MC);
        for p0 in (0..k).step_by(KC) {
            let kc = KC.min(k - p0);
            let beta = if p0 == 0 { beta } else { 1.0 };
            for j in (0..n).step_by(nr_max) {
                let nr = nr_max.min(n - j);
                for i in (i0..i_end).step_by(mr_max) {
                    let mr = mr_max.min(i_end - i);
                    // SAFETY: the tile lies within the caller's matrices.
                    unsafe {
                        dispatch_nt!(mr, nr,
                            (kc, alpha, a.add(i * lda + p0), lda, b.add(j * ldb + p0), ldb, beta, c.add(i * ldc + j), ldc);
                            (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8),
                            (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (3, 3),
                            (4, 1), (4, 2), (4, 3));
                    }
                }
            }
        }
    }
}

/// One tile of [`gemm_nn`]: `MR` rows by `NV` vectors of eight columns, the
/// last vector holding `last` columns (`1..=8`).
#[inline]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn nn_tile<const MR: usize, const NV: usize>(
    kc: usize,
    alpha: f32,
    a: *const f32,
    ars: usize,
    acs: usize,
    b: *const f32,
    ldb: usize,
    beta: f32,
    c: *mut f32,
    ldc: usize,
    last: usize,
) {
    let full = last == 8;
    let m = mask(last);
    let mut acc = [[_mm256_setzero_ps(); NV]; MR];
    // SAFETY (whole body): the caller's contract covers `kc` rows of `b`
    // (the tile's columns, masked past `last`), `MR x kc` elements of `a`
    // and the tile of `c`.
    unsafe {
        for p in 0..kc {
            let row = b.add(p * ldb);
            let mut bv = [_mm256_setzero_ps(); NV];
            for (v, x) in bv.iter_mut().enumerate() {
                *x = if v + 1 < NV || full {
                    _mm256_loadu_ps(row.add(8 * v))
                } else {
                    _mm256_maskload_ps(row.add(8 * v), m)
                };
            }
            for (i, r) in acc.iter_mut().enumerate() {
                let av = _mm256_broadcast_ss(&*a.add(i * ars + p * acs));
                for (s, x) in r.iter_mut().zip(&bv) {
                    *s = _mm256_fmadd_ps(av, *x, *s);
                }
            }
        }
        let alpha = _mm256_set1_ps(alpha);
        let betav = _mm256_set1_ps(beta);
        for (i, r) in acc.iter().enumerate() {
            for (v, s) in r.iter().enumerate() {
                let dst = c.add(i * ldc + 8 * v);
                let partial = v + 1 == NV && !full;
                let mut out = _mm256_mul_ps(alpha, *s);
                if beta != 0.0 {
                    let old = if partial {
                        _mm256_maskload_ps(dst, m)
                    } else {
                        _mm256_loadu_ps(dst)
                    };
                    out = _mm256_fmadd_ps(betav, old, out);
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

/// Calls the `nn_tile` instantiation for `mr` rows and `nv` vectors.
macro_rules! dispatch_nn {
    ($mr:expr, $nv:expr, $args:tt; $(($m:literal, $n:literal)),* $(,)?) => {
        match ($mr, $nv) {
            $(($m, $n) => nn_tile::<$m, $n> $args,)*
            _ => unreachable!("no tile of this size"),
        }
    };
}

/// See [`super::gemm_nn`].
///
/// # Safety
/// As [`super::gemm_nn`], and the processor has AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_nn(
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    ars: usize,
    acs: usize,
    b: *const f32,
    ldb: usize,
    beta: f32,
    c: *mut f32,
    ldc: usize,
) {
    // Six rows by sixteen columns: twelve chains, two weight loads and six
    // broadcasts per twelve multiply-adds.
    const MR: usize = 6;
    const NC: usize = 16;
    for i0 in (0..m).step_by(MC) {
        let i_end = m.min(i0 + MC);
        for p0 in (0..k).step_by(KC) {
            let kc = KC.min(k - p0);
            let beta = if p0 == 0 { beta } else { 1.0 };
            for j in (0..n).step_by(NC) {
                let w = NC.min(n - j);
                let nv = w.div_ceil(8);
                let last = w - 8 * (nv - 1);
                for i in (i0..i_end).step_by(MR) {
                    let mr = MR.min(i_end - i);
                    // SAFETY: the tile lies within the caller's matrices.
                    unsafe {
                        dispatch_nn!(mr, nv,
                            (kc, alpha, a.add(i * ars + p0 * acs), ars, acs, b.add(p0 * ldb + j), ldb, beta, c.add(i * ldc + j), ldc, last);
                            (1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2),
                            (4, 1), (4, 2), (5, 1), (5, 2), (6, 1), (6, 2));
                    }
                }
            }
        }
    }
}
