//! Int8 weights re-laid out once, at load time, in the order `vpdpbusd`
//! reads them, so that one 512-bit register accumulates sixteen units at
//! once and no unit needs a horizontal sum: [`PackedI8`]. Its
//! [`PackedI8::gemv`] computes what [`gemv_u8i8`](super::gemv_u8i8) does,
//! `out[u] = Σ_i kernel[u · inputs + i] · x[i]` in exact `i32`, so every
//! path (AVX-512 VNNI, AVX-VNNI, plain Rust) and both layouts give the same
//! sums bit for bit.
//!
//! The layout: units in blocks of 16 (the last padded with zero units),
//! inputs in groups of 4 (the last padded with zero weights); block `b`,
//! group `g` is one 64-byte line, unit `16 b + j`'s four weights of inputs
//! `4 g .. 4 g + 4` at bytes `4 j .. 4 j + 4`. Block `b`'s lines are
//! contiguous. One `vpdpbusd` multiplies a line by input group `g`,
//! broadcast to all sixteen lanes, and adds the four products of each unit
//! into its lane.
//!
//! ```
//! use mlp_core::__internal::PackedI8;
//! // Two units of three inputs, int8 weights (each unit's contiguous).
//! let packed = PackedI8::new(&[1, -2, 3, 4, 5, -6], 3, 2)?;
//! let mut sums = [0_i32; 2];
//! packed.gemv(&[0, 64, 255], &mut sums)?;
//! assert_eq!(sums, [-2 * 64 + 3 * 255, 5 * 64 - 6 * 255]);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::int8::{Int8Path, available, int8_path};
use alloc::vec::Vec;

/// Units a block holds (one 512-bit register of `i32` sums).
const BLOCK: usize = 16;
/// Inputs a group holds (one `vpdpbusd` lane's four products).
const GROUP: usize = 4;

/// One block's four weights of sixteen units: a cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([i8; BLOCK * GROUP]);

/// Int8 weights of `units` units by `inputs` inputs in `vpdpbusd`'s order
/// (see the module's docs).
#[derive(Clone)]
pub struct PackedI8 {
    lines: Vec<Line>,
    inputs: usize,
    units: usize,
}

impl core::fmt::Debug for PackedI8 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PackedI8")
            .field("inputs", &self.inputs)
            .field("units", &self.units)
            .finish_non_exhaustive()
    }
}

impl PackedI8 {
    /// Packs `kernel`, `units` units of `inputs` weights each (each unit's
    /// contiguous, as [`crate::quant::DenseI8`] stores them). An error
    /// naming both sizes if `kernel` does not hold `inputs · units` weights.
    pub fn new(kernel: &[i8], inputs: usize, units: usize) -> crate::Result<Self> {
        if Some(kernel.len()) != inputs.checked_mul(units) {
            return Err(crate::Error::InvalidArgument {
                name: "kernel",
                message: alloc::format!(
                    "holds {} weights, not {units} units of {inputs} inputs",
                    kernel.len()
                ),
            });
        }
        Ok(Self::pack(kernel, inputs, units))
    }

    /// Packs one array of `IN` weights per unit (a layer's rows, as
    /// [`crate::quant::DenseI8::kernel`] returns them).
    pub fn from_rows<const IN: usize>(rows: &[[i8; IN]]) -> Self {
        Self::pack(rows.as_flattened(), IN, rows.len())
    }

    /// Packs `kernel`, which holds `inputs · units` weights.
    fn pack(kernel: &[i8], inputs: usize, units: usize) -> Self {
        let groups = inputs.div_ceil(GROUP);
        let blocks = units.div_ceil(BLOCK);
        let mut lines = alloc::vec![Line([0; BLOCK * GROUP]); blocks * groups];
        for (u, weights) in kernel.chunks_exact(inputs.max(1)).take(units).enumerate() {
            let (b, j) = (u / BLOCK, u % BLOCK);
            for (i, w) in weights.iter().enumerate() {
                lines[b * groups + i / GROUP].0[j * GROUP + i % GROUP] = *w;
            }
        }
        Self {
            lines,
            inputs,
            units,
        }
    }

    /// Inputs of each unit.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Units.
    pub fn units(&self) -> usize {
        self.units
    }

    /// `out[u] = Σ_i kernel[u · inputs + i] · x[i]` in exact `i32`, on the
    /// fastest path this processor runs ([`int8_path`]). An error naming
    /// both sizes if `x` does not hold [`Self::inputs`] values or `out`
    /// [`Self::units`].
    #[inline]
    pub fn gemv(&self, x: &[u8], out: &mut [i32]) -> crate::Result<()> {
        self.gemv_on(int8_path(), x, out)
    }

    /// [`Self::gemv`] on `path`, for tests and benchmarks. An error if the
    /// processor lacks `path`, or the sizes differ as in [`Self::gemv`].
    pub fn gemv_on(&self, path: Int8Path, x: &[u8], out: &mut [i32]) -> crate::Result<()> {
        let wrong = |name, len, want| crate::Error::InvalidArgument {
            name,
            message: alloc::format!(
                "holds {len} values; the packed int8 weights of {} units by {} inputs need {want}",
                self.units,
                self.inputs
            ),
        };
        if x.len() != self.inputs {
            return Err(wrong("x", x.len(), self.inputs));
        }
        if out.len() != self.units {
            return Err(wrong("out", out.len(), self.units));
        }
        usable(path)?;
        self.run(path, x, out);
        Ok(())
    }

    /// [`Self::gemv_on`] for callers whose sizes match by construction
    /// (the quantised layers' const generics), on an available `path`.
    ///
    /// # Panics
    /// If the sizes differ or the processor lacks `path` (a bug of the caller).
    #[inline]
    pub(crate) fn run(&self, path: Int8Path, x: &[u8], out: &mut [i32]) {
        assert!(x.len() == self.inputs && out.len() == self.units && available(path));
        match path {
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            // SAFETY: the processor has AVX-512F/BW/VNNI; sizes checked.
            Int8Path::Avx512Vnni => unsafe { vnni512(self, x, out) },
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            // SAFETY: the processor has AVX2 and AVX-VNNI; sizes checked.
            Int8Path::AvxVnni => unsafe { vnni256(self, x, out) },
            _ => self.portable(x, out),
        }
    }

    /// [`Self::gemv`] for many samples at once: `x` holds samples of
    /// [`Self::inputs`] values one after another, `out` gets each sample's
    /// [`Self::units`] sums in the same order. On AVX-512 VNNI four samples
    /// share each weight line a pass loads (so the weights stream from cache
    /// a quarter as often); the sums are the same as sample by sample. An
    /// error naming both sizes if `x` is not whole samples or `out` does not
    /// hold one row of sums for each.
    pub fn gemm(&self, x: &[u8], out: &mut [i32]) -> crate::Result<()> {
        self.gemm_on(int8_path(), x, out)
    }

    /// [`Self::gemm`] on `path`, for tests and benchmarks; errors as
    /// [`Self::gemm`]'s and [`Self::gemv_on`]'s.
    pub fn gemm_on(&self, path: Int8Path, x: &[u8], out: &mut [i32]) -> crate::Result<()> {
        let samples = x.len().checked_div(self.inputs).unwrap_or(0);
        let whole = match x.len().checked_div(self.inputs) {
            Some(n) => n * self.inputs == x.len(),
            None => x.is_empty(),
        };
        if !whole || out.len() != samples * self.units {
            return Err(crate::Error::InvalidArgument {
                name: "x",
                message: alloc::format!(
                    "holds {} values and out {}; the packed int8 weights of {} units by {} inputs need whole samples of {} inputs and {} sums each",
                    x.len(),
                    out.len(),
                    self.units,
                    self.inputs,
                    self.inputs,
                    self.units
                ),
            });
        }
        usable(path)?;
        self.run_many(path, x, out);
        Ok(())
    }

    /// [`Self::gemm_on`] for callers whose sizes match by construction.
    ///
    /// # Panics
    /// As [`Self::run`], for any sample.
    pub(crate) fn run_many(&self, path: Int8Path, x: &[u8], out: &mut [i32]) {
        let (inputs, units) = (self.inputs.max(1), self.units);
        // Samples summed in whole tiles, where the path has a tile kernel.
        #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
        let done = 0;
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        let done = if path == Int8Path::Avx512Vnni && self.inputs > 0 && units > 0 {
            let tiles = x.len() / (TILE * inputs);
            assert!(out.len() >= tiles * TILE * units && available(path));
            for t in 0..tiles {
                // SAFETY: the processor has AVX-512F/BW/VNNI; tile `t`'s
                // samples and sums lie within `x` and `out`.
                unsafe {
                    tile512(
                        self,
                        &x[t * TILE * inputs..(t + 1) * TILE * inputs],
                        &mut out[t * TILE * units..(t + 1) * TILE * units],
                    );
                }
            }
            tiles * TILE
        } else {
            0
        };
        if self.inputs == 0 {
            out[done * units..].fill(0);
            return;
        }
        for (x, out) in x
            .chunks_exact(inputs)
            .zip(out.chunks_exact_mut(units.max(1)))
            .skip(done)
        {
            self.run(path, x, out);
        }
    }

    /// Input groups, the last one padded.
    fn groups(&self) -> usize {
        self.inputs.div_ceil(GROUP)
    }

    /// [`Self::gemv`] in plain Rust, on the packed lines.
    fn portable(&self, x: &[u8], out: &mut [i32]) {
        let groups = self.groups();
        for (u, o) in out.iter_mut().enumerate() {
            let (b, j) = (u / BLOCK, u % BLOCK);
            let lines = &self.lines[b * groups..(b + 1) * groups];
            *o = lines
                .iter()
                .enumerate()
                .map(|(g, line)| {
                    let w = &line.0[j * GROUP..(j + 1) * GROUP];
                    let x = word(x, g).to_le_bytes();
                    (0..GROUP)
                        .map(|k| i32::from(w[k]) * i32::from(x[k]))
                        .sum::<i32>()
                })
                .sum();
        }
    }
}

/// `Ok` if the processor runs `path`, else an error naming it.
fn usable(path: Int8Path) -> crate::Result<()> {
    if available(path) {
        Ok(())
    } else {
        Err(crate::Error::InvalidArgument {
            name: "path",
            message: alloc::format!("{path:?}: this processor lacks it"),
        })
    }
}

/// Input group `g` of `x` as one little-endian word, zero past the end.
#[inline]
fn word(x: &[u8], g: usize) -> i32 {
    let mut bytes = [0_u8; GROUP];
    let from = (g * GROUP).min(x.len());
    let part = &x[from..(from + GROUP).min(x.len())];
    bytes[..part.len()].copy_from_slice(part);
    i32::from_le_bytes(bytes)
}

/// Blocks summed in one pass over the inputs: each broadcast input group
/// serves this many weight lines.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
const PASS: usize = 4;

/// Runs `$pass::<N>(w, first_block, x, out)` over all of `w`'s blocks,
/// [`PASS`] at a time (`N` is the blocks of that pass).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
macro_rules! each_pass {
    ($pass:ident, $w:expr, $x:expr, $out:expr) => {{
        let blocks = $w.units.div_ceil(BLOCK);
        let mut b = 0;
        while b < blocks {
            let n = (blocks - b).min(PASS);
            // SAFETY: blocks `b .. b + n` exist; sizes and processor
            // features as the calling function's.
            unsafe {
                match n {
                    4 => $pass::<4>($w, b, $x, $out),
                    3 => $pass::<3>($w, b, $x, $out),
                    2 => $pass::<2>($w, b, $x, $out),
                    _ => $pass::<1>($w, b, $x, $out),
                }
            }
            b += n;
        }
    }};
}

/// [`PackedI8::gemv`] with AVX-512 VNNI: [`PASS`] blocks of sixteen units
/// at a time, each in two registers (even and odd input groups, so that
/// twice as many `vpdpbusd` chains run at once), stored whole (a masked
/// store for the last, partial block).
///
/// # Safety
/// The processor has AVX-512F, AVX-512BW and AVX-512 VNNI; `x` holds
/// `inputs` values and `out` `units`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn vnni512(w: &PackedI8, x: &[u8], out: &mut [i32]) {
    each_pass!(pass512, w, x, out);
}

/// Blocks `first .. first + N` of [`vnni512`].
///
/// # Safety
/// As [`vnni512`], and the blocks exist.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[inline]
unsafe fn pass512<const N: usize>(w: &PackedI8, first: usize, x: &[u8], out: &mut [i32]) {
    use core::arch::x86_64::*;
    let groups = w.groups();
    let full = w.inputs / GROUP;
    // SAFETY (whole body): line `(first + n) · groups + g` lies within the
    // packed lines for `n < N`, `g < groups`; the full groups' words lie
    // within `x`; stores write units below `w.units` only (masked).
    unsafe {
        let base = w.lines.as_ptr().add(first * groups);
        let line = |n: usize, g: usize| _mm512_load_si512(base.add(n * groups + g).cast());
        let xw =
            |g: usize| _mm512_set1_epi32(x.as_ptr().add(g * GROUP).cast::<i32>().read_unaligned());
        let mut even = [_mm512_setzero_si512(); N];
        let mut odd = [_mm512_setzero_si512(); N];
        let mut g = 0;
        while g + 2 <= full {
            let (x0, x1) = (xw(g), xw(g + 1));
            for n in 0..N {
                even[n] = _mm512_dpbusd_epi32(even[n], x0, line(n, g));
                odd[n] = _mm512_dpbusd_epi32(odd[n], x1, line(n, g + 1));
            }
            g += 2;
        }
        if g < full {
            let x0 = xw(g);
            for (n, e) in even.iter_mut().enumerate() {
                *e = _mm512_dpbusd_epi32(*e, x0, line(n, g));
            }
        }
        if groups > full {
            let x1 = _mm512_set1_epi32(word(x, full));
            for (n, o) in odd.iter_mut().enumerate() {
                *o = _mm512_dpbusd_epi32(*o, x1, line(n, full));
            }
        }
        for n in 0..N {
            let sum = _mm512_add_epi32(even[n], odd[n]);
            let unit = (first + n) * BLOCK;
            let left = w.units - unit;
            let dst = out.as_mut_ptr().add(unit);
            if left >= BLOCK {
                _mm512_storeu_si512(dst.cast(), sum);
            } else {
                _mm512_mask_storeu_epi32(dst, (1 << left) - 1, sum);
            }
        }
    }
}

/// Samples of one tile of [`tile512`].
#[cfg(all(target_arch = "x86_64", feature = "std"))]
const TILE: usize = 4;

/// [`TILE`] samples through every block, [`PASS`] blocks at a time: each
/// weight line loaded once serves the four samples' broadcast input groups
/// (sixteen accumulators).
///
/// # Safety
/// The processor has AVX-512F, AVX-512BW and AVX-512 VNNI; `x` holds
/// `TILE · inputs` values and `out` `TILE · units`; `inputs > 0`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn tile512(w: &PackedI8, x: &[u8], out: &mut [i32]) {
    each_pass!(tile_pass512, w, x, out);
}

/// Blocks `first .. first + N` of [`tile512`].
///
/// # Safety
/// As [`tile512`], and the blocks exist.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[inline]
unsafe fn tile_pass512<const N: usize>(w: &PackedI8, first: usize, x: &[u8], out: &mut [i32]) {
    use core::arch::x86_64::*;
    let (inputs, units) = (w.inputs, w.units);
    let groups = w.groups();
    let full = inputs / GROUP;
    // SAFETY (whole body): as in `pass512`, for each of the tile's samples
    // (sample `s`'s inputs at `s · inputs`, its sums at `s · units`).
    unsafe {
        let base = w.lines.as_ptr().add(first * groups);
        let line = |n: usize, g: usize| _mm512_load_si512(base.add(n * groups + g).cast());
        let mut acc = [[_mm512_setzero_si512(); N]; TILE];
        let mut step = |g: usize, xs: [__m512i; TILE]| {
            let lines: [__m512i; N] = core::array::from_fn(|n| line(n, g));
            for (acc, xv) in acc.iter_mut().zip(xs) {
                for (a, l) in acc.iter_mut().zip(lines) {
                    *a = _mm512_dpbusd_epi32(*a, xv, l);
                }
            }
        };
        for g in 0..full {
            step(
                g,
                core::array::from_fn(|s| {
                    _mm512_set1_epi32(
                        x.as_ptr()
                            .add(s * inputs + g * GROUP)
                            .cast::<i32>()
                            .read_unaligned(),
                    )
                }),
            );
        }
        if groups > full {
            step(
                full,
                core::array::from_fn(|s| {
                    _mm512_set1_epi32(word(&x[s * inputs..(s + 1) * inputs], full))
                }),
            );
        }
        for (s, acc) in acc.iter().enumerate() {
            for (n, a) in acc.iter().enumerate() {
                let unit = (first + n) * BLOCK;
                let left = units - unit;
                let dst = out.as_mut_ptr().add(s * units + unit);
                if left >= BLOCK {
                    _mm512_storeu_si512(dst.cast(), *a);
                } else {
                    _mm512_mask_storeu_epi32(dst, (1 << left) - 1, *a);
                }
            }
        }
    }
}

/// [`PackedI8::gemv`] with AVX-VNNI: [`PASS`] blocks at a time, each
/// block's sixteen units in two 256-bit registers (a line's two halves).
///
/// # Safety
/// The processor has AVX2 and AVX-VNNI; `x` holds `inputs` values and
/// `out` `units`.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx2,avxvnni")]
unsafe fn vnni256(w: &PackedI8, x: &[u8], out: &mut [i32]) {
    each_pass!(pass256, w, x, out);
}

/// Blocks `first .. first + N` of [`vnni256`].
///
/// # Safety
/// As [`vnni256`], and the blocks exist.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
#[target_feature(enable = "avx2,avxvnni")]
#[inline]
unsafe fn pass256<const N: usize>(w: &PackedI8, first: usize, x: &[u8], out: &mut [i32]) {
    use core::arch::x86_64::*;
    let groups = w.groups();
    let full = w.inputs / GROUP;
    // SAFETY (whole body): as in `pass512`; each line is read as two
    // 32-byte halves; the partial block goes through a stack copy.
    unsafe {
        let base = w.lines.as_ptr().add(first * groups);
        let half = |n: usize, g: usize, h: usize| {
            _mm256_load_si256(base.add(n * groups + g).cast::<__m256i>().add(h))
        };
        let mut lo = [_mm256_setzero_si256(); N];
        let mut hi = [_mm256_setzero_si256(); N];
        let mut step = |g: usize, xv: __m256i| {
            for n in 0..N {
                lo[n] = _mm256_dpbusd_avx_epi32(lo[n], xv, half(n, g, 0));
                hi[n] = _mm256_dpbusd_avx_epi32(hi[n], xv, half(n, g, 1));
            }
        };
        for g in 0..full {
            step(
                g,
                _mm256_set1_epi32(x.as_ptr().add(g * GROUP).cast::<i32>().read_unaligned()),
            );
        }
        if groups > full {
            step(full, _mm256_set1_epi32(word(x, full)));
        }
        for n in 0..N {
            let unit = (first + n) * BLOCK;
            let left = (w.units - unit).min(BLOCK);
            let mut sums = [0_i32; BLOCK];
            _mm256_storeu_si256(sums.as_mut_ptr().cast(), lo[n]);
            _mm256_storeu_si256(sums.as_mut_ptr().add(BLOCK / 2).cast(), hi[n]);
            out[unit..unit + left].copy_from_slice(&sums[..left]);
        }
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::kernels::int8::int8_paths;
    use crate::kernels::int8::tests::case;

    #[test]
    fn every_path_of_the_packed_layout_sums_exactly() {
        // Inputs around the groups of 4 and the even/odd split; units around
        // the blocks of 16 and the passes of 4 blocks.
        for inputs in [0, 1, 3, 4, 5, 7, 8, 9, 31, 33, 64, 100, 301, 784] {
            for units in [0, 1, 10, 15, 16, 17, 33, 64, 65, 100, 300] {
                let (kernel, x, want) = case(inputs, units);
                let packed = PackedI8::new(&kernel, inputs, units).unwrap();
                assert_eq!((packed.inputs(), packed.units()), (inputs, units));
                for path in int8_paths() {
                    let mut out = vec![i32::MIN; units];
                    packed.gemv_on(path, &x, &mut out).unwrap();
                    assert_eq!(out, want, "{path:?} inputs {inputs} units {units}");
                }
                let mut out = vec![0; units];
                packed.gemv(&x, &mut out).unwrap();
                assert_eq!(out, want);
            }
        }
        // The extremes: 255 · -127 summed 784 times stays in i32.
        let packed = PackedI8::new(&[-127_i8; 784 * 17], 784, 17).unwrap();
        for path in int8_paths() {
            let mut out = [0; 17];
            packed.gemv_on(path, &[255; 784], &mut out).unwrap();
            assert_eq!(out, [-127 * 255 * 784; 17], "{path:?}");
        }
    }

    #[test]
    fn every_path_sums_many_samples_as_one_by_one() {
        // Sample counts around the tiles of 4, shapes around the blocks.
        for (inputs, units) in [(1, 1), (5, 17), (33, 65), (100, 10), (784, 300)] {
            let kernel: Vec<i8> = (0..inputs * units)
                .map(|i| (((i * 7919) % 255) as i32 - 127) as i8)
                .collect();
            let packed = PackedI8::new(&kernel, inputs, units).unwrap();
            for samples in [0, 1, 3, 4, 5, 9] {
                let x: Vec<u8> = (0..samples * inputs)
                    .map(|i| ((i * 131 + 7) % 256) as u8)
                    .collect();
                let mut want = vec![0; samples * units];
                for (x, out) in x.chunks(inputs).zip(want.chunks_mut(units)) {
                    packed.gemv_on(Int8Path::Portable, x, out).unwrap();
                }
                for path in int8_paths() {
                    let mut out = vec![i32::MIN; samples * units];
                    packed.gemm_on(path, &x, &mut out).unwrap();
                    assert_eq!(out, want, "{path:?} {inputs} x {units}, {samples} samples");
                }
            }
        }
        // No inputs: no samples to tell apart, so no sums either.
        let packed = PackedI8::new(&[], 0, 3).unwrap();
        packed.gemm(&[], &mut []).unwrap();
        assert!(packed.gemm(&[], &mut [0; 3]).is_err());
    }

    #[test]
    fn wrong_sizes_are_errors_naming_both() {
        let err = PackedI8::new(&[1, 2, 3], 2, 2).unwrap_err().to_string();
        assert!(
            err.contains("3 weights") && err.contains("2 units of 2 inputs"),
            "{err}"
        );
        let packed = PackedI8::new(&[1; 6], 3, 2).unwrap();
        let err = packed.gemv(&[1; 4], &mut [0; 2]).unwrap_err().to_string();
        assert!(
            err.contains("x") && err.contains('4') && err.contains('3'),
            "{err}"
        );
        let err = packed.gemv(&[1; 3], &mut [0; 3]).unwrap_err().to_string();
        assert!(
            err.contains("out") && err.contains("3 values") && err.contains("2 units"),
            "{err}"
        );
        let err = packed.gemm(&[1; 7], &mut [0; 4]).unwrap_err().to_string();
        assert!(err.contains("7 values") && err.contains("out 4"), "{err}");
        let err = packed.gemm(&[1; 6], &mut [0; 5]).unwrap_err().to_string();
        assert!(err.contains("6 values") && err.contains("out 5"), "{err}");
    }
}
