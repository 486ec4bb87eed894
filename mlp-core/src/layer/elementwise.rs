//! Activations as layers, with their options: `ReLU`, `LeakyReLU` and `ELU`
//! (Keras's `keras.layers.ReLU(max_value, negative_slope, threshold)`,
//! `LeakyReLU(negative_slope)`, `ELU(alpha)`).

use nalgebra::SVector;

use crate::activation::functions;

/// An activation layer's function and its options.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Elementwise {
    /// `ReLU`: Keras's `relu(x, negative_slope, max_value, threshold)`
    /// ([`functions::relu`]): `x` above `threshold` clipped to `max_value`,
    /// and `negative_slope * (x - threshold)` up to the threshold, even where
    /// that lies above `max_value` (Keras's defaults: no cap, written
    /// `f32::INFINITY`, 0, 0).
    ReLU {
        /// The cap (`f32::INFINITY` for none).
        max_value: f32,
        /// The slope below the threshold.
        negative_slope: f32,
        /// Where the function starts being the identity.
        threshold: f32,
    },
    /// `LeakyReLU`: `x` if `x >= 0`, else `negative_slope * x` (Keras 3's
    /// default slope for the layer is 0.3; the book writes 0.2).
    LeakyReLU {
        /// The slope for negative inputs.
        negative_slope: f32,
    },
    /// `ELU`: `x` if `x > 0`, else `alpha * (exp(x) - 1)`.
    ELU {
        /// The scale of the negative part.
        alpha: f32,
    },
}

impl Elementwise {
    /// Keras's class name: `"ReLU"`, `"LeakyReLU"`, `"ELU"`.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::ReLU { .. } => "ReLU",
            Self::LeakyReLU { .. } => "LeakyReLU",
            Self::ELU { .. } => "ELU",
        }
    }

    /// The function at `x`; a NaN stays a NaN.
    #[inline]
    pub fn apply(self, x: f32) -> f32 {
        match self {
            Self::ReLU {
                max_value,
                negative_slope,
                threshold,
            } => functions::relu(x, negative_slope, max_value, threshold),
            Self::LeakyReLU { negative_slope } => functions::leaky_relu(x, negative_slope),
            Self::ELU { alpha } => functions::elu(x, alpha),
        }
    }

    /// The derivative at `x`.
    #[inline]
    pub fn derivative(self, x: f32) -> f32 {
        match self {
            Self::ReLU {
                max_value,
                negative_slope,
                threshold,
            } => functions::relu_derivative(x, negative_slope, max_value, threshold),
            Self::LeakyReLU { negative_slope } => {
                if x > 0.0 {
                    1.0
                } else {
                    negative_slope
                }
            }
            Self::ELU { alpha } => {
                if x > 0.0 {
                    1.0
                } else {
                    alpha * libm::expf(x)
                }
            }
        }
    }

    /// Applies the function to every value of `x`.
    pub fn forward(self, x: &[f32], out: &mut [f32]) {
        for (o, &x) in out.iter_mut().zip(x) {
            *o = self.apply(x);
        }
    }

    /// dL/dx from dL/dy at the inputs `x`.
    pub fn backward(self, x: &[f32], dy: &[f32], dx: &mut [f32]) {
        for ((dx, dy), &x) in dx.iter_mut().zip(dy).zip(x) {
            *dx = dy * self.derivative(x);
        }
    }
}

/// ReLU, LeakyReLU or ELU as a layer on the batch path.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ActivationShape {
    /// Values per sample.
    pub units: usize,
    /// The function and its options.
    pub function: Elementwise,
}

#[cfg(feature = "std")]
impl crate::engine::BatchLayer for ActivationShape {
    fn of(info: &crate::layer::LayerInfo) -> Option<Self> {
        match info.kind {
            crate::layer::LayerKind::Activation { units, function } => {
                Some(Self { units, function })
            }
            _ => None,
        }
    }

    fn batch_forward(&self, pass: crate::engine::ForwardPass<'_>) {
        self.function.forward(pass.input, pass.out);
    }

    fn batch_backward(&self, pass: crate::engine::BackwardPass<'_>) -> bool {
        if let Some(dx) = pass.dx {
            self.function.backward(pass.input, pass.delta, dx);
        }
        true
    }
}

/// An activation layer over `N` values: no parameters (a zero-sized type);
/// its function and options live in the network's layer table.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActivationLayer<const N: usize>;

impl<const N: usize> ActivationLayer<N> {
    /// The layer from its weights, which are none: every kind bakes as `from_arrays`.
    pub const fn from_arrays() -> Self {
        Self
    }

    /// The forward pass of one sample through `f`.
    #[inline]
    pub fn forward_one(&self, x: &SVector<f32, N>, f: Elementwise) -> SVector<f32, N> {
        x.map(|v| f.apply(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_relu_layer_cases() {
        // keras/src/layers/activations/relu_test.py: (max_value,
        // negative_slope, threshold), inputs, Keras's expected outputs.
        type Case = ((f32, f32, f32), [f32; 5], [f32; 5]);
        let cases: [Case; 3] = [
            (
                (10.0, 0.0, 0.0),
                [-10.0, -5.0, 0.0, 5.0, 10.0],
                [0.0, 0.0, 0.0, 5.0, 10.0],
            ),
            (
                (10.0, 0.5, 0.0),
                [-10.0, -5.0, 0.0, 5.0, 10.0],
                [-5.0, -2.5, 0.0, 5.0, 10.0],
            ),
            (
                (8.0, 0.0, 5.0),
                [6.0, 7.0, 0.0, 5.0, 10.0],
                [6.0, 7.0, 0.0, 0.0, 8.0],
            ),
        ];
        for ((max_value, negative_slope, threshold), x, want) in cases {
            let f = Elementwise::ReLU {
                max_value,
                negative_slope,
                threshold,
            };
            for (x, w) in x.iter().zip(want) {
                assert!((f.apply(*x) - w).abs() < 1e-6, "{f:?} at {x}");
            }
        }
    }

    #[test]
    fn relu_layer_threshold_above_max_value() {
        // Keras: ReLU(max_value=2.0, negative_slope=0.5, threshold=5.0) at
        // [3, 4.5, 6]: the threshold first (3 and 4.5 are not above it), then
        // the clip, then the slope: [-1, -0.25, 2]. The cap used to come first
        // and gave [2, 2, 2].
        let f = Elementwise::ReLU {
            max_value: 2.0,
            negative_slope: 0.5,
            threshold: 5.0,
        };
        assert_eq!([3.0, 4.5, 6.0].map(|x| f.apply(x)), [-1.0, -0.25, 2.0]);
        assert_eq!([3.0, 6.0].map(|x| f.derivative(x)), [0.5, 0.0]);
        let layer = ActivationLayer::<3>;
        let y = layer.forward_one(&SVector::from([3.0, 4.5, 6.0]), f);
        assert_eq!(y.as_slice(), [-1.0, -0.25, 2.0]);
    }

    #[test]
    fn leaky_relu_and_elu_values() {
        let leaky = Elementwise::LeakyReLU {
            negative_slope: 0.5,
        };
        assert_eq!(leaky.apply(-2.0), -1.0);
        assert_eq!(leaky.apply(3.0), 3.0);
        let elu = Elementwise::ELU { alpha: 2.0 };
        assert!((elu.apply(-1.0) - 2.0 * (libm::expf(-1.0) - 1.0)).abs() < 1e-6);
        for f in [leaky, elu] {
            assert!(f.apply(f32::NAN).is_nan());
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let functions = [
            Elementwise::ReLU {
                max_value: 3.0,
                negative_slope: 0.2,
                threshold: 0.25,
            },
            Elementwise::LeakyReLU {
                negative_slope: 0.3,
            },
            Elementwise::ELU { alpha: 1.5 },
        ];
        for f in functions {
            for x in [-2.0_f32, -0.7, 0.1, 0.6, 1.3, 5.0] {
                let h = 1e-3;
                let numeric = (f.apply(x + h) - f.apply(x - h)) / (2.0 * h);
                let analytic = f.derivative(x);
                assert!(
                    (numeric - analytic).abs() < 1e-2,
                    "{f:?} at {x}: {numeric} vs {analytic}"
                );
            }
        }
    }
}
