//! One sample through int8 weights in integer arithmetic: the inputs
//! quantised to `u8` (one scale and zero point per sample), each unit's
//! `Σ q[i] · x[i]` summed exactly in `i32`, with VNNI's `vpdpbusd` where the
//! processor has it (AVX-512 VNNI: 64 products per instruction; AVX-VNNI:
//! 32), plain Rust elsewhere. Integer sums are exact, so every path gives
//! the same result bit for bit.
//!
//! ```
//! use mlp_core::__internal::{gemv_u8i8, quantize_u8};
//! // Two units of three inputs, int8 weights (each unit's contiguous).
//! let kernel = [1_i8, -2, 3, 4, 5, -6];
//! let mut q = [0_u8; 3];
//! let (scale, zero) = quantize_u8(&[0.0, 0.25, 1.0], &mut q);
//! assert_eq!((q, zero), ([0, 64, 255], 0));
//! let mut sums = [0_i32; 2];
//! gemv_u8i8(&kernel, 3, &q, &mut sums);
//! assert_eq!(sums, [-2 * 64 + 3 * 255, 5 * 64 - 6 * 255]);
//! assert!((scale * 255.0 - 1.0).abs() < 1e-6);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// Quantises one sample to `u8`: `x[i] ≈ scale · (q[i] − zero)`, over the
/// range of `x` widened to hold 0 (so that 0 is exact, and inputs that are
/// never negative, such as pixels or ReLU outputs, get zero point 0).
/// Returns `(scale, zero)`; a sample of zeros gets scale 0. Sixteen values
/// at a time with AVX-512 where [`int8_path`] is AVX-512 VNNI (the same
/// bytes as the plain Rust code).
///
/// # Panics
/// If `q` and `x` differ in length.
pub fn quantize_u8(x: &[f32], q: &mut [u8]) -> (f32, i32) {
    assert_eq!(
        x.len(),
        q.len(),
        "quantize_u8: {} inputs, {} outputs",
        x.len(),
        q.len()
    );
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    if int8_path() == Int8Path::Avx512Vnni {
        // SAFETY: that path's processor has AVX-512F and BW; sizes checked.
        return unsafe { quantize512(x, q) };
    }
    quantize_portable(x, q)
}

/// [`quantize_u8`] on the given path's code (AVX-512 for
/// [`Int8Path::Avx512Vnni`], plain Rust otherwise), for tests.
///
/// # Panics
/// If the processor lacks `path`, or the sizes differ.
pub fn quantize_u8_on(path: Int8Path, x: &[f32], q: &mut [u8]) -> (f32, i32) {
    assert!(
        available(path) && x.len() == q.len(),
        "quantize_u8_on: {path:?}, {} inputs, {} outputs",
        x.len(),
        q.len()
    );
    match path {
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        // SAFETY: checked just above.
        Int8Path::Avx512Vnni => unsafe { quantize512(x, q) },
        _ => quantize_portable(x, q),
    }
}

/// The scale and the zero point of a sample whose range, widened to hold 0,
/// is `lo ..= hi` (`None` for a sample of zeros, or one not finite).
#[inline]
fn scale_of(lo: f32, hi: f32) -> Option<(f32, f32)> {
    let scale = (hi - lo) / 255.0;
    if scale <= 0.0 || !scale.is_finite() {
        return None;
    }
    Some((scale, libm::roundf(-lo / scale).clamp(0.0, 255.0)))
}

/// [`quantize_u8`] in plain Rust.
fn quantize_portable(x: &[f32], q: &mut [u8]) -> (f32, i32) {
    let (lo, hi) = x
        .iter()
        .fold((0.0_f32, 0.0_f32), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    let Some((scale, zero)) = scale_of(lo, hi) else {
        q.fill(0);
        return (0.0, 0);
    };
    let inv = 1.0 / scale;
    for (q, v) in q.iter_mut().zip(x) {
        *q = libm::roundf(v * inv + zero).clamp(0.0, 255.0) as u8;
    }
    (scale, zero as i32)
}

/// [`quantize_u8`] with AVX-512: sixteen inputs a step, the same
/// arithmetic as [`quantize_portable`] (a product, then a sum, each rounded;
/// ties rounded away from zero; NaN to 0), so the same bytes.
///
/// # Safety
/// The processor has AVX-512F and AVX-512BW; `x` and `q` have one length.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn quantize512(x: &[f32], q: &mut [u8]) -> (f32, i32) {
    use core::arch::x86_64::*;
    let n = x.len();
    let mask = |i: usize| -> __mmask16 {
        let left = n - i;
        if left >= 16 {
            u16::MAX
        } else {
            (1 << left) - 1
        }
    };
    // SAFETY (whole body): every load and store is masked to `i .. n`.
    unsafe {
        // `min(v, acc)` returns `acc` where `v` is NaN, as `f32::min`
        // ignores NaN; masked-off lanes load 0, which the range holds anyway.
        let (mut lo, mut hi) = (_mm512_setzero_ps(), _mm512_setzero_ps());
        let mut i = 0;
        while i < n {
            let v = _mm512_maskz_loadu_ps(mask(i), x.as_ptr().add(i));
            lo = _mm512_min_ps(v, lo);
            hi = _mm512_max_ps(v, hi);
            i += 16;
        }
        let Some((scale, zero)) = scale_of(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi))
        else {
            q.fill(0);
            return (0.0, 0);
        };
        let (inv, zv) = (_mm512_set1_ps(1.0 / scale), _mm512_set1_ps(zero));
        let (half, one) = (_mm512_set1_ps(0.5), _mm512_set1_ps(1.0));
        let (top, sign) = (_mm512_set1_ps(255.0), _mm512_set1_epi32(i32::MIN));
        let mut i = 0;
        while i < n {
            let m = mask(i);
            let y = _mm512_add_ps(
                _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x.as_ptr().add(i)), inv),
                zv,
            );
            // Half away from zero, exactly: the fraction `y - trunc(y)` is
            // exact; where its size is at least one half, step away by 1.
            let t = _mm512_roundscale_ps::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(y);
            let away = _mm512_cmp_ps_mask::<_CMP_GE_OQ>(_mm512_abs_ps(_mm512_sub_ps(y, t)), half);
            let step = _mm512_castsi512_ps(_mm512_or_si512(
                _mm512_and_si512(_mm512_castps_si512(y), sign),
                _mm512_castps_si512(one),
            ));
            let r = _mm512_mask_add_ps(t, away, t, step);
            // `max(r, 0)` is 0 where `r` is NaN, as `NaN as u8` is.
            let r = _mm512_min_ps(_mm512_max_ps(r, _mm512_setzero_ps()), top);
            _mm512_mask_cvtepi32_storeu_epi8(
                q.as_mut_ptr().add(i).cast(),
                m,
                _mm512_cvttps_epi32(r),
            );
            i += 16;
        }
        (scale, zero as i32)
    }
}

/// `out[u] = Σ_i kernel[u · inputs + i] · x[i]` in exact `i32` arithmetic,
/// for `u < out.len()`: int8 weights (each unit's `inputs` contiguous, as
/// [`crate::quant::DenseI8`] stores them) times `u8` inputs.
///
/// # Panics
/// If `kernel` does not hold `inputs * out.len()` values, or `x` `inputs`.
pub fn gemv_u8i8(kernel: &[i8], inputs: usize, x: &[u8], out: &mut [i32]) {
    assert!(
        kernel.len() == inputs * out.len() && x.len() == inputs,
        "gemv_u8i8: a {}-value kernel, {} inputs and {} outputs do not match",
        kernel.len(),
        x.len(),
        out.len()
    );
    match int8_path() {
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Int8Path::Avx512Vnni => {
            // SAFETY: the processor has AVX-512F/BW/VNNI; sizes checked.
            unsafe { vnni512(kernel, inputs, x, out) }
        }
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Int8Path::AvxVnni => {
            // SAFETY: the processor has AVX2 and AVX-VNNI; sizes checked.
            unsafe { vnni256(kernel, inputs, x, out) }
        }
        _ => portable(kernel, inputs, x, out),
    }
}

/// The implementations of [`gemv_u8i8`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int8Path {
    /// `vpdpbusd` on 512-bit registers (AVX-512 VNNI).
    Avx512Vnni,
    /// `vpdpbusd` on 256-bit registers (AVX-VNNI).
    AvxVnni,
    /// Plain Rust.
    Portable,
}

/// The fastest implementation of [`gemv_u8i8`] this processor runs (x86-64
/// with `std` detects VNNI at run time); the portable one when the running
/// family of kernels is [`super::Kernels::Portable`].
pub fn int8_path() -> Int8Path {
    if super::kernels() == super::Kernels::Portable {
        return Int8Path::Portable;
    }
    int8_paths().next().unwrap_or(Int8Path::Portable)
}

/// Every implementation of [`gemv_u8i8`] this processor runs, fastest first.
pub fn int8_paths() -> impl Iterator<Item = Int8Path> {
    [Int8Path::Avx512Vnni, Int8Path::AvxVnni, Int8Path::Portable]
        .into_iter()
        .filter(|p| available(*p))
}

/// Whether the processor runs `path`.
pub(super) fn available(path: Int8Path) -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        use std::is_x86_feature_detected as has;
        match path {
            Int8Path::Avx512Vnni => has!("avx512f") && has!("avx512bw") && has!("avx512vnni"),
            Int8Path::AvxVnni => has!("avx2") && has!("avxvnni"),
            Int8Path::Portable => true,
        }
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    {
        path == Int8Path::Portable
    }
}

/// Runs `path` (which the processor must run) for tests and benchmarks.
///
/// # Panics
/// If the processor lacks `path`, or the sizes differ as in [`gemv_u8i8`].
pub fn gemv_u8i8_on(path: Int8Path, kernel: &[i8], inputs: usize, x: &[u8], out: &mut [i32]) {
    assert!(
        available(path),
        "gemv_u8i8_on: this processor lacks {path:?}"
    );
    assert!(kernel.len() == inputs * out.len() && x.len() == inputs);
    match path {
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        // SAFETY: checked just above.
        Int8Path::Avx512Vnni => unsafe { vnni512(kernel, inputs, x, out) },
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        // SAFETY: checked just above.
        Int8Path::AvxVnni => unsafe { vnni256(kernel, inputs, x, out) },
        _ => portable(kernel, inputs, x, out),
    }
}

/// [`gemv_u8i8`] in plain Rust.
fn portable(kernel: &[i8], inputs: usize, x: &[u8], out: &mut [i32]) {
    for (o, w) in out.iter_mut().zip(kernel.chunks_exact(inputs.max(1))) {
        *o = w
            .iter()
            .zip(x)
            .map(|(w, x)| i32::from(*w) * i32::from(*x))
            .sum();
    }
    if inputs == 0 {
        out.fill(0);
    }
}

/// Units summed together: each input load serves four weight loads.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
const UNITS: usize = 4;

/// [`gemv_u8i8`] with AVX-512 VNNI: 64 inputs per `vpdpbusd`, four units at
/// a time, the last partial block of inputs through a masked load.
///
/// # Safety
/// The processor has AVX-512F, AVX-512BW and AVX-512 VNNI; the sizes match.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn vnni512(kernel: &[i8], inputs: usize, x: &[u8], out: &mut [i32]) {
    use core::arch::x86_64::*;
    let blocks = inputs / 64;
    let tail = inputs % 64;
    let mask: __mmask64 = if tail == 0 { 0 } else { (1 << tail) - 1 };
    // SAFETY (whole body): every full load lies within `x` or a unit's
    // weights; the tail's loads are masked to its `tail` bytes.
    unsafe {
        let load = |p: *const u8, b: usize| _mm512_loadu_si512(p.add(64 * b).cast());
        let load_tail = |p: *const u8| _mm512_maskz_loadu_epi8(mask, p.add(64 * blocks).cast());
        let xp = x.as_ptr();
        let mut groups = out.chunks_exact_mut(UNITS);
        let mut u = 0;
        for group in &mut groups {
            let w: [*const u8; UNITS] =
                core::array::from_fn(|r| kernel.as_ptr().add((u + r) * inputs).cast());
            let mut acc = [_mm512_setzero_si512(); UNITS];
            for b in 0..blocks {
                let xv = load(xp, b);
                for (a, w) in acc.iter_mut().zip(&w) {
                    *a = _mm512_dpbusd_epi32(*a, xv, load(*w, b));
                }
            }
            if tail > 0 {
                let xv = load_tail(xp);
                for (a, w) in acc.iter_mut().zip(&w) {
                    *a = _mm512_dpbusd_epi32(*a, xv, load_tail(*w));
                }
            }
            for (o, a) in group.iter_mut().zip(&acc) {
                *o = _mm512_reduce_add_epi32(*a);
            }
            u += UNITS;
        }
        for o in groups.into_remainder() {
            let w: *const u8 = kernel.as_ptr().add(u * inputs).cast();
            let mut acc = _mm512_setzero_si512();
            for b in 0..blocks {
                acc = _mm512_dpbusd_epi32(acc, load(xp, b), load(w, b));
            }
            if tail > 0 {
                acc = _mm512_dpbusd_epi32(acc, load_tail(xp), load_tail(w));
            }
            *o = _mm512_reduce_add_epi32(acc);
            u += 1;
        }
    }
}

/// [`gemv_u8i8`] with AVX-VNNI: 32 inputs per `vpdpbusd`, four units at a
/// time, the last partial block of inputs in plain Rust.
///
/// # Safety
/// The processor has AVX2 and AVX-VNNI; the sizes match.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx2,avxvnni")]
unsafe fn vnni256(kernel: &[i8], inputs: usize, x: &[u8], out: &mut [i32]) {
    use core::arch::x86_64::*;
    let blocks = inputs / 32;
    let done = blocks * 32;
    /// The sum of the eight lanes.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn hsum(v: __m256i) -> i32 {
        let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
        _mm_cvtsi128_si32(s)
    }
    let rest = |w: &[i8]| -> i32 {
        w[done..]
            .iter()
            .zip(&x[done..])
            .map(|(w, x)| i32::from(*w) * i32::from(*x))
            .sum()
    };
    // SAFETY (whole body): every load lies within `x` or a unit's weights.
    unsafe {
        let load = |p: *const u8, b: usize| _mm256_loadu_si256(p.add(32 * b).cast());
        let xp = x.as_ptr();
        let mut groups = out.chunks_exact_mut(UNITS);
        let mut u = 0;
        for group in &mut groups {
            let w: [*const u8; UNITS] =
                core::array::from_fn(|r| kernel.as_ptr().add((u + r) * inputs).cast());
            let mut acc = [_mm256_setzero_si256(); UNITS];
            for b in 0..blocks {
                let xv = load(xp, b);
                for (a, w) in acc.iter_mut().zip(&w) {
                    *a = _mm256_dpbusd_avx_epi32(*a, xv, load(*w, b));
                }
            }
            for (r, (o, a)) in group.iter_mut().zip(&acc).enumerate() {
                *o = hsum(*a) + rest(&kernel[(u + r) * inputs..(u + r + 1) * inputs]);
            }
            u += UNITS;
        }
        for o in groups.into_remainder() {
            let w: *const u8 = kernel.as_ptr().add(u * inputs).cast();
            let mut acc = _mm256_setzero_si256();
            for b in 0..blocks {
                acc = _mm256_dpbusd_avx_epi32(acc, load(xp, b), load(w, b));
            }
            *o = hsum(acc) + rest(&kernel[u * inputs..(u + 1) * inputs]);
            u += 1;
        }
    }
}

#[cfg(all(test, feature = "std"))]
pub(super) mod tests {
    use super::*;

    /// Int8 weights of `units` units by `inputs` inputs covering the int8
    /// range, `u8` inputs, and the exact sums.
    pub(in crate::kernels) fn case(inputs: usize, units: usize) -> (Vec<i8>, Vec<u8>, Vec<i32>) {
        let kernel: Vec<i8> = (0..inputs * units)
            .map(|i| (((i * 7919) % 255) as i32 - 127) as i8)
            .collect();
        let x: Vec<u8> = (0..inputs).map(|i| ((i * 31 + 7) % 256) as u8).collect();
        let sums = (0..units)
            .map(|u| {
                (0..inputs)
                    .map(|i| i32::from(kernel[u * inputs + i]) * i32::from(x[i]))
                    .sum()
            })
            .collect();
        (kernel, x, sums)
    }

    #[test]
    fn every_path_sums_exactly() {
        for inputs in [0, 1, 31, 32, 33, 63, 64, 65, 100, 784] {
            for units in [1, 3, 4, 5, 9] {
                let (kernel, x, want) = case(inputs, units);
                for path in int8_paths() {
                    let mut out = vec![i32::MIN; units];
                    gemv_u8i8_on(path, &kernel, inputs, &x, &mut out);
                    assert_eq!(out, want, "{path:?} inputs {inputs} units {units}");
                }
                let mut out = vec![0; units];
                gemv_u8i8(&kernel, inputs, &x, &mut out);
                assert_eq!(out, want);
            }
        }
        // The extremes: 255 · 127 summed 784 times stays in i32.
        let (kernel, x) = (vec![-127_i8; 784], vec![255_u8; 784]);
        for path in int8_paths() {
            let mut out = [0];
            gemv_u8i8_on(path, &kernel, 784, &x, &mut out);
            assert_eq!(out[0], -127 * 255 * 784, "{path:?}");
        }
    }

    #[test]
    fn every_quantisation_path_gives_the_same_bytes() {
        // Lengths around the 16-lane steps; ranges with and without
        // negatives; values that land on ties (k + 0.5 after scaling, which
        // round away from zero), just below them, NaN, and zeros of both signs.
        let mut samples: Vec<Vec<f32>> = Vec::new();
        for n in [0, 1, 15, 16, 17, 33, 100, 300, 784] {
            samples.push((0..n).map(|i| ((i * 7919) % 97) as f32 / 31.0).collect());
            samples.push(
                (0..n)
                    .map(|i| ((i * 31) % 53) as f32 / 13.0 - 1.7)
                    .collect(),
            );
            samples.push((0..n).map(|i| -(((i * 17) % 41) as f32)).collect());
        }
        // Range [0, 255]: scale 1, so k + 0.5 is a tie and its neighbours not.
        let ties: Vec<f32> = (0..255)
            .flat_map(|k| {
                let t = k as f32 + 0.5;
                [t, f32::from_bits(t.to_bits() - 1), k as f32, 0.49999997]
            })
            .chain([255.0, -0.0, f32::NAN, 0.0])
            .collect();
        samples.push(ties);
        samples.push(vec![0.0; 20]);
        samples.push(vec![f32::NAN; 5]);
        samples.push(vec![-0.0, 3.0, f32::NAN, -2.5, 1e-30]);
        for x in &samples {
            let mut want = vec![0_u8; x.len()];
            let params = quantize_portable(x, &mut want);
            for path in int8_paths() {
                let mut q = vec![7_u8; x.len()];
                let got = quantize_u8_on(path, x, &mut q);
                assert_eq!(got.0.to_bits(), params.0.to_bits(), "{path:?} scale, {x:?}");
                assert_eq!((got.1, &q), (params.1, &want), "{path:?}, {x:?}");
            }
        }
    }

    #[test]
    fn quantisation_keeps_zero_exact_and_errs_by_half_a_step() {
        let x: Vec<f32> = (0..50).map(|i| (i as f32 - 12.0) / 7.0).collect();
        let mut q = vec![0_u8; 50];
        let (scale, zero) = quantize_u8(&x, &mut q);
        assert_eq!(zero, (12.0_f32 / 7.0 / scale).round() as i32);
        for (v, q) in x.iter().zip(&q) {
            let back = scale * (i32::from(*q) - zero) as f32;
            assert!(
                (back - v).abs() <= scale * 0.5001 + 1e-6,
                "{v} -> {q} -> {back}"
            );
        }
        assert_eq!(q[12], zero as u8, "0 is exact");
        let relu = [0.0, 0.25, 1.0];
        let mut q = [9_u8; 3];
        assert_eq!(quantize_u8(&relu, &mut q).1, 0);
        assert_eq!(q, [0, 64, 255]);
        assert_eq!(quantize_u8(&[0.0; 3], &mut q), (0.0, 0));
        assert_eq!(q, [0; 3]);
    }
}
