//! A PReLU layer in integers (TensorFlow Lite's int8 `PRELU` kernel,
//! `reference_ops::BroadcastPrelu4DSlow`): int8 in, int8 out, one learned
//! slope `alpha[u]` per unit. For unit `u`, with `v = x[u] − z_in`:
//!
//! ```text
//! y[u] = clamp(z_out + positive.apply(v),    -128, 127)   if v >= 0
//! y[u] = clamp(z_out + negative[u].apply(v), -128, 127)   otherwise
//! ```
//!
//! where `positive` is the fixed-point [`Requant`] of `s_in / s_out` and
//! `negative[u]` that of `alpha[u] · s_in / s_out` (of either sign: see
//! [`PReluQ::slope`]). TFLite quantises the slopes to int8 and multiplies
//! `v` by them; here each unit's slope is folded into its own multiplier
//! instead, which is exact to 31 bits and costs 8 bytes a unit (a table per
//! unit, as [`LutQ`](super::LutQ), would cost 256).
//!
//! ```
//! use mlp_core::quant::{PReluQ, QuantParams};
//!
//! // Input and output in steps of 0.1 around 0; slopes 0.5 and -1.
//! let q = QuantParams { scale: 0.1, zero_point: 0 };
//! let layer = PReluQ::<2>::new(&[0.5, -1.0], q, q);
//! assert_eq!(layer.forward(&[40, 40]), [40, 40]); // x >= 0: y = x
//! assert_eq!(layer.forward(&[-40, -40]), [-20, 40]); // 0.5 x, -x
//! assert_eq!(layer.forward(&[-128, -128]), [-64, 127]); // saturated
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use super::{QuantParams, Requant};

/// A PReLU layer on `N` int8 values (see the module's docs for the
/// arithmetic). `8 * N + 16` bytes.
#[repr(C)]
pub struct PReluQ<const N: usize> {
    positive: Requant,
    negative: [Requant; N],
    input_zero_point: i32,
    output_zero_point: i32,
}

impl<const N: usize> PReluQ<N> {
    /// A layer from its parts: the requantisation of the positive side
    /// (`s_in / s_out`), that of each unit's negative side (`alpha[u] ·
    /// s_in / s_out`, by [`Self::slope`]), and the zero points of the input
    /// and the output. A `const fn`.
    pub const fn from_parts(
        positive: Requant,
        negative: [Requant; N],
        input_zero_point: i32,
        output_zero_point: i32,
    ) -> Self {
        Self {
            positive,
            negative,
            input_zero_point,
            output_zero_point,
        }
    }

    /// A layer from its slopes and the quantisation of its input and
    /// output, the multipliers computed in f64. A `const fn`: the macro's
    /// integer-only bake writes this call.
    pub const fn new(alpha: &[f32; N], input: QuantParams, output: QuantParams) -> Self {
        let ratio = input.scale as f64 / output.scale as f64;
        let mut negative = [Requant::ZERO; N];
        let mut u = 0;
        while u < N {
            negative[u] = Self::slope(alpha[u] as f64 * ratio);
            u += 1;
        }
        Self::from_parts(
            Requant::from_real(ratio),
            negative,
            input.zero_point,
            output.zero_point,
        )
    }

    /// The requantisation of a real factor of either sign: TFLite's
    /// `QuantizeMultiplier`, whose multiplier takes the factor's sign
    /// (`−Requant::from_real(−real)` for a negative one; rounding is
    /// symmetric, as `frexp` and `TfLiteRound` are). A `const fn`.
    pub const fn slope(real: f64) -> Requant {
        if real >= 0.0 {
            return Requant::from_real(real);
        }
        let r = Requant::from_real(-real);
        Requant {
            multiplier: -r.multiplier,
            shift: r.shift,
        }
    }

    /// The requantisation of the positive side, `s_in / s_out`.
    pub fn positive(&self) -> Requant {
        self.positive
    }

    /// The requantisation of each unit's negative side, `alpha[u] · s_in /
    /// s_out`.
    pub fn negative(&self) -> &[Requant; N] {
        &self.negative
    }

    /// The zero points of the input and the output.
    pub fn zero_points(&self) -> (i32, i32) {
        (self.input_zero_point, self.output_zero_point)
    }

    /// One sample through the layer, in integers only.
    #[inline]
    pub fn forward(&self, x: &[i8; N]) -> [i8; N] {
        let mut y = [0_i8; N];
        for ((y, &x), negative) in y.iter_mut().zip(x).zip(&self.negative) {
            let v = i32::from(x) - self.input_zero_point;
            let r = if v >= 0 { self.positive } else { *negative };
            *y = (self.output_zero_point + r.apply(v)).clamp(-128, 127) as i8;
        }
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every int8 input through a layer against PReLU in f64, quantised:
    /// within one output step (the requantisation rounds twice).
    fn check(alpha: [f32; 5], input: QuantParams, output: QuantParams) {
        let layer = PReluQ::<5>::new(&alpha, input, output);
        for q in -128..=127_i8 {
            let y = layer.forward(&[q; 5]);
            for (u, (&y, &a)) in y.iter().zip(&alpha).enumerate() {
                let x = f64::from(input.scale) * f64::from(i32::from(q) - input.zero_point);
                let real = if x >= 0.0 { x } else { f64::from(a) * x };
                let expected = ((real / f64::from(output.scale)).round()
                    + f64::from(output.zero_point))
                .clamp(-128.0, 127.0);
                assert!(
                    (f64::from(y) - expected).abs() <= 1.0,
                    "unit {u} (alpha {a}), input {q}: {y} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn forward_is_prelu_within_one_step() {
        // Slopes of both signs, 0, above 1 (a left shift), tiny (rounds to 0).
        let alpha = [0.25, -0.3, 0.0, 1.7, 1e-12];
        let input = QuantParams {
            scale: 0.037,
            zero_point: 21,
        };
        let output = QuantParams {
            scale: 0.029,
            zero_point: -100,
        };
        check(alpha, input, output);
        // A coarser output (a right shift), the input's zero point at the end.
        let input = QuantParams {
            scale: 0.01,
            zero_point: 127,
        };
        let output = QuantParams {
            scale: 0.05,
            zero_point: 60,
        };
        check(alpha, input, output);
    }

    #[test]
    fn negative_slopes_mirror_positive_ones() {
        let (p, n) = (PReluQ::<1>::slope(0.3), PReluQ::<1>::slope(-0.3));
        assert_eq!((n.multiplier, n.shift), (-p.multiplier, p.shift));
        assert_eq!(PReluQ::<1>::slope(0.0), Requant::ZERO);
        for v in -255..0 {
            assert_eq!(n.apply(v), -p.apply(v), "{v}");
        }
    }

    #[test]
    fn the_parts_are_kept() {
        let q = QuantParams {
            scale: 0.5,
            zero_point: -3,
        };
        let out = QuantParams {
            scale: 0.25,
            zero_point: 4,
        };
        let layer = PReluQ::<2>::new(&[0.5, -2.0], q, out);
        assert_eq!(layer.positive(), Requant::from_real(2.0));
        assert_eq!(layer.negative()[0], Requant::from_real(1.0));
        assert_eq!(layer.negative()[1], PReluQ::<2>::slope(-4.0));
        assert_eq!(layer.zero_points(), (-3, 4));
        // x = 0.5 * (7 + 3) = 5 -> 20 steps + 4; x = 0.5 * (-7 + 3) = -2:
        // 0.5 * -2 = -1 -> -4 + 4 = 0; -2 * -2 = 4 -> 16 + 4 = 20.
        assert_eq!(layer.forward(&[7, -7]), [24, 20]);
        assert_eq!(layer.forward(&[-7, 7]), [0, 24]);
        assert_eq!(core::mem::size_of::<PReluQ<3>>(), 8 * 3 + 16);
    }
}
