//! The one-sample product `out += kernelᵀ · x`, where the kernel is stored
//! column-major `inputs x units` (each unit's weights contiguous).
//!
//! The portable version keeps eight partial sums per dot product so that the
//! compiler vectorises it without reassociating anything itself. On x86-64
//! with `std`, the same code is also compiled for AVX2 and picked at run time
//! when the processor has it (no `-C target-cpu` needed).
//!
//! ```
//! let kernel = [1.0_f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 3 inputs x 2 units
//! let mut out = [0.5_f32, 0.0];
//! mlp_core::kernels::gemv_t(&kernel, 3, &[1.0, 1.0, 1.0], &mut out);
//! assert_eq!(out, [6.5, 15.0]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

const LANES: usize = 8;

#[inline(always)]
fn dot(w: &[f32], x: &[f32]) -> f32 {
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

#[inline(always)]
fn gemv_t_body(kernel: &[f32], inputs: usize, x: &[f32], out: &mut [f32]) {
    for (o, w) in out.iter_mut().zip(kernel.chunks_exact(inputs)) {
        *o += dot(w, x);
    }
}

#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn gemv_t_avx2(kernel: &[f32], inputs: usize, x: &[f32], out: &mut [f32]) {
    gemv_t_body(kernel, inputs, x, out)
}

/// `out[u] += Σ_i kernel[u * inputs + i] * x[i]` for every unit `u`.
#[inline]
pub fn gemv_t(kernel: &[f32], inputs: usize, x: &[f32], out: &mut [f32]) {
    debug_assert_eq!(kernel.len(), inputs * out.len());
    debug_assert_eq!(x.len(), inputs);
    if inputs == 0 {
        return;
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2.
        unsafe { gemv_t_avx2(kernel, inputs, x, out) };
        return;
    }
    gemv_t_body(kernel, inputs, x, out)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn matches_a_plain_loop() {
        for inputs in [1, 7, 8, 9, 100, 784] {
            let units = 5;
            let k: Vec<f32> = (0..inputs * units)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
                .collect();
            let x: Vec<f32> = (0..inputs)
                .map(|i| ((i * 13 % 29) as f32 - 14.0) / 14.0)
                .collect();
            let mut out = [0.25_f32; 5];
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
