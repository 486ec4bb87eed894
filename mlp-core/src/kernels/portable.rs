//! The products of [`super`] in plain Rust, for every target: eight partial
//! sums per dot product and row-wise multiply-adds, shapes the compiler
//! vectorises without reassociating anything itself.

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
#[inline(always)]
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
    for i in 0..m {
        // SAFETY: row `i` of `a` and rows `j < n` of `b` hold `k` elements,
        // and `c` holds element `(i, j)` (caller's contract).
        unsafe {
            let x = core::slice::from_raw_parts(a.add(i * lda), k);
            for j in 0..n {
                let w = core::slice::from_raw_parts(b.add(j * ldb), k);
                blend(&mut *c.add(i * ldc + j), dot(w, x), alpha, beta);
            }
        }
    }
}

/// See [`super::gemm_nn`].
///
/// # Safety
/// As [`super::gemm_nn`].
#[inline(always)]
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
    for i in 0..m {
        // SAFETY: row `i` of `c` holds `n` elements, rows `p < k` of `b` hold
        // `n`, and `a` holds `(i, p)` (caller's contract).
        unsafe {
            let row = core::slice::from_raw_parts_mut(c.add(i * ldc), n);
            if beta == 0.0 {
                row.fill(0.0);
            } else if beta != 1.0 {
                row.iter_mut().for_each(|v| *v *= beta);
            }
            for p in 0..k {
                let s = alpha * *a.add(i * ars + p * acs);
                let b = core::slice::from_raw_parts(b.add(p * ldb), n);
                for (v, w) in row.iter_mut().zip(b) {
                    *v += s * w;
                }
            }
        }
    }
}
