//! Keras's activation functions of one value, with every option
//! `keras.activations` gives them (`relu(x, negative_slope, max_value,
//! threshold)`, `gelu(x, approximate)`, ...). The activation kinds call them
//! with Keras's defaults, and the `ReLU`, `LeakyReLU` and `ELU` layers with
//! their options; a NaN stays a NaN in every one.
//!
//! ```
//! use mlp_core::activation::functions::{gelu, relu};
//!
//! // keras.activations.relu(x, negative_slope=0.5, max_value=5.0, threshold=5.0)
//! let y: Vec<f32> = [-10.0, -5.0, 0.0, 5.0, 10.0].map(|x| relu(x, 0.5, 5.0, 5.0)).to_vec();
//! assert_eq!(y, [-7.5, -5.0, -2.5, 0.0, 5.0]);
//! // The tanh form: keras.activations.gelu(1.0, approximate=True).
//! assert!((gelu(1.0, true) - 0.841_192).abs() < 1e-6);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// `keras.activations.relu(x, negative_slope, max_value, threshold)`, in
/// Keras's order: `x` where `x > threshold` (else 0), then clipped to
/// `[0, max_value]` when there is a `max_value` (`f32::INFINITY` for Keras's
/// `None`), then `negative_slope * (threshold - x)` subtracted where
/// `x < threshold`. So with `max_value < threshold`, an `x` between them
/// gives `negative_slope * (x - threshold)`, not `max_value`.
#[inline]
pub fn relu(x: f32, negative_slope: f32, max_value: f32, threshold: f32) -> f32 {
    if x > threshold {
        // Keras clips only when a max_value is given: `[0, max_value]`, which
        // also zeroes an `x` in `(threshold, 0)` when the threshold is negative.
        if max_value < f32::INFINITY {
            x.clamp(0.0, max_value)
        } else {
            x
        }
    } else if x.is_nan() {
        x
    } else {
        negative_slope * (x - threshold)
    }
}

/// The derivative of [`relu`] at `x`: 1 above the threshold (0 where
/// clipped, `max_value` included), `negative_slope` up to it, the threshold
/// included.
#[inline]
pub fn relu_derivative(x: f32, negative_slope: f32, max_value: f32, threshold: f32) -> f32 {
    if x > threshold {
        let clipped = max_value < f32::INFINITY && (x <= 0.0 || x >= max_value);
        if clipped { 0.0 } else { 1.0 }
    } else {
        negative_slope
    }
}

/// `keras.activations.leaky_relu(x, negative_slope)` (default slope 0.2).
#[inline]
pub fn leaky_relu(x: f32, negative_slope: f32) -> f32 {
    if x < 0.0 { negative_slope * x } else { x }
}

/// `keras.activations.elu(x, alpha)` (default alpha 1).
#[inline]
pub fn elu(x: f32, alpha: f32) -> f32 {
    if x > 0.0 || x.is_nan() {
        x
    } else {
        alpha * libm::expm1f(x)
    }
}

/// `keras.activations.celu(x, alpha)`: `max(x, 0) + alpha * (exp(min(x, 0) /
/// alpha) - 1)` (default alpha 1).
#[inline]
pub fn celu(x: f32, alpha: f32) -> f32 {
    if x > 0.0 || x.is_nan() {
        x
    } else {
        alpha * libm::expm1f(x / alpha)
    }
}

/// `keras.activations.gelu(x, approximate)`: `x * Phi(x)` with the normal
/// distribution's `Phi` (erf), or its tanh approximation
/// `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))`.
#[inline]
pub fn gelu(x: f32, approximate: bool) -> f32 {
    if approximate {
        0.5 * x * (1.0 + libm::tanhf(GELU_SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x)))
    } else {
        0.5 * x * (1.0 + libm::erff(x * core::f32::consts::FRAC_1_SQRT_2))
    }
}

/// The derivative of [`gelu`] at `x`.
#[inline]
pub fn gelu_derivative(x: f32, approximate: bool) -> f32 {
    if approximate {
        let inner = GELU_SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
        let t = libm::tanhf(inner);
        let d_inner = GELU_SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * x * x);
        0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner
    } else {
        let cdf = 0.5 * (1.0 + libm::erff(x * core::f32::consts::FRAC_1_SQRT_2));
        let pdf = libm::expf(-0.5 * x * x) * 0.398_942_3;
        cdf + x * pdf
    }
}

/// `sqrt(2 / pi)`, in the tanh form of [`gelu`].
const GELU_SQRT_2_OVER_PI: f32 = 0.797_884_6;
/// The cubic coefficient of the tanh form of [`gelu`].
const GELU_CUBIC: f32 = 0.044_715;

/// `keras.activations.squareplus(x, b)`: `(x + sqrt(x^2 + b)) / 2` (default b 4).
#[inline]
pub fn squareplus(x: f32, b: f32) -> f32 {
    (x + libm::sqrtf(x * x + b)) / 2.0
}

/// `keras.activations.soft_shrink(x, threshold)`: `x - threshold` above it,
/// `x + threshold` below `-threshold`, else 0 (default threshold 0.5).
#[inline]
pub fn soft_shrink(x: f32, threshold: f32) -> f32 {
    if x.abs() <= threshold {
        0.0
    } else {
        x - threshold.copysign(x)
    }
}

/// `keras.activations.hard_shrink(x, threshold)`: `x` where `|x| > threshold`,
/// else 0 (default threshold 0.5).
#[inline]
pub fn hard_shrink(x: f32, threshold: f32) -> f32 {
    if x.abs() <= threshold { 0.0 } else { x }
}

/// `keras.activations.threshold(x, threshold, default_value)`: `x` where
/// `x > threshold`, else `default_value` (both required, as in Keras).
#[inline]
pub fn threshold(x: f32, threshold: f32, default_value: f32) -> f32 {
    if x <= threshold { default_value } else { x }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_close(got: &[f32], want: &[f32]) {
        for (g, w) in got.iter().zip(want) {
            // assertAllClose(rtol=1e-5), with Keras's default atol 1e-6.
            assert!(
                (g - w).abs() <= 1e-6 + 1e-5 * w.abs(),
                "{got:?} vs {want:?}"
            );
        }
    }

    const X: [f32; 5] = [-10.0, -5.0, 0.0, 5.0, 10.0];

    // keras/src/activations/activations_test.py, ActivationsTest.
    #[test]
    fn keras_relu_options() {
        let none = f32::INFINITY;
        // (negative_slope, max_value, threshold) and Keras's outputs on X.
        for (slope, max, threshold, want) in [
            // test_relu_negative_slope, test_relu_to_trigger_leaky
            (0.5, none, 0.0, [-5.0, -2.5, 0.0, 5.0, 10.0]),
            // test_relu_max_value
            (0.0, 5.0, 0.0, [0.0, 0.0, 0.0, 5.0, 5.0]),
            // test_relu_threshold
            (0.0, none, 5.0, [-0.0, -0.0, 0.0, 0.0, 10.0]),
            // test_relu_combined_threshold_and_max_value
            (0.0, 5.0, 5.0, [0.0, 0.0, 0.0, 0.0, 5.0]),
            // test_relu_combined_all_parameters
            (0.5, 5.0, 5.0, [-7.5, -5.0, -2.5, 0.0, 5.0]),
        ] {
            all_close(&X.map(|x| relu(x, slope, max, threshold)), &want);
        }
        // test_relu_to_trigger_relu6
        let x6 = [-10.0, -5.0, 0.0, 5.0, 10.0, 12.0];
        all_close(
            &x6.map(|x| relu(x, 0.0, 6.0, 0.0)),
            &[0.0, 0.0, 0.0, 5.0, 6.0, 6.0],
        );
    }

    #[test]
    fn relu_threshold_above_max_value_follows_keras_order() {
        // max_value 2 < threshold 5: x = 3 is not above the threshold, so it
        // is 0, clipped stays 0, minus 0.5 * (5 - 3): -1 (Keras), not 2.
        assert_eq!(relu(3.0, 0.5, 2.0, 5.0), -1.0);
        assert_eq!(relu(6.0, 0.5, 2.0, 5.0), 2.0);
        assert_eq!(relu_derivative(3.0, 0.5, 2.0, 5.0), 0.5);
        assert_eq!(relu_derivative(6.0, 0.5, 2.0, 5.0), 0.0);
        // A negative threshold (the function allows it, the layer does not):
        // with a max_value the clip to [0, max] zeroes (threshold, 0) ...
        assert_eq!(relu(-0.5, 0.1, 6.0, -1.0), 0.0);
        // ... and without one Keras keeps x there.
        assert_eq!(relu(-0.5, 0.1, f32::INFINITY, -1.0), -0.5);
        assert!(relu(f32::NAN, 0.1, 6.0, 1.0).is_nan());
    }

    #[test]
    fn keras_reference_formulas() {
        // The references of activations_test.py at fixed points (the tests draw
        // them at random): test_gelu (both forms), test_celu (alpha 1 and
        // 0.5), test_squareplus, test_soft_shrink, test_hard_shrink,
        // test_threshold, test_leaky_relu (0.01 and 0.3), test_elu.
        let points = [-2.5_f64, -0.7, -0.3, 0.0, 0.2, 0.45, 0.9, 1.7];
        for x in points {
            let xf = x as f32;
            let phi = 0.5 * (1.0 + libm::erf(x / core::f64::consts::SQRT_2));
            let tanh_form = 0.5
                * x
                * (1.0
                    + ((2.0 / core::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh());
            let celu_ref = |a: f64| x.max(0.0) + a * (x.min(0.0) / a).exp_m1();
            let cases = [
                (gelu(xf, false), x * phi),
                (gelu(xf, true), tanh_form),
                (celu(xf, 1.0), celu_ref(1.0)),
                (celu(xf, 0.5), celu_ref(0.5)),
                (squareplus(xf, 4.0), (x + (x * x + 4.0).sqrt()) / 2.0),
                (
                    soft_shrink(xf, 0.5),
                    if x > 0.5 {
                        x - 0.5
                    } else if x < -0.5 {
                        x + 0.5
                    } else {
                        0.0
                    },
                ),
                (hard_shrink(xf, 0.5), if x.abs() > 0.5 { x } else { 0.0 }),
                (threshold(xf, 0.0, 0.0), if x > 0.0 { x } else { 0.0 }),
                (leaky_relu(xf, 0.01), if x > 0.0 { x } else { 0.01 * x }),
                (leaky_relu(xf, 0.3), if x > 0.0 { x } else { 0.3 * x }),
                (elu(xf, 1.0), if x > 0.0 { x } else { x.exp_m1() }),
            ];
            for (i, (got, want)) in cases.into_iter().enumerate() {
                assert!(
                    (f64::from(got) - want).abs() <= 1e-6 + 1e-5 * want.abs(),
                    "case {i} at {x}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        for x in [-2.1_f32, -0.8, 0.3, 1.4, 3.2] {
            let h = 1e-2_f32;
            for approximate in [false, true] {
                let numeric = (gelu(x + h, approximate) - gelu(x - h, approximate)) / (2.0 * h);
                let analytic = gelu_derivative(x, approximate);
                assert!(
                    (numeric - analytic).abs() < 2e-3,
                    "gelu({approximate}) at {x}"
                );
            }
            let f = |x| relu(x, 0.2, 2.5, 0.5);
            let numeric = (f(x + h) - f(x - h)) / (2.0 * h);
            assert!(
                (numeric - relu_derivative(x, 0.2, 2.5, 0.5)).abs() < 2e-3,
                "relu at {x}"
            );
        }
    }
}
