//! The affine int8 quantisation of an activation (TensorFlow Lite's
//! asymmetric scheme): `real = scale * (q - zero_point)`, `q` in `[-128, 127]`.
//! Used only at the edges of an integer network (its input and output);
//! everything between is integer.
//!
//! ```
//! use mlp_core::quant::QuantParams;
//!
//! // Pixels in [0, 1]: scale 1/255, zero point -128, so `pixel byte - 128`.
//! let p = QuantParams { scale: 1.0 / 255.0, zero_point: -128 };
//! assert_eq!(p.quantize(0.0), -128);
//! assert_eq!(p.quantize(1.0), 127);
//! assert_eq!(p.quantize(2.0), 127); // saturates
//! assert!((p.dequantize(0) - 128.0 / 255.0).abs() < 1e-7);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// `real = scale * (q - zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantParams {
    /// The real value of one step.
    pub scale: f32,
    /// The int8 value that stands for 0.
    pub zero_point: i32,
}

impl QuantParams {
    /// `x` quantised: `round(x / scale) + zero_point` (half away from zero),
    /// saturated to `[-128, 127]`.
    pub fn quantize(&self, x: f32) -> i8 {
        let q = libm::roundf(x / self.scale) + self.zero_point as f32;
        q.clamp(-128.0, 127.0) as i8
    }

    /// The real value of `q`.
    pub fn dequantize(&self, q: i8) -> f32 {
        self.scale * (i32::from(q) - self.zero_point) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_then_dequantize_is_within_half_a_step() {
        let p = QuantParams {
            scale: 0.05,
            zero_point: 10,
        };
        for i in -100..100 {
            let x = i as f32 * 0.031;
            let back = p.dequantize(p.quantize(x));
            assert!((back - x).abs() <= 0.025 + 1e-6, "{x} -> {back}");
        }
        assert_eq!(p.quantize(-1e9), -128);
        assert_eq!(p.quantize(f32::NAN), 0);
    }
}
