//! Requantisation by a fixed-point multiplier and a shift, as TensorFlow Lite
//! does it (`QuantizeMultiplier`, `MultiplyByQuantizedMultiplier` in
//! `tensorflow/lite/kernels/internal/common.h`): a real factor `m > 0` is
//! held as `multiplier / 2^31 * 2^shift` with `multiplier` in `[2^30, 2^31)`,
//! and an int32 accumulator is scaled by it with integer operations only
//! (one 32 x 32 -> 64-bit product, rounding to nearest).
//!
//! ```
//! use mlp_core::quant::Requant;
//!
//! let r = Requant::from_real(0.3);
//! assert_eq!((r.multiplier, r.shift), (1_288_490_189, -1)); // 0.6 * 2^31, 2^-1
//! assert_eq!(r.apply(100), 30);
//! assert_eq!(r.apply(-5), -2); // -1.5 rounds away from zero, as TFLite
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// A real factor as TensorFlow Lite's fixed-point multiplier and shift:
/// `multiplier / 2^31 * 2^shift`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Requant {
    /// The mantissa, in `[2^30, 2^31)` (0 for a factor of 0).
    pub multiplier: i32,
    /// The power of two: left if positive, right (rounding) if negative.
    pub shift: i32,
}

impl Requant {
    /// The factor 0.
    pub const ZERO: Self = Self {
        multiplier: 0,
        shift: 0,
    };

    /// TFLite's `QuantizeMultiplier` of `real` (`>= 0`): `frexp`, the
    /// mantissa rounded to 31 bits (half away from zero). A factor below
    /// `2^-32` becomes 0, as in TFLite. A `const fn`: baked networks compute
    /// their multipliers at compile time.
    pub const fn from_real(real: f64) -> Self {
        if real <= 0.0 || real.is_nan() {
            return Self::ZERO;
        }
        // frexp: real = q * 2^shift with q in [0.5, 1).
        let (mut q, mut shift) = (real, 0_i32);
        while q >= 1.0 {
            q /= 2.0;
            shift += 1;
        }
        while q < 0.5 {
            q *= 2.0;
            shift -= 1;
        }
        let scaled = q * 2_147_483_648.0;
        // Half away from zero (q > 0), without `f64::round` (not in core).
        let mut fixed = (scaled + 0.5) as i64;
        if fixed == 1 << 31 {
            fixed /= 2;
            shift += 1;
        }
        if shift < -31 {
            return Self::ZERO;
        }
        Self {
            multiplier: fixed as i32,
            shift,
        }
    }

    /// `acc * multiplier / 2^31 * 2^shift`, rounded: TFLite's
    /// `MultiplyByQuantizedMultiplier`, bit for bit (gemmlowp's rounding
    /// doubling high multiply, whose ties go up, then a rounding right shift,
    /// whose ties go away from zero; within half a unit plus `2^shift / 2`).
    #[inline]
    pub fn apply(self, acc: i32) -> i32 {
        let left = self.shift.max(0);
        let right = (-self.shift).max(0);
        rounding_divide_by_pot(
            saturating_rounding_doubling_high_mul(acc.wrapping_shl(left as u32), self.multiplier),
            right,
        )
    }
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`: the high 32 bits of
/// `2 a b`, rounded to nearest.
#[inline]
fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Division truncating toward zero, as C's.
    ((ab + nudge) / (1_i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent`, rounded to nearest,
/// ties away from zero.
#[inline]
fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    if exponent <= 0 {
        return x;
    }
    let mask = (1_i32 << exponent) - 1;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_match_tflite_quantize_multiplier() {
        // frexp(0.5) = (0.5, 0): 2^30.
        assert_eq!(
            Requant::from_real(0.5),
            Requant {
                multiplier: 1 << 30,
                shift: 0
            }
        );
        // 1.0 = 0.5 * 2^1.
        assert_eq!(
            Requant::from_real(1.0),
            Requant {
                multiplier: 1 << 30,
                shift: 1
            }
        );
        // A mantissa that rounds up to 2^31 moves to the next power.
        let r = Requant::from_real(1.0 - 1e-12);
        assert_eq!((r.multiplier, r.shift), (1 << 30, 1));
        assert_eq!(Requant::from_real(0.0), Requant::default());
        assert_eq!(Requant::from_real(1e-12), Requant::default());
        let r = Requant::from_real(3.0e-4);
        assert!((1 << 30..i32::MAX).contains(&r.multiplier));
        let back = f64::from(r.multiplier) / 2_147_483_648.0 * 2_f64.powi(r.shift);
        assert!((back - 3.0e-4).abs() < 3.0e-4 * 1e-9, "{back}");
    }

    #[test]
    fn apply_rounds_to_nearest_with_ties_away_from_zero() {
        // A factor of 0.5 is (2^30, 0): the high multiply alone rounds, and
        // its ties (x odd) go up, as gemmlowp's nudge makes them.
        let half = Requant::from_real(0.5);
        assert_eq!(
            [-3, -2, -1, 0, 1, 2, 3].map(|x| half.apply(x)),
            [-1, -1, 0, 0, 1, 1, 2]
        );
        // 0.3 is (0.6 * 2^31, -1): the shift rounds -1.5 away from zero.
        assert_eq!(Requant::from_real(0.3).apply(-5), -2);
        let r = Requant::from_real(0.0123);
        for acc in (-200_000..200_000).step_by(7) {
            let exact = f64::from(acc) * 0.0123;
            assert!(
                // Two roundings: half a unit and half of 2^shift (1/64 here).
                (f64::from(r.apply(acc)) - exact).abs() <= 0.5 + 1.0 / 128.0 + 1e-6,
                "{acc}"
            );
        }
        // A left shift (factor above 1).
        assert_eq!(Requant::from_real(3.0).apply(7), 21);
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
    }
}
