//! The dense products under every pass, on the caller's buffers: nothing is
//! packed, copied or allocated, so a training step in steady state touches
//! the heap not at all.
//!
//! Two shapes cover a Dense layer whose kernel is stored column-major
//! `inputs x units` (each unit's weights contiguous):
//!
//! - [`gemm_nt`]: both operands contiguous along the shared dimension, as
//!   samples times each unit's weights (the forward pass, and [`gemv_t`] for
//!   one sample);
//! - [`gemm_nn`]: the right operand's rows contiguous and the left read
//!   element by element, as the gradient of the kernel (`deltaᵀ · x`) and of
//!   the layer's input (`delta · kernelᵀ`); [`gemm_nn_sub`] subtracts the
//!   kernel's gradient, times a rate, from the weights instead of writing it
//!   (plain SGD folded into the backward pass).
//!
//! The portable versions keep several independent sums so that the compiler
//! vectorises them without reassociating anything itself. On x86-64 with
//! `std`, tiles of AVX2/FMA accumulators are picked at run time when the
//! processor has them (no `-C target-cpu` needed); without `std`, when the
//! build targets them. Where the processor has AVX-512F, [`gemm_nn`] (the
//! products of the backward pass) runs on gemm 0.19's AVX-512 register
//! kernels and [`gemm_nt`] (the forward pass, from 16 samples up) on
//! sixteen-lane tiles of this crate ([`avx512`]), both in the same order of
//! summation as the AVX2 tiles.
//! [`select_kernels`] (or `MLP_KERNELS`) forces one family ([`select`]).
//! Which elements each sum adds, and in which order, never depends on how a
//! product is split into tiles or among threads.
//!
//! Small helpers of the training loop live here too: [`all_finite`] (a
//! vectorised check for NaN and infinity), [`max_abs`] and [`prefetch`].
//!
//! ```
//! let kernel = [1.0_f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 3 inputs x 2 units
//! let mut out = [0.5_f32, 0.0];
//! mlp_core::__internal::gemv_t(&kernel, 3, &[1.0, 1.0, 1.0], &mut out);
//! assert_eq!(out, [6.5, 15.0]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use crate::optim::SgdStep;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod avx512;
mod int8;
#[cfg(feature = "alloc")]
mod int8_packed;
mod portable;
mod select;

pub use int8::{
    Int8Path, gemv_u8i8, gemv_u8i8_on, int8_path, int8_paths, quantize_u8, quantize_u8_on,
};
#[cfg(feature = "alloc")]
pub use int8_packed::PackedI8;
pub use select::{Kernels, KernelsUnavailable, kernels, select_kernels};

/// Whether the AVX2/FMA kernels can run here.
#[inline]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn avx2_fma() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
    }
    #[cfg(all(target_arch = "x86_64", not(feature = "std")))]
    {
        cfg!(all(target_feature = "avx2", target_feature = "fma"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Which implementation of the products runs ([`kernels`]), as benchmarks
/// print it beside their figures.
pub fn kernel_name() -> &'static str {
    match kernels() {
        Kernels::Avx512 => "avx512 (mlp forward tiles, gemm 0.19 backward kernels) + avx2+fma",
        Kernels::Avx2 => "avx2+fma",
        _ => "portable",
    }
}

/// Whether the running family has the AVX2 and FMA instructions.
#[inline]
fn simd() -> bool {
    matches!(kernels(), Kernels::Avx2 | Kernels::Avx512)
}

/// The sizes and scalars of one product `c = alpha · a · b + beta · c`, where
/// `a` is `m x k`, `b` is `k x n` and `c` is `m x n`. With `beta == 0`, `c`
/// is written without being read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Product {
    /// Rows of `a` and `c`.
    pub m: usize,
    /// Columns of `b` and `c`.
    pub n: usize,
    /// The shared dimension: columns of `a`, rows of `b`.
    pub k: usize,
    /// The product's factor.
    pub alpha: f32,
    /// The factor of the old `c`.
    pub beta: f32,
}

impl Product {
    /// `c = a · b`: alpha 1, beta 0.
    pub fn new(m: usize, n: usize, k: usize) -> Self {
        Self {
            m,
            n,
            k,
            alpha: 1.0,
            beta: 0.0,
        }
    }

    /// `c += a · b`: beta 1.
    pub fn accumulate(self) -> Self {
        Self { beta: 1.0, ..self }
    }
}

/// An operand the kernels read: its first element and the distance, in
/// elements, from one row to the next (`rs`) and one column to the next (`cs`).
#[derive(Clone, Copy, Debug)]
pub struct Operand {
    /// Element `(0, 0)`.
    pub ptr: *const f32,
    /// Row stride.
    pub rs: usize,
    /// Column stride.
    pub cs: usize,
}

impl Operand {
    /// Rows of `data` one after the other, `stride` elements apart.
    pub fn row_major(data: &[f32], stride: usize) -> Self {
        Self {
            ptr: data.as_ptr(),
            rs: stride,
            cs: 1,
        }
    }

    /// Columns of `data` one after the other, `stride` elements apart.
    pub fn col_major(data: &[f32], stride: usize) -> Self {
        Self {
            ptr: data.as_ptr(),
            rs: 1,
            cs: stride,
        }
    }

    /// The operand starting at element `(i, j)` of this one.
    ///
    /// # Safety
    /// Element `(i, j)` lies within the allocation `ptr` points into.
    #[inline(always)]
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    unsafe fn at(self, i: usize, j: usize) -> Self {
        // SAFETY: the caller's contract.
        let ptr = unsafe { self.ptr.add(i * self.rs + j * self.cs) };
        Self { ptr, ..self }
    }
}

/// The signature every implementation of a product shares.
type Kernel = unsafe fn(Product, Operand, Operand, *mut f32, usize);

/// The signature of [`gemm_nn_sub`]'s implementations.
#[cfg(all(test, feature = "std"))]
type SubKernel = unsafe fn(SgdStep, Product, Operand, Operand, *mut f32, usize);

/// The implementations of one product, one per family.
#[derive(Clone, Copy)]
struct Family {
    portable: Kernel,
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    avx2: Kernel,
    #[cfg_attr(not(all(target_arch = "x86_64", feature = "std")), allow(dead_code))]
    avx512: Kernel,
}

/// Runs product `p` on the running family's implementation ([`kernels`]),
/// after the cases with nothing to sum.
///
/// # Safety
/// As [`gemm_nt`] or [`gemm_nn`], whichever `family` implements.
unsafe fn dispatch(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize, family: Family) {
    if p.m == 0 || p.n == 0 {
        return;
    }
    if p.k == 0 {
        // c = beta · c.
        for i in 0..p.m {
            // SAFETY: the caller's contract covers row `i` of `c`.
            let row = unsafe { core::slice::from_raw_parts_mut(c.add(i * ldc), p.n) };
            if p.beta == 0.0 {
                row.fill(0.0);
            } else {
                row.iter_mut().for_each(|v| *v *= p.beta);
            }
        }
        return;
    }
    let run = match kernels() {
        Kernels::Avx512 => family.avx512,
        Kernels::Avx2 => family.avx2,
        _ => family.portable,
    };
    // SAFETY: the caller's contract, and the processor runs the family
    // selected (`select_kernels` checked it).
    unsafe { run(p, a, b, c, ldc) }
}

/// `c[i·ldc + j] = alpha · Σ_p a(i, p) · b(p, j) + beta · c[i·ldc + j]` with
/// `a`'s rows and `b`'s columns contiguous (`a.cs == 1`, `b.rs == 1`): samples
/// times each unit's weights, both read along the shared dimension.
///
/// # Safety
/// `a` is valid for reads of `k` elements from each row start `i * a.rs`
/// (`i < m`), `b` of `k` elements from each column start `j * b.cs` (`j < n`),
/// and `c` for reads and writes at each `i * ldc + j`, which no other thread
/// touches meanwhile and which overlap neither operand.
pub unsafe fn gemm_nt(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    debug_assert!(
        a.cs == 1 && b.rs == 1,
        "gemm_nt reads rows of a and columns of b"
    );
    #[cfg(target_arch = "x86_64")]
    let avx2: Kernel = avx2::gemm_nt;
    #[cfg(not(target_arch = "x86_64"))]
    let avx2: Kernel = portable::gemm_nt;
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    let avx512: Kernel = avx512::gemm_nt;
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    let avx512: Kernel = avx2;
    let family = Family {
        portable: portable::gemm_nt,
        avx2,
        avx512,
    };
    // SAFETY: the caller's contract.
    unsafe { dispatch(p, a, b, c, ldc, family) }
}

/// `c[i·ldc + j] = alpha · Σ_p a(i, p) · b(p, j) + beta · c[i·ldc + j]` with
/// `a` at any strides and `b`'s rows contiguous (`b.cs == 1`): the kernel's
/// gradient (`deltaᵀ · x`) and the layer input's (`delta · kernelᵀ`).
///
/// # Safety
/// `a` is valid for reads at each `i * a.rs + p * a.cs`, `b` of `n` elements
/// from each row start `p * b.rs`, and `c` for reads and writes of `n`
/// elements from each `i * ldc`, which no other thread touches meanwhile and
/// which overlap neither operand.
pub unsafe fn gemm_nn(p: Product, a: Operand, b: Operand, c: *mut f32, ldc: usize) {
    debug_assert!(b.cs == 1, "gemm_nn reads rows of b");
    #[cfg(target_arch = "x86_64")]
    let avx2: Kernel = avx2::gemm_nn;
    #[cfg(not(target_arch = "x86_64"))]
    let avx2: Kernel = portable::gemm_nn;
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    let avx512: Kernel = avx512::gemm_nn;
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    let avx512: Kernel = avx2;
    let family = Family {
        portable: portable::gemm_nn,
        avx2,
        avx512,
    };
    // SAFETY: the caller's contract.
    unsafe { dispatch(p, a, b, c, ldc, family) }
}

/// Products no deeper than this sum each output element in one pass (a
/// deeper one is cut into blocks of this depth, whose partial sums are added
/// to the output one after another). Measured on the book's model (784
/// inputs): one block over the whole depth beats blocks of 256 (fewer partial
/// sums to reduce and write back), so only wider layers are cut.
pub const ONE_PASS_DEPTH: usize = 1024;

/// `c[i·ldc + j] -= rate · Σ_p a(i, p) · b(p, j)` with `b`'s rows contiguous:
/// the plain SGD step `step` ([`SgdStep::apply`], here in the product's
/// epilogue) folded into the product of its gradient (`deltaᵀ · x`),
/// whose sums then go from registers to the weights and never to memory.
/// Each sum is complete before it is scaled and subtracted, so the weights
/// come out bit for bit as [`gemm_nn`] into a buffer `g` followed by
/// `c -= g · rate` would leave them.
///
/// # Safety
/// As [`gemm_nn`], and `p.k <= ONE_PASS_DEPTH` (`p.alpha` and `p.beta` are
/// not read).
pub unsafe fn gemm_nn_sub(
    step: SgdStep,
    p: Product,
    a: Operand,
    b: Operand,
    c: *mut f32,
    ldc: usize,
) {
    debug_assert!(b.cs == 1, "gemm_nn_sub reads rows of b");
    assert!(
        p.k <= ONE_PASS_DEPTH,
        "gemm_nn_sub: a depth of {} exceeds {ONE_PASS_DEPTH}",
        p.k
    );
    if p.m == 0 || p.n == 0 || p.k == 0 {
        return;
    }
    // SAFETY (each arm): the caller's contract, and the processor runs the
    // family selected.
    match kernels() {
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        Kernels::Avx512 => unsafe { avx512::gemm_nn_sub(step, p, a, b, c, ldc) },
        #[cfg(target_arch = "x86_64")]
        Kernels::Avx2 => unsafe { avx2::gemm_nn_sub(step, p, a, b, c, ldc) },
        _ => unsafe { portable::gemm_nn_sub(step, p, a, b, c, ldc) },
    }
}

/// `out[u] += Σ_i kernel[u * inputs + i] * x[i]` for every unit `u`: one
/// sample through a Dense kernel stored column-major `inputs x units`.
///
/// # Panics
/// If `kernel` does not hold `inputs * out.len()` values or `x` `inputs`
/// (the typed layers always pass matching sizes).
#[inline]
pub fn gemv_t(kernel: &[f32], inputs: usize, x: &[f32], out: &mut [f32]) {
    assert!(
        kernel.len() == inputs * out.len() && x.len() == inputs,
        "gemv_t: a {}-value kernel, {} inputs and {} outputs do not match",
        kernel.len(),
        x.len(),
        out.len()
    );
    let product = Product::new(1, out.len(), inputs).accumulate();
    // SAFETY: the sizes were just checked; `out` is borrowed exclusively.
    unsafe {
        gemm_nt(
            product,
            Operand::row_major(x, inputs),
            Operand::col_major(kernel, inputs),
            out.as_mut_ptr(),
            out.len(),
        )
    }
}

/// Asks the processor to bring `value` into its caches, without waiting
/// for it (x86-64; elsewhere, nothing).
#[inline]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T1, _mm_prefetch};
        let start = core::ptr::from_ref(value).cast::<i8>();
        for offset in (0..core::mem::size_of::<T>()).step_by(64) {
            // SAFETY: a prefetch never faults, and `offset` stays within
            // `value`.
            unsafe { _mm_prefetch::<_MM_HINT_T1>(start.add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// True if every value is finite: `v * 0` is 0 for finite `v` and NaN
/// otherwise. Thirty-two independent lanes (four AVX registers where the
/// processor has them) keep the adds from waiting on one another, so the
/// check runs at the speed of the loads.
pub fn all_finite(values: &[f32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if simd() {
        #[target_feature(enable = "avx2,fma")]
        fn avx2(values: &[f32]) -> bool {
            all_finite_lanes(values)
        }
        // SAFETY: the processor has AVX2 and FMA.
        return unsafe { avx2(values) };
    }
    all_finite_lanes(values)
}

/// [`all_finite`]'s body, for the compiler to vectorise at each target.
#[inline(always)]
fn all_finite_lanes(values: &[f32]) -> bool {
    let mut lanes = [0.0_f32; 32];
    let (chunks, rest) = values.as_chunks::<32>();
    for c in chunks {
        for (l, v) in lanes.iter_mut().zip(c) {
            *l += v * 0.0;
        }
    }
    for v in rest {
        lanes[0] += v * 0.0;
    }
    lanes.iter().all(|l| *l == 0.0)
}

/// The largest magnitude among `values` (0 for none), or NaN if any is NaN:
/// the magnitudes are compared as integers, where NaN sorts above infinity
/// (and an integer maximum, being exact in any order, vectorises as is).
/// On AVX2 where present.
pub fn max_abs(values: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if simd() {
        #[target_feature(enable = "avx2,fma")]
        fn avx2(values: &[f32]) -> f32 {
            max_abs_plain(values)
        }
        // SAFETY: the processor has AVX2 and FMA.
        return unsafe { avx2(values) };
    }
    max_abs_plain(values)
}

/// [`max_abs`]'s body, for the compiler to vectorise at each target.
#[inline(always)]
fn max_abs_plain(values: &[f32]) -> f32 {
    let max = values
        .iter()
        .map(|v| v.to_bits() & 0x7fff_ffff)
        .fold(0, u32::max);
    f32::from_bits(max)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn all_finite_finds_any_nan_or_infinity() {
        // Two full chunks of 32 and a remainder; the dispatched and the
        // portable versions.
        let mut v = vec![1e30_f32; 77];
        assert!(all_finite(&v) && all_finite_lanes(&v));
        for i in [0, 8, 31, 32, 63, 64, 70, 76] {
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                v[i] = bad;
                assert!(!all_finite(&v), "{i} {bad}");
                assert!(!all_finite_lanes(&v), "{i} {bad}");
                v[i] = -1e30;
            }
        }
        assert!(all_finite(&v[..0]));
    }

    #[test]
    fn max_abs_finds_the_largest_magnitude_and_any_nan() {
        assert_eq!(max_abs(&[]), 0.0);
        let mut v: Vec<f32> = (0..77).map(|i| (i as f32 - 40.0) / 8.0).collect();
        assert_eq!(max_abs(&v), 5.0);
        assert_eq!(max_abs_plain(&v), 5.0);
        for i in [0, 31, 32, 76] {
            v[i] = -7.5;
            assert_eq!(max_abs(&v), 7.5);
            v[i] = f32::NEG_INFINITY;
            assert_eq!(max_abs(&v), f32::INFINITY);
            v[i] = f32::NAN;
            assert!(max_abs(&v).is_nan() && max_abs_plain(&v).is_nan());
            v[i] = 0.0;
        }
    }

    /// Deterministic values in [-1, 1].
    fn values(len: usize, salt: usize) -> Vec<f32> {
        (0..len)
            .map(|i| (((i * 37 + salt * 11) % 101) as f32 - 50.0) / 50.0)
            .collect()
    }

    #[test]
    fn gemv_matches_a_plain_loop() {
        for inputs in [1, 7, 8, 9, 100, 784] {
            for units in [1, 5, 8, 13] {
                let k = values(inputs * units, 1);
                let x = values(inputs, 2);
                let mut out = vec![0.25_f32; units];
                gemv_t(&k, inputs, &x, &mut out);
                for u in 0..units {
                    let want: f64 = 0.25
                        + (0..inputs)
                            .map(|i| k[u * inputs + i] as f64 * x[i] as f64)
                            .sum::<f64>();
                    assert!(
                        (out[u] as f64 - want).abs() < 1e-4,
                        "inputs {inputs} unit {u}: {} vs {want}",
                        out[u]
                    );
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "gemv_t: a 6-value kernel, 2 inputs and 2 outputs do not match")]
    fn gemv_rejects_mismatched_sizes() {
        gemv_t(&[0.0; 6], 3, &[0.0; 2], &mut [0.0; 2]);
    }

    /// Which implementations to check: every family this processor runs.
    fn implementations() -> Vec<&'static str> {
        Kernels::families().map(Kernels::name).collect()
    }

    /// The `gemm_nt` and `gemm_nn` of family `name`.
    fn products(name: &str) -> (Kernel, Kernel) {
        match name {
            #[cfg(target_arch = "x86_64")]
            "avx2" => (avx2::gemm_nt, avx2::gemm_nn),
            #[cfg(target_arch = "x86_64")]
            "avx512" => (avx512::gemm_nt, avx512::gemm_nn),
            _ => (portable::gemm_nt, portable::gemm_nn),
        }
    }

    /// The `gemm_nn_sub` of family `name`.
    fn folded(name: &str) -> SubKernel {
        match name {
            #[cfg(target_arch = "x86_64")]
            "avx2" => avx2::gemm_nn_sub,
            #[cfg(target_arch = "x86_64")]
            "avx512" => avx512::gemm_nn_sub,
            _ => portable::gemm_nn_sub,
        }
    }

    /// Checks `gemm_nt` and `gemm_nn` against an f64 reference for one shape.
    fn check(m: usize, n: usize, k: usize, alpha: f32, beta: f32, pad: usize) {
        let (lda, ldb, ldc) = (k + pad, k + 2 * pad, n + pad);
        let a = values(m * lda, 3);
        let bt = values(n * ldb, 4);
        // With beta 0 the output must not be read: start it at NaN (its
        // padding finite, to catch writes there).
        let c0: Vec<f32> = values(m * ldc, 5)
            .into_iter()
            .enumerate()
            .map(|(at, v)| {
                if beta == 0.0 && at % ldc < n {
                    f32::NAN
                } else {
                    v
                }
            })
            .collect();
        // The same `a`, read column by column (strides 1, m + pad) for nn.
        let (ars, acs) = (1, m + pad);
        let a_cm = values(acs * k, 6);
        let ldb_nn = n + pad;
        let b_nn = values(k * ldb_nn, 7);
        let product = Product {
            m,
            n,
            k,
            alpha,
            beta,
        };
        let nt = (Operand::row_major(&a, lda), Operand::col_major(&bt, ldb));
        let nn = (
            Operand {
                ptr: a_cm.as_ptr(),
                rs: ars,
                cs: acs,
            },
            Operand::row_major(&b_nn, ldb_nn),
        );
        for imp in implementations() {
            let mut c = c0.clone();
            let mut d = c0.clone();
            let (f_nt, f_nn) = products(imp);
            // SAFETY: every buffer is sized for its strides above, and
            // `implementations` checked the processor.
            unsafe {
                f_nt(product, nt.0, nt.1, c.as_mut_ptr(), ldc);
                f_nn(product, nn.0, nn.1, d.as_mut_ptr(), ldc);
            }
            for i in 0..m {
                for j in 0..ldc {
                    let at = i * ldc + j;
                    if j >= n {
                        assert_eq!(c[at], c0[at], "{imp} nt wrote padding at ({i}, {j})");
                        assert_eq!(d[at], c0[at], "{imp} nn wrote padding at ({i}, {j})");
                        continue;
                    }
                    let nt: f64 = (0..k)
                        .map(|p| a[i * lda + p] as f64 * bt[j * ldb + p] as f64)
                        .sum();
                    let nn: f64 = (0..k)
                        .map(|p| a_cm[i * ars + p * acs] as f64 * b_nn[p * ldb_nn + j] as f64)
                        .sum();
                    let tol = 1e-5 * (k as f64 + 1.0);
                    for (name, got, sum) in [("nt", c[at], nt), ("nn", d[at], nn)] {
                        let old = if beta == 0.0 {
                            0.0
                        } else {
                            beta as f64 * c0[at] as f64
                        };
                        let want = alpha as f64 * sum + old;
                        assert!(
                            (got as f64 - want).abs() <= tol,
                            "{imp} {name} m {m} n {n} k {k} beta {beta} at ({i}, {j}): {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn products_match_a_reference_on_edge_shapes() {
        for m in [1, 2, 3, 4, 5, 6, 7, 13] {
            for n in [1, 2, 3, 7, 8, 9, 16, 17, 33] {
                for k in [1, 7, 8, 9, 300] {
                    check(m, n, k, 1.0, 0.0, 0);
                    check(m, n, k, 1.0, 1.0, 3);
                }
            }
        }
    }

    #[test]
    fn products_block_the_shared_dimension() {
        // Longer than one block of the shared dimension (1024), with a tail,
        // and more rows than one block (60).
        check(5, 10, 2100, 1.0, 1.0, 1);
        check(130, 20, 1030, 0.5, 0.0, 0);
    }

    #[test]
    fn an_empty_sum_scales_the_output() {
        let mut c = [1.0_f32, 2.0, f32::NAN, 4.0];
        let none = Operand {
            ptr: [].as_ptr(),
            rs: 0,
            cs: 1,
        };
        let halve = Product {
            beta: 0.5,
            ..Product::new(2, 2, 0)
        };
        // SAFETY: a 2 x 2 output, no operand read since k = 0.
        unsafe { gemm_nt(halve, none, Operand { rs: 1, ..none }, c.as_mut_ptr(), 2) };
        assert_eq!(&c[..2], &[0.5, 1.0]);
        assert!(c[2].is_nan());
        // SAFETY: as above.
        unsafe { gemm_nn(Product::new(2, 2, 0), none, none, c.as_mut_ptr(), 2) };
        assert_eq!(c, [0.0; 4]);
    }

    /// Checks that `gemm_nn_sub` leaves `c` bit for bit as `gemm_nn` into a
    /// buffer followed by `c -= g * rate` does, on each implementation.
    fn check_sub(m: usize, n: usize, k: usize, pad: usize, rate: f32) {
        let (acs, ldb, ldc) = (m + pad, n + pad, n + pad);
        let a = values(acs * k, 8);
        let b = values(k * ldb, 9);
        let c0 = values(m * ldc, 10);
        let a_op = Operand {
            ptr: a.as_ptr(),
            rs: 1,
            cs: acs,
        };
        let b_op = Operand::row_major(&b, ldb);
        for imp in implementations() {
            let (nn, sub) = (products(imp).1, folded(imp));
            let mut g = vec![f32::NAN; m * ldc];
            let mut c = c0.clone();
            // SAFETY: every buffer is sized for its strides above, and
            // `implementations` checked the processor.
            unsafe {
                nn(Product::new(m, n, k), a_op, b_op, g.as_mut_ptr(), ldc);
                sub(
                    SgdStep { rate },
                    Product::new(m, n, k),
                    a_op,
                    b_op,
                    c.as_mut_ptr(),
                    ldc,
                );
            }
            for i in 0..m {
                for j in 0..ldc {
                    let at = i * ldc + j;
                    let want = if j < n { c0[at] - g[at] * rate } else { c0[at] };
                    assert_eq!(
                        c[at].to_bits(),
                        want.to_bits(),
                        "{imp} m {m} n {n} k {k} at ({i}, {j}): {} vs {want}",
                        c[at]
                    );
                }
            }
        }
    }

    #[test]
    fn a_folded_sgd_step_equals_the_product_then_the_step() {
        for m in [1, 5, 6, 7, 13] {
            for n in [1, 8, 9, 16, 17, 70, 130] {
                for k in [1, 8, 32, 1024] {
                    check_sub(m, n, k, 1, 0.01);
                }
            }
        }
        check_sub(61, 20, 32, 2, 1.5);
    }

    /// Runs `p` through both kernels from the same `c0` and checks that every
    /// output is the same, bit for bit.
    fn assert_same_bits(
        kernels: [Kernel; 2],
        p: Product,
        a: Operand,
        b: Operand,
        c0: &[f32],
        ldc: usize,
    ) {
        let [mut x, mut y] = [c0.to_vec(), c0.to_vec()];
        // SAFETY: the callers size the buffers for their strides and run
        // only where the processor has AVX-512F, AVX2 and FMA.
        unsafe {
            kernels[0](p, a, b, x.as_mut_ptr(), ldc);
            kernels[1](p, a, b, y.as_mut_ptr(), ldc);
        }
        let differ = x
            .iter()
            .zip(&y)
            .filter(|(x, y)| x.to_bits() != y.to_bits())
            .count();
        let Product {
            m,
            n,
            k,
            alpha,
            beta,
        } = p;
        assert_eq!(differ, 0, "m {m} n {n} k {k} alpha {alpha} beta {beta}");
    }

    /// The AVX-512 family's `gemm_nn` and `gemm_nn_sub` leave every output
    /// bit for bit as the AVX2 family's, for the factors the engine uses:
    /// results do not depend on which of the two the processor runs.
    #[test]
    fn the_avx512_family_sums_as_the_avx2_family() {
        if !Kernels::Avx512.available() {
            return;
        }
        let (_, avx2_nn) = products("avx2");
        let (_, avx512_nn) = products("avx512");
        let shapes = [
            (1, 1, 1),
            (32, 784, 32),
            (300, 784, 32),
            (32, 300, 100),
            (7, 70, 1030),
            (13, 130, 2100),
            (6, 64, 5),
            (5, 17, 33),
        ];
        for (m, n, k) in shapes {
            // `a` column-major (the delta of a kernel's gradient), `b` row-major
            // with padding.
            let (acs, ldb, ldc) = (m + 1, n + 3, n + 2);
            let a = Operand {
                ptr: core::ptr::null(),
                rs: 1,
                cs: acs,
            };
            let a_data = values(acs * k, 11);
            let b_data = values(k * ldb, 12);
            let a = Operand {
                ptr: a_data.as_ptr(),
                ..a
            };
            let b = Operand::row_major(&b_data, ldb);
            for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (-0.25, 1.0), (0.5, 0.0)] {
                let c0 = values(m * ldc, 13);
                let p = Product {
                    m,
                    n,
                    k,
                    alpha,
                    beta,
                };
                assert_same_bits([avx2_nn, avx512_nn], p, a, b, &c0, ldc);
                if k <= ONE_PASS_DEPTH {
                    let (mut x, mut y) = (c0.clone(), c0);
                    let step = SgdStep { rate: 0.01 };
                    // SAFETY: as above.
                    unsafe {
                        folded("avx2")(step, p, a, b, x.as_mut_ptr(), ldc);
                        folded("avx512")(step, p, a, b, y.as_mut_ptr(), ldc);
                    }
                    assert!(
                        x.iter().zip(&y).all(|(x, y)| x.to_bits() == y.to_bits()),
                        "folded m {m} n {n} k {k}"
                    );
                }
            }
        }
    }

    /// The AVX-512 family's `gemm_nt` (the forward pass) leaves every
    /// output bit for bit as the AVX2 tiles do: panels of 32 samples with a
    /// tail, tiles of 12 units with a tail, depths with a tail of the eight
    /// chains and past one block (1024), with and without the old `c`.
    #[test]
    fn the_avx512_forward_sums_as_the_avx2_tiles() {
        if !Kernels::Avx512.available() {
            return;
        }
        let (avx2_nt, _) = products("avx2");
        let (avx512_nt, _) = products("avx512");
        let shapes = [
            (16, 1, 1),
            (16, 12, 8),
            (17, 13, 9),
            (32, 300, 784),
            (33, 100, 300),
            (64, 10, 100),
            (70, 25, 5),
            (40, 7, 1030),
            (20, 30, 2100),
        ];
        for (m, n, k) in shapes {
            let (lda, ldb, ldc) = (k + 3, k + 1, n + 2);
            let a_data = values(m * lda, 14);
            let b_data = values(n * ldb, 15);
            let a = Operand::row_major(&a_data, lda);
            let b = Operand::col_major(&b_data, ldb);
            for (alpha, beta) in [(1.0, 1.0), (1.0, 0.0), (0.5, 0.0), (-0.25, 1.0)] {
                let c0 = values(m * ldc, 16);
                let p = Product {
                    m,
                    n,
                    k,
                    alpha,
                    beta,
                };
                assert_same_bits([avx2_nt, avx512_nt], p, a, b, &c0, ldc);
            }
        }
    }

    #[test]
    #[should_panic(expected = "gemm_nn_sub: a depth of 1025 exceeds 1024")]
    fn a_folded_step_is_one_pass_only() {
        let mut c = [0.0_f32];
        let zeros = [0.0_f32; 1025];
        // SAFETY: refused before anything is read.
        unsafe {
            gemm_nn_sub(
                SgdStep { rate: 0.1 },
                Product::new(1, 1, 1025),
                Operand::col_major(&zeros, 1),
                Operand::row_major(&zeros, 1),
                c.as_mut_ptr(),
                1,
            )
        };
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn products_match_a_reference(m in 1usize..20, n in 1usize..40, k in 1usize..600,
                                      beta in prop_oneof![Just(0.0f32), Just(1.0), Just(-0.5)],
                                      pad in 0usize..3) {
            check(m, n, k, 1.0, beta, pad);
        }
    }
}
