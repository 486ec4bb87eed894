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

pub mod functions;

use functions::{celu, gelu, gelu_derivative, hard_shrink, soft_shrink, squareplus};

/// Keras's `elu` alpha.
pub const ELU_ALPHA: f32 = 1.0;
/// Keras's `selu` alpha.
pub const SELU_ALPHA: f32 = 1.673_263_2;
/// Keras's `selu` scale.
pub const SELU_SCALE: f32 = 1.050_701;
/// Keras's default slope of `keras.activations.leaky_relu`.
pub const LEAKY_RELU_SLOPE: f32 = 0.2;
/// Keras's `celu` alpha.
pub const CELU_ALPHA: f32 = 1.0;
/// Keras's `squareplus` b.
pub const SQUAREPLUS_B: f32 = 4.0;
/// Keras's default threshold of `soft_shrink` and `hard_shrink`.
pub const SHRINK_THRESHOLD: f32 = 0.5;

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
            Self::LogSoftmax => log_softmax(z),
            Self::Sparsemax => sparsemax(z),
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
            Self::LogSoftmax => {
                // a = z - lse(z): dL/dz = g - softmax(z) * sum(g).
                let sum: f32 = grad.iter().sum();
                for (g, a) in grad.iter_mut().zip(a) {
                    *g -= libm::expf(*a) * sum;
                }
            }
            Self::Sparsemax => {
                // On the support (a > 0): g - mean of g over the support; 0 off it.
                let (mut sum, mut count) = (0.0_f32, 0.0_f32);
                for (g, a) in grad.iter().zip(a) {
                    if *a > 0.0 {
                        sum += g;
                        count += 1.0;
                    }
                }
                let mean = if count > 0.0 { sum / count } else { 0.0 };
                for (g, a) in grad.iter_mut().zip(a) {
                    *g = if *a > 0.0 { *g - mean } else { 0.0 };
                }
            }
            _ => {
                for ((g, z), a) in grad.iter_mut().zip(z).zip(a) {
                    *g *= self.derivative(*z, *a);
                }
            }
        }
    }

    /// Whether the activation works element by element (`softmax`,
    /// `log_softmax` and `sparsemax` need the whole row of a sample).
    #[inline]
    pub const fn is_elementwise(self) -> bool {
        !matches!(self, Self::Softmax | Self::LogSoftmax | Self::Sparsemax)
    }

    /// The activation of one element (not meaningful for the row-wise ones).
    #[inline]
    fn scalar(self, x: f32) -> f32 {
        match self {
            Self::Linear | Self::Softmax | Self::LogSoftmax | Self::Sparsemax => x,
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
            Self::Softplus => softplus(x),
            Self::Swish => x * sigmoid(x),
            Self::Exponential => libm::expf(x),
            Self::Softsign => x / (x.abs() + 1.0),
            Self::Relu6 => x.clamp(0.0, 6.0),
            Self::HardSigmoid => (x + 3.0).clamp(0.0, 6.0) / 6.0,
            Self::Gelu => gelu(x, false),
            Self::GeluApproximate => gelu(x, true),
            Self::Mish => x * libm::tanhf(softplus(x)),
            Self::HardSilu => x * (x + 3.0).clamp(0.0, 6.0) / 6.0,
            Self::LogSigmoid => -softplus(-x),
            Self::Celu => celu(x, CELU_ALPHA),
            Self::HardTanh => x.clamp(-1.0, 1.0),
            Self::SparsePlus => {
                if x <= -1.0 {
                    0.0
                } else if x < 1.0 {
                    0.25 * (x + 1.0) * (x + 1.0)
                } else {
                    x
                }
            }
            Self::SparseSigmoid => {
                if x <= -1.0 {
                    0.0
                } else if x < 1.0 {
                    0.5 * (x + 1.0)
                } else if x >= 1.0 {
                    1.0
                } else {
                    x
                }
            }
            Self::Squareplus => squareplus(x, SQUAREPLUS_B),
            Self::SoftShrink => soft_shrink(x, SHRINK_THRESHOLD),
            Self::HardShrink => hard_shrink(x, SHRINK_THRESHOLD),
            Self::TanhShrink => x - libm::tanhf(x),
        }
    }

    /// da/dz of one element, from its pre-activation `z` and activation `a`.
    #[inline]
    fn derivative(self, z: f32, a: f32) -> f32 {
        match self {
            Self::Linear | Self::Softmax | Self::LogSoftmax | Self::Sparsemax => 1.0,
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
            Self::Gelu => gelu_derivative(z, false),
            Self::GeluApproximate => gelu_derivative(z, true),
            Self::Mish => {
                let t = libm::tanhf(softplus(z));
                t + z * (1.0 - t * t) * sigmoid(z)
            }
            Self::HardSilu => {
                if z <= -3.0 {
                    0.0
                } else if z >= 3.0 {
                    1.0
                } else {
                    (2.0 * z + 3.0) / 6.0
                }
            }
            Self::LogSigmoid => sigmoid(-z),
            Self::Celu => {
                if z > 0.0 {
                    1.0
                } else {
                    libm::expf(z / CELU_ALPHA)
                }
            }
            Self::HardTanh => step(z > -1.0 && z < 1.0),
            Self::SparsePlus => {
                if z <= -1.0 {
                    0.0
                } else if z < 1.0 {
                    0.5 * (z + 1.0)
                } else {
                    1.0
                }
            }
            Self::SparseSigmoid => step(z > -1.0 && z < 1.0) * 0.5,
            Self::Squareplus => 0.5 * (1.0 + z / libm::sqrtf(z * z + SQUAREPLUS_B)),
            Self::SoftShrink | Self::HardShrink => step(z.abs() > SHRINK_THRESHOLD),
            Self::TanhShrink => {
                let t = libm::tanhf(z);
                t * t
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

/// Keras's `softplus`: `log(exp(x) + 1)`, stable for large `|x|`.
#[inline]
fn softplus(x: f32) -> f32 {
    x.max(0.0) + libm::log1pf(libm::expf(-x.abs()))
}

/// `log_softmax` in place: `z - max - log(sum(exp(z - max)))`.
#[inline]
pub fn log_softmax(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = z.iter().map(|v| libm::expf(*v - max)).sum();
    let lse = max + libm::logf(sum);
    for v in z.iter_mut() {
        *v -= lse;
    }
}

/// `sparsemax` in place (Martins and Astudillo, 2016, as Keras computes
/// it): `max(z - tau, 0)` with `tau` such that the row sums to 1. A NaN
/// anywhere makes the whole row NaN. Allocates nothing (O(n^2) for the
/// support, fine for the widths of an output layer).
pub fn sparsemax(z: &mut [f32]) {
    if z.iter().any(|v| v.is_nan()) {
        z.fill(f32::NAN);
        return;
    }
    // The support: the k largest values with 1 + k * z_(k) > sum of them,
    // k as large as possible; tau = (that sum - 1) / k.
    let (mut best_k, mut best_sum) = (0.0_f32, 0.0_f32);
    for v in z.iter() {
        // Rank of v: how many values are >= v (ties counted together).
        let (mut k, mut sum) = (0.0_f32, 0.0_f32);
        for w in z.iter() {
            if *w >= *v {
                k += 1.0;
                sum += *w;
            }
        }
        if 1.0 + k * *v > sum && k > best_k {
            (best_k, best_sum) = (k, sum);
        }
    }
    let tau = (best_sum - 1.0) / best_k;
    for v in z.iter_mut() {
        *v = (*v - tau).max(0.0);
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

    /// The references of keras/src/activations/activations_test.py
    /// (ActivationsTest), at fixed points where Keras's tests draw random ones,
    /// to their `rtol=1e-5`.
    #[test]
    fn keras_activations_test_references() {
        let softplus = |x: f64| (1.0 + x.exp()).ln();
        let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
        type Reference = (ActivationKind, fn(f64) -> f64);
        let cases: [Reference; 12] = [
            // test_mish: x * tanh(softplus(x))
            (ActivationKind::Mish, |x| x * (1.0 + x.exp()).ln().tanh()),
            // test_hard_silu: x * min(max(0, x + 3), 6) / 6
            (ActivationKind::HardSilu, |x| {
                x * (x + 3.0).clamp(0.0, 6.0) / 6.0
            }),
            // test_log_sigmoid: -softplus(-x)
            (ActivationKind::LogSigmoid, |x| -(1.0 + (-x).exp()).ln()),
            // test_celu (alpha 1)
            (ActivationKind::Celu, |x| x.max(0.0) + x.min(0.0).exp_m1()),
            // test_hard_tanh
            (ActivationKind::HardTanh, |x| x.clamp(-1.0, 1.0)),
            // test_sparse_plus
            (ActivationKind::SparsePlus, |x| {
                if x <= -1.0 {
                    0.0
                } else if x < 1.0 {
                    0.25 * (x + 1.0) * (x + 1.0)
                } else {
                    x
                }
            }),
            // test_sparse_sigmoid
            (ActivationKind::SparseSigmoid, |x| {
                if x <= -1.0 {
                    0.0
                } else if x >= 1.0 {
                    1.0
                } else {
                    0.5 * (x + 1.0)
                }
            }),
            // test_squareplus (b 4)
            (ActivationKind::Squareplus, |x| {
                (x + (x * x + 4.0).sqrt()) / 2.0
            }),
            // test_soft_shrink (threshold 0.5)
            (ActivationKind::SoftShrink, |x| {
                if x > 0.5 {
                    x - 0.5
                } else if x < -0.5 {
                    x + 0.5
                } else {
                    0.0
                }
            }),
            // test_hard_shrink
            (ActivationKind::HardShrink, |x| {
                if x.abs() > 0.5 { x } else { 0.0 }
            }),
            // test_tanh_shrink
            (ActivationKind::TanhShrink, |x| x - x.tanh()),
            // test_gelu(approximate=True)
            (ActivationKind::GeluApproximate, |x| {
                0.5 * x
                    * (1.0
                        + ((2.0 / core::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3)))
                            .tanh())
            }),
        ];
        let points = [
            -12.0, -3.5, -1.2, -0.6, -0.2, 0.0, 0.3, 0.55, 0.9, 2.0, 4.5, 15.0,
        ];
        for (kind, reference) in cases {
            for x in points {
                let mut v = [x as f32];
                kind.forward(&mut v);
                let want = reference(x);
                assert!(
                    (f64::from(v[0]) - want).abs() <= 1e-6 + 1e-5 * want.abs(),
                    "{kind}({x}) = {} want {want}",
                    v[0]
                );
            }
        }
        // The softplus and sigmoid references of the file, for the kinds
        // already there (test_softplus, test_sigmoid).
        for x in points {
            let mut v = [x as f32];
            ActivationKind::Softplus.forward(&mut v);
            assert!((f64::from(v[0]) - softplus(x)).abs() <= 1e-6 + 1e-5 * softplus(x));
            let mut v = [x as f32];
            ActivationKind::Sigmoid.forward(&mut v);
            assert!((f64::from(v[0]) - sigmoid(x)).abs() <= 1e-6 + 1e-5 * sigmoid(x));
        }
    }

    #[test]
    fn keras_log_softmax_and_sparsemax() {
        // test_log_softmax_1d: x - max - log(sum(exp(x - max))).
        let x = [-1.5_f64, 0.25, 2.0, 0.7];
        let max = 2.0;
        let lse = x.iter().map(|v| (v - max).exp()).sum::<f64>().ln();
        let mut v = x.map(|v| v as f32);
        ActivationKind::LogSoftmax.forward(&mut v);
        for (got, x) in v.iter().zip(x) {
            assert!((f64::from(*got) - (x - max - lse)).abs() < 1e-6);
        }
        // test_sparsemax, result check with 1d: linspace(1, 12, 12) gives a
        // one-hot on the last value.
        let mut v: [f32; 12] = core::array::from_fn(|i| (i + 1) as f32);
        ActivationKind::Sparsemax.forward(&mut v);
        let mut want = [0.0_f32; 12];
        want[11] = 1.0;
        assert_eq!(v, want);
        // Rows of two (the 2d case): [2k + 1, 2k + 2] gives [0, 1].
        let mut v = [3.0_f32, 4.0];
        ActivationKind::Sparsemax.forward(&mut v);
        assert_eq!(v, [0.0, 1.0]);
        // A row that stays dense: close values share the mass.
        let mut v = [0.1_f32, 0.2, 0.3];
        ActivationKind::Sparsemax.forward(&mut v);
        let want = [0.233_333_33, 0.333_333_34, 0.433_333_33];
        for (g, w) in v.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{v:?}");
        }
        assert!(!ActivationKind::Sparsemax.is_elementwise());
        assert!(ActivationKind::GeluApproximate.is_elementwise());
    }

    #[test]
    fn softmax_is_stable() {
        let mut z = [1000.0_f32, 1000.0, -1000.0];
        softmax(&mut z);
        assert_eq!(z, [0.5, 0.5, 0.0]);
    }
}
