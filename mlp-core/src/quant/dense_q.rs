//! An integer-only Dense layer (TensorFlow Lite's int8 fully connected
//! kernel): int8 weights symmetric per output channel, int8 activations with
//! a zero point, an int32 accumulator, and one fixed-point [`Requant`] per
//! unit. For unit `u`:
//!
//! ```text
//! acc  = bias[u] + Σ_i kernel[u][i] · x[i]                       (int32)
//! y[u] = clamp(output_zero_point + requant[u].apply(acc), min, max)
//! ```
//!
//! where the baked `bias[u] = round(b[u] / (s_in · s_w[u])) − z_in · Σ_i
//! kernel[u][i]` already holds the input's zero point, and `requant[u]` is
//! `s_in · s_w[u] / s_out`. A fused `relu` is the clamp's `min` (the output
//! zero point); any other activation follows as a [`LutQ`](super::LutQ) or
//! [`SoftmaxQ`](super::SoftmaxQ).
//!
//! ```
//! use mlp_core::quant::{DenseQ, Requant};
//!
//! // One unit, two inputs: y = 2 x0 - x1, all scales 1, zero points 0.
//! let layer = DenseQ::<2, 1>::from_parts(
//!     [[2, -1]], [0], [1.0], [Requant::from_real(1.0)], 0, 0, -128, 127,
//! );
//! assert_eq!(layer.forward(&[10, 5]), [15]);
//! assert_eq!(layer.forward(&[100, -100]), [127]); // saturated
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use super::Requant;

/// An integer-only Dense layer of `IN` inputs and `OUT` units (see the
/// module's docs for the arithmetic). `IN * OUT + 16 * OUT + 12` bytes.
#[repr(C)]
pub struct DenseQ<const IN: usize, const OUT: usize> {
    kernel: [[i8; IN]; OUT],
    bias: [i32; OUT],
    weight_scale: [f32; OUT],
    requant: [Requant; OUT],
    input_zero_point: i32,
    output_zero_point: i32,
    min: i8,
    max: i8,
}

impl<const IN: usize, const OUT: usize> DenseQ<IN, OUT> {
    /// A layer from its parts: the int8 weights (one array of `IN` per unit),
    /// the int32 biases with the input's zero point folded in, each unit's
    /// weight scale (kept for reference; the arithmetic uses `requant`), the
    /// requantisation of each unit, the zero points of the input and the
    /// output, and the clamp. A `const fn`, for baking.
    #[allow(clippy::too_many_arguments)]
    pub const fn from_parts(
        kernel: [[i8; IN]; OUT],
        bias: [i32; OUT],
        weight_scale: [f32; OUT],
        requant: [Requant; OUT],
        input_zero_point: i32,
        output_zero_point: i32,
        min: i8,
        max: i8,
    ) -> Self {
        Self {
            kernel,
            bias,
            weight_scale,
            requant,
            input_zero_point,
            output_zero_point,
            min,
            max,
        }
    }

    /// The int8 weights, one array of `IN` per unit (symmetric: no zero point).
    pub fn kernel(&self) -> &[[i8; IN]; OUT] {
        &self.kernel
    }

    /// The int32 biases, with `-input_zero_point * Σ kernel[u]` folded in.
    pub fn bias(&self) -> &[i32; OUT] {
        &self.bias
    }

    /// Each unit's weight scale: its real weight `i` is `kernel[u][i] * scale[u]`.
    pub fn weight_scales(&self) -> &[f32; OUT] {
        &self.weight_scale
    }

    /// Each unit's fixed-point multiplier and shift (`s_in · s_w[u] / s_out`).
    pub fn requant(&self) -> &[Requant; OUT] {
        &self.requant
    }

    /// The zero point of the input (already folded into [`Self::bias`]).
    pub fn input_zero_point(&self) -> i32 {
        self.input_zero_point
    }

    /// The zero point of the output.
    pub fn output_zero_point(&self) -> i32 {
        self.output_zero_point
    }

    /// The clamp of the output: `(min, max)`; a fused `relu` raises `min` to
    /// the output's zero point.
    pub fn clamp(&self) -> (i8, i8) {
        (self.min, self.max)
    }

    /// One sample through the layer, in integers only.
    #[inline]
    pub fn forward(&self, x: &[i8; IN]) -> [i8; OUT] {
        let mut y = [0_i8; OUT];
        for (((y, q), b), r) in y
            .iter_mut()
            .zip(&self.kernel)
            .zip(&self.bias)
            .zip(&self.requant)
        {
            let acc = b.wrapping_add(dot(q, x));
            let v = self.output_zero_point + r.apply(acc);
            *y = v.clamp(i32::from(self.min), i32::from(self.max)) as i8;
        }
        y
    }
}

/// `Σ q[i] · x[i]` in int32, four independent sums.
#[inline]
fn dot(q: &[i8], x: &[i8]) -> i32 {
    const L: usize = 4;
    let mut acc = [0_i32; L];
    let (qc, qr) = q.as_chunks::<L>();
    let (xc, xr) = x.as_chunks::<L>();
    for (q, x) in qc.iter().zip(xc) {
        for l in 0..L {
            acc[l] += i32::from(q[l]) * i32::from(x[l]);
        }
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (q, x) in qr.iter().zip(xr) {
        sum += i32::from(*q) * i32::from(*x);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_is_the_integer_formula() {
        // 7 inputs (a chunk of 4 and a remainder of 3), 3 units.
        let kernel: [[i8; 7]; 3] =
            core::array::from_fn(|u| core::array::from_fn(|i| ((i * 37 + u * 11) % 255) as i8));
        let bias = [100, -2000, 0];
        let requant = [0.01, 0.002, 0.5].map(Requant::from_real);
        let layer =
            DenseQ::<7, 3>::from_parts(kernel, bias, [0.0; 3], requant, -128, -5, -128, 127);
        let x: [i8; 7] = core::array::from_fn(|i| (i as i32 * 30 - 90) as i8);
        let y = layer.forward(&x);
        for u in 0..3 {
            let acc: i64 = i64::from(bias[u])
                + (0..7)
                    .map(|i| i64::from(kernel[u][i]) * i64::from(x[i]))
                    .sum::<i64>();
            // The requantisation rounds twice (see `Requant::apply`): within
            // one unit of the rounded real product.
            let real = [0.01, 0.002, 0.5][u] * acc as f64;
            let expected = (-5 + real.round() as i64).clamp(-128, 127);
            assert!(
                (i64::from(y[u]) - expected).abs() <= 1,
                "unit {u}: acc {acc}: {} vs {expected}",
                y[u]
            );
        }
        assert_eq!(layer.input_zero_point(), -128);
        assert_eq!(layer.clamp(), (-128, 127));
    }

    #[test]
    fn a_fused_relu_is_the_clamp() {
        let layer = DenseQ::<1, 2>::from_parts(
            [[1], [-1]],
            [0, 0],
            [1.0; 2],
            [Requant::from_real(1.0); 2],
            0,
            -128,
            -128,
            127,
        );
        // Unit 0: -128 + 50; unit 1: -128 - 50, clamped at the zero point.
        assert_eq!(layer.forward(&[50]), [-78, -128]);
    }
}
