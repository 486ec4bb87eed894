//! The products of [`super`] on AVX-512F, each output element summed in
//! exactly the order of the AVX2 tiles ([`super::avx2`]), so that the two
//! families give bit-identical results:
//!
//! - [`gemm_nn`] (the backward pass) through gemm 0.19's register kernels
//!   (`gemm_f32::microkernel::avx512f`: tiles of up to 64 x 6 outputs in
//!   sixteen-lane accumulators), driven here on the caller's buffers;
//! - [`gemm_nt`] (the forward pass and `predict`) on this file's tiles of 32
//!   samples by up to 12 units, the samples in the lanes.
//!
//! gemm's own entry point allocates on every call (its packing buffers and
//! a table of packed blocks), which a training step must not do; its
//! register kernels read any strided operand in place, so this driver walks
//! the product in their tiles itself and nothing is allocated.
//!
//! For `gemm_nn` the product is seen transposed, as gemm's kernels like it:
//! `cᵀ = bᵀ · aᵀ` with `cᵀ` column-major (`c`'s rows contiguous), `bᵀ`'s
//! columns contiguous (the rows of `b`, loaded sixteen lanes at a time) and
//! `aᵀ` read one element at a time. Each output element is one chain of
//! fused multiply-adds over the depth, in order, from zero, then
//! `alpha · sum` added to `beta · c` in the same two roundings as the AVX2
//! tiles, and the depth is cut at the same places: for `beta` 0 or 1 (every
//! product the engine runs) the results are bit for bit those of the AVX2
//! family.
//!
//! The AVX2 tiles of `gemm_nt` sum each output in eight lanes (lane `l`
//! takes the depth indices `q ≡ l (mod 8)`, one chain of fused
//! multiply-adds each), then add the lanes as
//! `((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7))`. This file's
//! `gemm_nt` runs the same eight chains one after another (pass `l` over
//! the indices `q ≡ l`), sixteen samples per register, and adds them in
//! the same tree: the same roundings, sixteen outputs per instruction
//! instead of one eighth of one. Each panel of 32 samples is first packed
//! (transposed) into a buffer on the stack, pass by pass, so that a pass
//! reads it in order; the weights are read in place. Products of fewer
//! than [`NT_MIN_ROWS`] samples (one sample's `predict_one` among them)
//! stay on the AVX2 tiles, which waste no lanes there.

use super::{ONE_PASS_DEPTH, Operand, Product, avx2};
use crate::optim::SgdStep;
use core::arch::x86_64::*;
use core::mem::MaybeUninit;
use gemm_f32::microkernel::avx512f::f32 as v4;

/// Lanes of one AVX-512 register of `f32`.
const LANES: usize = 16;
/// Rows of `cᵀ` (columns of `c`) per tile.
const MR: usize = v4::MR_DIV_N * LANES;
/// Columns of `cᵀ` (rows of `c`) per tile.
const NR: usize = v4::NR;
/// Depth of one block, as [`super::avx2`] cuts it.
const KC: usize = ONE_PASS_DEPTH;
/// The lanes of the AVX2 tiles' sums (see the module docs).
const CHAINS: usize = 8;
/// Samples per panel of [`gemm_nt`]: two registers.
const PANEL: usize = 2 * LANES;
/// Units per tile of [`gemm_nt`]: 24 accumulators, two panel loads and
/// twelve weight broadcasts per 24 fused multiply-adds.
const UNITS: usize = 12;
/// Products of fewer samples than this run [`gemm_nt`] on the AVX2 tiles.
pub const NT_MIN_ROWS: usize = 16;

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

/// A panel of samples, packed for [`gemm_nt`]: chain `l`'s depth indices
/// `q = l, l + 8, ...` one after another, each as [`PANEL`] samples.
type Packed = [MaybeUninit<f32>; PANEL * KC];

/// See [`super::gemm_nt`]: panels of [`PANEL`] samples by tiles of
/// [`UNITS`] units, the samples in the lanes; products of fewer than
/// [`NT_MIN_ROWS`] samples on the AVX2 tiles.
///
/// # Safety
/// As [`super::gemm_nt`], and the processor has AVX-512F, AVX2 and FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub unsafe fn gemm_nt(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    // SAFETY (both): the caller's contract.
    if p.m < NT_MIN_ROWS {
        unsafe { avx2::gemm_nt(p, a, b, c, ldc) }
    } else {
        unsafe { nt_panels(p, a, b, c, ldc) }
    }
}

/// [`gemm_nt`] from [`NT_MIN_ROWS`] samples up: apart, so that one sample's
/// product does not pay for the packed panel's stack frame (its probes).
///
/// # Safety
/// As [`gemm_nt`].
#[inline(never)]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn nt_panels(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    let mut packed: Packed = [MaybeUninit::uninit(); PANEL * KC];
    // SAFETY (whole body): every panel, depth block and tile lies within
    // the caller's matrices; `pack` writes every element a tile reads.
    unsafe {
        for i0 in (0..p.m).step_by(PANEL) {
            let rows = PANEL.min(p.m - i0);
            for q0 in (0..p.k).step_by(KC) {
                let block = Product {
                    m: rows,
                    k: KC.min(p.k - q0),
                    beta: if q0 == 0 { p.beta } else { 1.0 },
                    ..p
                };
                pack(a.at(i0, q0), rows, block.k, &mut packed);
                let panel = packed.as_ptr().cast::<f32>();
                for j0 in (0..p.n).step_by(UNITS) {
                    let units = UNITS.min(p.n - j0);
                    let args = (block, panel, b.at(q0, j0), c.add(i0 * ldc + j0), ldc);
                    match units {
                        12 => nt_tile::<12>(args.0, args.1, args.2, args.3, args.4),
                        11 => nt_tile::<11>(args.0, args.1, args.2, args.3, args.4),
                        10 => nt_tile::<10>(args.0, args.1, args.2, args.3, args.4),
                        9 => nt_tile::<9>(args.0, args.1, args.2, args.3, args.4),
                        8 => nt_tile::<8>(args.0, args.1, args.2, args.3, args.4),
                        7 => nt_tile::<7>(args.0, args.1, args.2, args.3, args.4),
                        6 => nt_tile::<6>(args.0, args.1, args.2, args.3, args.4),
                        5 => nt_tile::<5>(args.0, args.1, args.2, args.3, args.4),
                        4 => nt_tile::<4>(args.0, args.1, args.2, args.3, args.4),
                        3 => nt_tile::<3>(args.0, args.1, args.2, args.3, args.4),
                        2 => nt_tile::<2>(args.0, args.1, args.2, args.3, args.4),
                        _ => nt_tile::<1>(args.0, args.1, args.2, args.3, args.4),
                    }
                }
            }
        }
    }
}

/// Index groups of eight along a depth of `depth`: each chain's length in
/// [`Packed`] (chains past the depth's end are padded with zeros).
#[inline(always)]
fn groups(depth: usize) -> usize {
    depth.div_ceil(CHAINS)
}

/// Packs `rows` (at most [`PANEL`]) samples of `a` over `depth` (at most
/// [`KC`]) into `packed`, zeros past the last sample and the depth: eight
/// samples by eight depth indices at a time, transposed in registers.
///
/// # Safety
/// `a` holds `rows` rows of `depth` contiguous elements.
#[inline]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn pack(a: Operand, rows: usize, depth: usize, packed: &mut Packed) {
    let g_len = groups(depth);
    let out = packed.as_mut_ptr().cast::<f32>();
    let masks = avx2::mask(depth % CHAINS);
    // SAFETY (whole body): loads stay within row `s < rows`'s `depth`
    // elements (the last group masked); stores stay within
    // `CHAINS * g_len * PANEL <= PANEL * KC` elements.
    unsafe {
        for s0 in (0..PANEL).step_by(CHAINS) {
            for g in 0..g_len {
                let full = (g + 1) * CHAINS <= depth;
                let mut r = [_mm256_setzero_ps(); CHAINS];
                for (s, v) in r.iter_mut().enumerate() {
                    if s0 + s < rows {
                        let at = a.ptr.add((s0 + s) * a.rs + g * CHAINS);
                        *v = if full {
                            _mm256_loadu_ps(at)
                        } else {
                            _mm256_maskload_ps(at, masks)
                        };
                    }
                }
                let t = transpose8(r);
                for (l, v) in t.iter().enumerate() {
                    _mm256_storeu_ps(out.add((l * g_len + g) * PANEL + s0), *v);
                }
            }
        }
    }
}

/// The 8 x 8 transpose: lane `k` of row `i` becomes lane `i` of row `k`.
#[inline(always)]
fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
    // SAFETY: register shuffles only (this file's functions enable AVX).
    unsafe {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ]
    }
}

/// One tile of [`gemm_nt`]: the packed panel's `p.m` samples by `NR` units
/// over one depth block of `p.k`; `b` starts at the tile's first unit and
/// `c` at its first output.
///
/// # Safety
/// `panel` was packed by [`pack`] for depth `p.k`; units `j < NR` of `b`
/// hold `p.k` contiguous weights; `c` holds the `p.m x NR` outputs.
#[inline]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn nt_tile<const NR: usize>(
    p: Product,
    panel: *const f32,
    b: Operand,
    c: *mut f32,
    ldc: usize,
) {
    let g_len = groups(p.k);
    let mut chains = [[[_mm512_setzero_ps(); 2]; NR]; CHAINS];
    // SAFETY (whole body): pass `l` reads the panel's chain `l` (within
    // what `pack` wrote) and weights `q < p.k` of units `j < NR`.
    unsafe {
        for (l, chain) in chains.iter_mut().enumerate() {
            let mut acc = [[_mm512_setzero_ps(); 2]; NR];
            let mut from = panel.add(l * g_len * PANEL);
            let mut q = l;
            while q < p.k {
                let x0 = _mm512_loadu_ps(from);
                let x1 = _mm512_loadu_ps(from.add(LANES));
                for (j, unit) in acc.iter_mut().enumerate() {
                    let w = _mm512_set1_ps(*b.ptr.add(j * b.cs + q));
                    unit[0] = _mm512_fmadd_ps(x0, w, unit[0]);
                    unit[1] = _mm512_fmadd_ps(x1, w, unit[1]);
                }
                from = from.add(PANEL);
                q += CHAINS;
            }
            // (The AVX2 tiles' masked last step adds 0 · 0 to the chains
            // `l >= p.k % 8`: an identity on a chain that starts at +0,
            // which never becomes -0.)
            *chain = acc;
        }
        // ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)), as `avx2::hsum`.
        let mut sums = [[0.0_f32; PANEL]; NR];
        for (j, sum) in sums.iter_mut().enumerate() {
            for (h, half) in sum.chunks_exact_mut(LANES).enumerate() {
                let v = |l: usize| chains[l][j][h];
                let even = _mm512_add_ps(_mm512_add_ps(v(0), v(4)), _mm512_add_ps(v(2), v(6)));
                let odd = _mm512_add_ps(_mm512_add_ps(v(1), v(5)), _mm512_add_ps(v(3), v(7)));
                _mm512_storeu_ps(half.as_mut_ptr(), _mm512_add_ps(even, odd));
            }
        }
        for i in 0..p.m {
            for (j, sum) in sums.iter().enumerate() {
                avx2::store(c.add(i * ldc + j), sum[i], p.alpha, p.beta);
            }
        }
    }
}
