//! Int8 weights with one scale per output unit, as TensorFlow Lite quantises
//! a Dense kernel (symmetric, per channel): `scale[u] = max_i |w[i][u]| / 127`
//! and `q[i][u] = round(w[i][u] / scale[u])` in `[-127, 127]`. Biases stay
//! f32, and so do the activations (weight-only quantisation): a unit computes
//! `bias[u] + scale[u] * Σ q[i][u] · x[i]`, so flash holds a quarter of the
//! f32 kernel and the outputs stay within the rounding of the weights.
//!
//! `network! { #[weights("file.safetensors", quantize = "int8")] pub struct
//! Net { ... } }` bakes, beside `Net::WEIGHTS`, a second type `NetInt8` of
//! [`DenseI8`] layers with its own `WEIGHTS` and `predict_one`; it is
//! `no_std`, allocates nothing, and runs on any target (portable code).
//!
//! With a calibration sample, `#[weights("file.safetensors", quantize =
//! "int8", calibrate = "sample.safetensors")]`, the network is integer-only
//! instead (TensorFlow Lite's full-integer scheme): int8 weights and
//! activations, int32 accumulators, per-unit requantisation by a fixed-point
//! multiplier and shift ([`DenseQ`], [`Requant`]), activations by table
//! ([`LutQ`], [`SoftmaxQ`]) or, for PReLU, by one multiplier per side and
//! unit ([`PReluQ`]), and the activations' scales and zero points
//! ([`QuantParams`]) calibrated at bake time on the sample.
//!
//! For speed, the weight-only layers also run in integers, opt-in:
//! [`DenseI8::forward_one_u8`] quantises each sample's inputs to `u8` and
//! sums exactly in `i32` (VNNI where the processor has it);
//! `DenseI8::pack` re-lays the weights out once for VNNI (`PackedDenseI8`,
//! the same outputs, faster, and a batch path), and `Int8Batch` runs a
//! packed layer over many samples on threads.
//!
//! ```
//! use mlp_core::activation::Relu;
//! use mlp_core::quant::{DenseI8, quantize_unit};
//! use mlp_core::SVector;
//!
//! // Two units of three inputs, quantised per unit.
//! let (w0, w1) = ([0.4_f32, -1.0, 0.2], [0.01_f32, 0.03, -0.04]);
//! let (mut q0, mut q1) = ([0_i8; 3], [0_i8; 3]);
//! let s0 = quantize_unit(&w0, &mut q0);
//! let s1 = quantize_unit(&w1, &mut q1);
//! assert_eq!(q0, [51, -127, 25]); // 50.8, -127, 25.4 rounded
//! assert_eq!(q1, [32, 95, -127]); // 31.75, 95.25, -127 rounded
//! let layer = DenseI8::<3, 2, Relu>::from_parts([q0, q1], [s0, s1], [0.0, 1.0]);
//! let y = layer.forward_one(&SVector::from([1.0, 1.0, 1.0]));
//! assert_eq!(y[0], 0.0); // relu((51 - 127 + 25) / 127)
//! assert_eq!(y[1], 1.0); // 1 + s1 * (32 + 95 - 127)
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use crate::activation::Activation;
use crate::layer::Dense;
use core::marker::PhantomData;
use nalgebra::SVector;

#[cfg(feature = "std")]
mod batch;
mod dense_q;
mod lut;
#[cfg(feature = "alloc")]
mod packed;
mod params;
mod prelu_q;
mod requant;
mod softmax_q;

#[cfg(feature = "std")]
pub use batch::Int8Batch;
pub use dense_q::DenseQ;
pub use lut::LutQ;
#[cfg(feature = "alloc")]
pub use packed::PackedDenseI8;
pub use params::QuantParams;
pub use prelu_q::PReluQ;
pub use requant::Requant;
pub use softmax_q::SoftmaxQ;

/// Quantises one unit's weights into `q` (same length) and returns the scale
/// `max |w| / 127`; a unit of zeros gets scale 0 and zeros. Rounding is half
/// away from zero, as TensorFlow Lite's `std::round`.
pub fn quantize_unit(weights: &[f32], q: &mut [i8]) -> f32 {
    let max = weights.iter().fold(0.0_f32, |m, w| m.max(w.abs()));
    let scale = max / 127.0;
    for (q, w) in q.iter_mut().zip(weights) {
        *q = if scale > 0.0 {
            libm::roundf(w / scale).clamp(-127.0, 127.0) as i8
        } else {
            0
        };
    }
    scale
}

/// A Dense layer with int8 weights, one f32 scale per unit and f32 biases:
/// `IN` inputs, `OUT` units, activation `A`. `IN * OUT + 8 * OUT` bytes.
#[repr(C)]
pub struct DenseI8<const IN: usize, const OUT: usize, A> {
    kernel: [[i8; IN]; OUT],
    scale: [f32; OUT],
    bias: [f32; OUT],
    activation: PhantomData<A>,
}

impl<const IN: usize, const OUT: usize, A: Activation> DenseI8<IN, OUT, A> {
    /// A layer from its quantised weights (one array of `IN` per unit), the
    /// scale of each unit and the biases. A `const fn`, for baking.
    pub const fn from_parts(kernel: [[i8; IN]; OUT], scale: [f32; OUT], bias: [f32; OUT]) -> Self {
        Self {
            kernel,
            scale,
            bias,
            activation: PhantomData,
        }
    }

    /// The quantised weights, one array of `IN` per unit.
    pub fn kernel(&self) -> &[[i8; IN]; OUT] {
        &self.kernel
    }

    /// The scale of each unit: its weight `i` is `kernel[u][i] * scale[u]`.
    pub fn scales(&self) -> &[f32; OUT] {
        &self.scale
    }

    /// The biases (f32).
    pub fn bias(&self) -> &[f32; OUT] {
        &self.bias
    }

    /// The weight of input `i` in unit `u`, dequantised.
    pub fn weight(&self, i: usize, u: usize) -> f32 {
        f32::from(self.kernel[u][i]) * self.scale[u]
    }

    /// One sample through the layer: `A(bias + scale * (q · x))`.
    pub fn forward_one(&self, x: &SVector<f32, IN>) -> SVector<f32, OUT> {
        let x = x.as_slice();
        let mut z = SVector::<f32, OUT>::zeros();
        for (((z, q), s), b) in z
            .iter_mut()
            .zip(&self.kernel)
            .zip(&self.scale)
            .zip(&self.bias)
        {
            *z = b + s * dot(q, x);
        }
        A::forward(z.as_mut_slice());
        z
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> DenseI8<IN, OUT, A> {
    /// A trained [`Dense`] layer quantised per unit, as the bake quantises
    /// a weights file ([`quantize_unit`]): at run time, for the int8 path
    /// without a baked file.
    pub fn quantize(dense: &Dense<IN, OUT, A>) -> Self {
        let mut kernel = [[0_i8; IN]; OUT];
        let mut scale = [0.0_f32; OUT];
        let weights = dense.kernel().as_slice();
        for (u, (q, s)) in kernel.iter_mut().zip(&mut scale).enumerate() {
            *s = quantize_unit(&weights[u * IN..(u + 1) * IN], q);
        }
        let mut bias = [0.0_f32; OUT];
        bias.copy_from_slice(dense.bias().as_slice());
        Self::from_parts(kernel, scale, bias)
    }

    /// One sample in integer arithmetic (opt-in, for speed): the input
    /// quantised to `u8` with its own scale and zero point
    /// (`kernels::quantize_u8`), each unit's `Σ q · x` summed exactly in
    /// `i32` (VNNI's `vpdpbusd` where the processor has it), then
    /// `A(bias + scale · x_scale · (Σ q · x − zero · Σ q))`. It differs from
    /// [`DenseI8::forward_one`] by the rounding of the input to 256 levels.
    /// [`DenseI8::pack`] gives the same outputs faster, from weights
    /// re-laid out once for VNNI ([`PackedDenseI8`]).
    pub fn forward_one_u8(&self, x: &SVector<f32, IN>) -> SVector<f32, OUT> {
        let mut xq = [0_u8; IN];
        let (x_scale, zero) = crate::kernels::quantize_u8(x.as_slice(), &mut xq);
        let mut sums = [0_i32; OUT];
        crate::kernels::gemv_u8i8(self.kernel.as_flattened(), IN, &xq, &mut sums);
        let mut z = SVector::<f32, OUT>::zeros();
        dequantize::<A>(
            &sums,
            |u| self.kernel[u].iter().map(|q| i32::from(*q)).sum(),
            &self.scale,
            &self.bias,
            (x_scale, zero),
            z.as_mut_slice(),
        );
        z
    }
}

/// The f32 outputs of the integer path from each unit's exact sum
/// `Σ q · x_q`, the sum of its weights (`row_sum(u)`, read only where the
/// input's zero point is not 0) and the input's `(scale, zero point)`:
/// `A(bias + scale · x_scale · (sum − zero · Σ q))`. The one description
/// of it that [`DenseI8::forward_one_u8`] and [`PackedDenseI8`] share, so
/// that the two give the same outputs bit for bit.
#[inline]
pub(crate) fn dequantize<A: Activation>(
    sums: &[i32],
    row_sum: impl Fn(usize) -> i32,
    scale: &[f32],
    bias: &[f32],
    (x_scale, zero): (f32, i32),
    out: &mut [f32],
) {
    for (u, (((z, s), scale), bias)) in out.iter_mut().zip(sums).zip(scale).zip(bias).enumerate() {
        let offset = if zero == 0 { 0 } else { zero * row_sum(u) };
        *z = bias + scale * (x_scale * (s - offset) as f32);
    }
    A::forward(out);
}

/// `Σ q[i] · x[i]` with eight independent sums (which the compiler
/// vectorises without reassociating anything itself).
#[inline]
fn dot(q: &[i8], x: &[f32]) -> f32 {
    const L: usize = 8;
    let mut acc = [0.0_f32; L];
    let (qc, qr) = q.as_chunks::<L>();
    let (xc, xr) = x.as_chunks::<L>();
    for (q, x) in qc.iter().zip(xc) {
        for l in 0..L {
            acc[l] += f32::from(q[l]) * x[l];
        }
    }
    let mut sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (q, x) in qr.iter().zip(xr) {
        sum += f32::from(*q) * x;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Linear, Softmax};

    #[test]
    fn scales_follow_tflite_per_channel() {
        let w = [0.3_f32, -0.6, 0.05, 0.6];
        let mut q = [0_i8; 4];
        let s = quantize_unit(&w, &mut q);
        assert_eq!(s, 0.6 / 127.0);
        // 0.3 / (0.6/127) = 63.5 rounds away from zero; 0.05 -> 10.58 -> 11.
        assert_eq!(q, [64, -127, 11, 127]);
        let mut z = [5_i8; 3];
        assert_eq!(quantize_unit(&[0.0; 3], &mut z), 0.0);
        assert_eq!(z, [0; 3]);
    }

    #[test]
    fn rounding_error_is_at_most_half_a_step() {
        let w: [f32; 37] = core::array::from_fn(|i| ((i * 7919) % 113) as f32 / 50.0 - 1.1);
        let mut q = [0_i8; 37];
        let s = quantize_unit(&w, &mut q);
        for (w, q) in w.iter().zip(q) {
            assert!(
                (w - f32::from(q) * s).abs() <= s / 2.0 * 1.0001,
                "{w} vs {q} * {s}"
            );
        }
    }

    #[test]
    fn forward_is_the_dequantised_dense_layer() {
        // 19 inputs: two chunks of 8 and a remainder of 3.
        let mut kernel = [[0_i8; 19]; 3];
        for (u, k) in kernel.iter_mut().enumerate() {
            for (i, q) in k.iter_mut().enumerate() {
                *q = ((i as i32 * 37 + u as i32 * 11) % 255 - 127) as i8;
            }
        }
        let scale = [0.01, 0.002, 0.03];
        let bias = [0.5, -0.25, 0.0];
        let layer = DenseI8::<19, 3, Linear>::from_parts(kernel, scale, bias);
        let x = SVector::<f32, 19>::from_fn(|i, _| (i as f32 - 9.0) / 7.0);
        let y = layer.forward_one(&x);
        for u in 0..3 {
            let expected: f64 = f64::from(bias[u])
                + (0..19)
                    .map(|i| f64::from(layer.weight(i, u)) * f64::from(x[i]))
                    .sum::<f64>();
            assert!(
                (f64::from(y[u]) - expected).abs() < 1e-5,
                "unit {u}: {} vs {expected}",
                y[u]
            );
        }
        let soft = DenseI8::<19, 3, Softmax>::from_parts(kernel, scale, bias).forward_one(&x);
        assert!((soft.sum() - 1.0).abs() < 1e-6);
    }
}
