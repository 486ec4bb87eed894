//! Activation functions, with Keras's formulas.
//!
//! Each activation is a zero-sized type (`Relu`, `Softmax`, ...) that names an
//! [`ActivationKind`]; the kind holds the arithmetic, so the typed one-sample path
//! (monomorphised, the `match` folds away) and the batch path (one `match` per row)
//! run the very same code.
//!
//! ```
//! use mlp_core::activation::{Activation, Relu, Softmax};
//!
//! let mut z = [-1.0_f32, 0.5, 2.0];
//! Relu::forward(&mut z);
//! assert_eq!(z, [0.0, 0.5, 2.0]);
//!
//! let mut p = [1.0_f32, 2.0, 3.0];
//! Softmax::forward(&mut p);
//! assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use core::fmt;

/// Keras's `elu` alpha.
pub const ELU_ALPHA: f32 = 1.0;
/// Keras's `selu` alpha.
pub const SELU_ALPHA: f32 = 1.673_263_2;
/// Keras's `selu` scale.
pub const SELU_SCALE: f32 = 1.050_701;
/// Keras's default slope of `keras.activations.leaky_relu`.
pub const LEAKY_RELU_SLOPE: f32 = 0.2;

macro_rules! activation_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal $(| $alias:literal)*,)*) => {
        /// Every activation this crate knows, as a runtime value (the list is
        /// `mlp_spec::for_each_activation!`, shared with the macro).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ActivationKind {
            $($(#[$doc])* $variant,)*
        }

        impl ActivationKind {
            /// Keras's name of the activation (`"relu"`, `"softmax"`, ...).
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }

        $(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
            pub struct $variant;
            impl Activation for $variant {
                const KIND: ActivationKind = ActivationKind::$variant;
            }
        )*

        /// All kinds, in declaration order (for tests and tables).
        pub const ALL: &[ActivationKind] = &[$(ActivationKind::$variant),*];
    };
}

mlp_spec::for_each_activation!(activation_kinds);

impl ActivationKind {
    /// Applies the activation in place to the pre-activations `z` of one sample.
    #[inline]
    pub fn forward(self, z: &mut [f32]) {
        match self {
            Self::Linear => {}
            Self::Softmax => softmax(z),
            // The common case, apart so that it vectorises.
            Self::Relu => {
                // A select, not `max(0.0)`, which turns NaN into 0.
                for v in z.iter_mut() {
                    *v = if *v < 0.0 { 0.0 } else { *v };
                }
            }
            _ => {
                for v in z.iter_mut() {
                    *v = self.scalar(*v);
                }
            }
        }
    }

    /// Turns `grad` = dL/da into dL/dz in place, for one sample whose
    /// pre-activations are `z` and activations `a`.
    #[inline]
    pub fn backward(self, z: &[f32], a: &[f32], grad: &mut [f32]) {
        debug_assert!(z.len() == grad.len() && a.len() == grad.len());
        match self {
            Self::Linear => {}
            Self::Softmax => {
                let dot: f32 = grad.iter().zip(a).map(|(g, a)| g * a).sum();
                for (g, a) in grad.iter_mut().zip(a) {
                    *g = a * (*g - dot);
                }
            }
            Self::Relu => {
                // A select, not a branch: the signs of `z` are unpredictable.
                for (g, z) in grad.iter_mut().zip(z) {
                    *g = if *z <= 0.0 { 0.0 } else { *g };
                }
            }
            _ => {
                for ((g, z), a) in grad.iter_mut().zip(z).zip(a) {
                    *g *= self.derivative(*z, *a);
                }
            }
        }
    }

    /// The activation of one element (not meaningful for softmax).
    #[inline]
    fn scalar(self, x: f32) -> f32 {
        match self {
            Self::Linear | Self::Softmax => x,
            Self::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            Self::Sigmoid => sigmoid(x),
            Self::Tanh => libm::tanhf(x),
            Self::Elu => {
                if x > 0.0 {
                    x
                } else {
                    ELU_ALPHA * libm::expm1f(x)
                }
            }
            Self::Selu => {
                SELU_SCALE
                    * if x > 0.0 {
                        x
                    } else {
                        SELU_ALPHA * libm::expm1f(x)
                    }
            }
            Self::LeakyRelu => {
                if x > 0.0 {
                    x
                } else {
                    LEAKY_RELU_SLOPE * x
                }
            }
            Self::Softplus => x.max(0.0) + libm::log1pf(libm::expf(-x.abs())),
            Self::Swish => x * sigmoid(x),
            Self::Exponential => libm::expf(x),
            Self::Softsign => x / (x.abs() + 1.0),
            Self::Relu6 => x.clamp(0.0, 6.0),
            Self::HardSigmoid => (x + 3.0).clamp(0.0, 6.0) / 6.0,
            Self::Gelu => 0.5 * x * (1.0 + libm::erff(x * core::f32::consts::FRAC_1_SQRT_2)),
        }
    }

    /// da/dz of one element, from its pre-activation `z` and activation `a`.
    #[inline]
    fn derivative(self, z: f32, a: f32) -> f32 {
        match self {
            Self::Linear | Self::Softmax => 1.0,
            Self::Relu => step(z > 0.0),
            Self::Sigmoid => a * (1.0 - a),
            Self::Tanh => 1.0 - a * a,
            Self::Elu => {
                if z > 0.0 {
                    1.0
                } else {
                    a + ELU_ALPHA
                }
            }
            Self::Selu => {
                if z > 0.0 {
                    SELU_SCALE
                } else {
                    a + SELU_SCALE * SELU_ALPHA
                }
            }
            Self::LeakyRelu => {
                if z > 0.0 {
                    1.0
                } else {
                    LEAKY_RELU_SLOPE
                }
            }
            Self::Softplus => sigmoid(z),
            Self::Swish => {
                let s = sigmoid(z);
                s + z * s * (1.0 - s)
            }
            Self::Exponential => a,
            Self::Softsign => {
                let d = 1.0 + z.abs();
                1.0 / (d * d)
            }
            Self::Relu6 => step(z > 0.0 && z < 6.0),
            Self::HardSigmoid => step(z > -3.0 && z < 3.0) / 6.0,
            Self::Gelu => {
                let cdf = 0.5 * (1.0 + libm::erff(z * core::f32::consts::FRAC_1_SQRT_2));
                let pdf = libm::expf(-0.5 * z * z) * 0.398_942_3;
                cdf + z * pdf
            }
        }
    }
}

impl fmt::Display for ActivationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[inline]
fn step(on: bool) -> f32 {
    if on { 1.0 } else { 0.0 }
}

/// The logistic function, stable for large `|x|`.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + libm::expf(-x))
    } else {
        let e = libm::expf(x);
        e / (1.0 + e)
    }
}

/// Softmax in place, shifted by the maximum so that it never overflows.
#[inline]
pub fn softmax(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = libm::expf(*v - max);
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in z.iter_mut() {
        *v *= inv;
    }
}

/// An activation as a type: the zero-sized markers below, used as the third
/// parameter of [`Dense`](crate::layer::Dense).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an activation",
    label = "expected an activation such as `Relu` or `Softmax`",
    note = "the activations are the marker types in `mlp::activation` (`Relu`, `Softmax`, ...), one per Keras activation name"
)]
pub trait Activation: Copy + Default + fmt::Debug + Send + Sync + 'static {
    /// The runtime value of this activation.
    const KIND: ActivationKind;

    /// Applies the activation in place to one sample's pre-activations.
    #[inline]
    fn forward(z: &mut [f32]) {
        Self::KIND.forward(z)
    }

    /// Turns dL/da into dL/dz in place (see [`ActivationKind::backward`]).
    #[inline]
    fn backward(z: &[f32], a: &[f32], grad: &mut [f32]) {
        Self::KIND.backward(z, a, grad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loss used for the check: a fixed weighted sum of the activations, so that
    /// softmax (whose outputs sum to one) gets a non-trivial gradient.
    fn weighted(kind: ActivationKind, z: &[f64]) -> f64 {
        let mut a: [f32; 5] = [0.0; 5];
        for (a, z) in a.iter_mut().zip(z) {
            *a = *z as f32;
        }
        kind.forward(&mut a);
        a.iter()
            .enumerate()
            .map(|(i, a)| (i as f64 + 1.0) * 0.3 * *a as f64)
            .sum()
    }

    #[test]
    fn gradients_match_finite_differences() {
        // Points away from the kinks (0 for relu-like, +-3 and 6 for the hard ones).
        let z = [-1.3_f64, -0.4, 0.7, 1.9, 2.6];
        for &kind in ALL {
            let mut a = [0.0_f32; 5];
            let zf = z.map(|v| v as f32);
            a.copy_from_slice(&zf);
            kind.forward(&mut a);
            let mut grad: [f32; 5] = core::array::from_fn(|i| (i as f32 + 1.0) * 0.3);
            kind.backward(&zf, &a, &mut grad);
            for i in 0..5 {
                // f32 forward: a central difference with h = 1e-2 keeps the rounding
                // error (~1e-7 / 1e-2) and the truncation error (~h^2) both near 1e-4.
                let h = 1e-2;
                let mut zp = z;
                zp[i] += h;
                let mut zm = z;
                zm[i] -= h;
                let numeric = (weighted(kind, &zp) - weighted(kind, &zm)) / (2.0 * h);
                let analytic = grad[i] as f64;
                assert!(
                    (numeric - analytic).abs() <= 2e-3 * (1.0 + numeric.abs()),
                    "{kind}: d/dz[{i}] analytic {analytic} numeric {numeric}"
                );
            }
        }
    }

    #[test]
    fn keras_values() {
        let check = |kind: ActivationKind, x: f32, want: f32| {
            let mut v = [x];
            kind.forward(&mut v);
            assert!(
                (v[0] - want).abs() < 1e-5,
                "{kind}({x}) = {} want {want}",
                v[0]
            );
        };
        check(ActivationKind::Selu, -1.0, -1.111_330_7);
        check(ActivationKind::Elu, -1.0, -0.632_120_56);
        check(ActivationKind::LeakyRelu, -2.0, -0.4);
        check(ActivationKind::Softplus, 0.0, core::f32::consts::LN_2);
        check(ActivationKind::Softplus, 100.0, 100.0);
        check(ActivationKind::HardSigmoid, 0.0, 0.5);
        check(ActivationKind::Gelu, 1.0, 0.841_344_7);
        check(ActivationKind::Sigmoid, -100.0, 0.0);
    }

    #[test]
    fn every_activation_propagates_nan() {
        // Before, relu's `max(0.0)` turned a NaN into 0: a corrupted input or
        // weight then gave plausible finite outputs.
        for kind in ALL {
            let mut v = [1.0, f32::NAN, -1.0];
            kind.forward(&mut v);
            assert!(v[1].is_nan(), "{kind}: {v:?}");
            assert!(kind.scalar(f32::NAN).is_nan(), "{kind}");
        }
        let mut v = [-0.5, 0.0, 2.0];
        ActivationKind::Relu.forward(&mut v);
        assert_eq!(v, [0.0, 0.0, 2.0]);
    }

    #[test]
    fn softmax_is_stable() {
        let mut z = [1000.0_f32, 1000.0, -1000.0];
        softmax(&mut z);
        assert_eq!(z, [0.5, 0.5, 0.0]);
    }
}
