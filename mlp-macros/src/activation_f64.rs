//! The activations' formulas in f64, for bake time only: calibrating an
//! integer network runs the float network on the sample here, and each
//! table of an integer activation (`mlp_core::quant::LutQ`) is the formula
//! at 256 points. The same formulas as the runtime's
//! (`mlp_core::activation`, `mlp_core::layer::Elementwise`), which this
//! crate cannot call (the runtime depends on it); the integration test
//! `tests/int8_integer.rs` checks every one through a baked network.

/// Keras's `selu` constants.
const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

/// The activation named `name` (Keras's name, as `ActivationSpec::name`) at
/// `x`; `softmax` is not elementwise and is the identity here.
pub fn activation(name: &str, x: f64) -> f64 {
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    match name {
        "relu" => x.max(0.0),
        "sigmoid" => sigmoid(x),
        "tanh" => x.tanh(),
        "elu" => elu(x, 1.0),
        "selu" => SELU_SCALE * elu(x, SELU_ALPHA),
        "leaky_relu" => leaky(x, 0.2),
        "softplus" => x.max(0.0) + (-x.abs()).exp().ln_1p(),
        "swish" => x * sigmoid(x),
        "exponential" => x.exp(),
        "softsign" => x / (x.abs() + 1.0),
        "relu6" => x.clamp(0.0, 6.0),
        "hard_sigmoid" => (x + 3.0).clamp(0.0, 6.0) / 6.0,
        "gelu" => 0.5 * x * (1.0 + libm::erf(x * std::f64::consts::FRAC_1_SQRT_2)),
        // "linear", "softmax"
        _ => x,
    }
}

/// An activation layer (`ReLU`, `LeakyReLU`, `ELU`) with its settings in the
/// shared table's order (`mlp_spec::settings(kind)`), at `x`.
pub fn layer(kind: &str, settings: &[f32], x: f64) -> f64 {
    let setting = |name: &str| {
        mlp_spec::settings(kind)
            .iter()
            .position(|(n, _)| *n == name)
            .and_then(|i| settings.get(i))
            .map_or(0.0, |v| f64::from(*v))
    };
    match kind {
        "ReLU" => {
            let (max, slope, threshold) = (
                setting("max_value"),
                setting("negative_slope"),
                setting("threshold"),
            );
            if x >= max {
                max
            } else if x > threshold {
                x
            } else {
                slope * (x - threshold)
            }
        }
        "LeakyReLU" => leaky(x, setting("negative_slope")),
        "ELU" => elu(x, setting("alpha")),
        _ => x,
    }
}

fn elu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 { x } else { alpha * x.exp_m1() }
}

fn leaky(x: f64, slope: f64) -> f64 {
    if x < 0.0 { slope * x } else { x }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_at_known_points() {
        assert_eq!(activation("relu", -2.0), 0.0);
        assert!((activation("sigmoid", 0.0) - 0.5).abs() < 1e-15);
        assert!((activation("gelu", 1.0) - 0.841_344_746_068_542_9).abs() < 1e-12);
        assert!((activation("selu", -1.0) - -1.111_330_737_812_562_6).abs() < 1e-12);
        assert_eq!(activation("hard_sigmoid", 0.0), 0.5);
        assert_eq!(activation("linear", 3.5), 3.5);
        assert_eq!(layer("ReLU", &[1.5, 0.1, 0.2], 2.0), 1.5);
        assert!((layer("ReLU", &[1.5, 0.1, 0.2], 0.0) - -0.02).abs() < 1e-6);
        assert!((layer("LeakyReLU", &[0.3], -1.0) - -0.3).abs() < 1e-6);
        assert!((layer("ELU", &[0.7], -1.0) - 0.7 * (-1.0_f64).exp_m1()).abs() < 1e-6);
    }
}
