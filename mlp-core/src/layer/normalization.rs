//! Keras's `Normalization` preprocessing layer: each feature shifted and
//! scaled by a mean and a variance learned from the training data with
//! [`adapt`](crate::network::Network::adapt_normalization) (the book's
//! `norm_layer.adapt(X_train)`), then fixed: `mean`, `variance` and `count`
//! are Keras's three non-trainable weights, which no optimizer changes.
//!
//! The formula is Keras 3's, `(x - mean) / max(sqrt(variance), epsilon)` with
//! Keras's `epsilon()` of `1e-7`, so a constant feature (variance 0) comes
//! out as `x - mean` divided by `1e-7`, never as a NaN. `adapt` sets `mean`
//! and `variance` to the data's mean and population variance (NumPy's
//! `np.mean`, `np.var`), computed in `f64`; `count` is kept only because
//! Keras's files hold it (Keras 3 never updates it: it stays 0).
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     struct Housing { Input[3] -> Normalization -> Dense<1> }
//! }
//!
//! let mut model = Housing::new(42);
//! // Keras's docstring example: each column to mean 0, variance 1.
//! let x = [[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]].map(SVector::from);
//! model.adapt_normalization("normalization", &x)?;
//! let layer = model.get_layer("normalization")?;
//! assert_eq!(layer.get_weights()[0].data, [1.0, 8.0, 5.0]); // mean
//! assert_eq!(layer.get_weights()[1].data, [1.0, 1.0, 1.0]); // variance
//! assert_eq!(model.normalization.forward_one(&x[0]), SVector::from([-1.0, -1.0, -1.0]));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use nalgebra::SVector;

/// Keras's `backend.epsilon()`: the smallest standard deviation a feature
/// is divided by.
pub const EPSILON: f32 = 1e-7;

/// A normalization layer over `N` features: `mean` and `variance` (`N`
/// values each) and Keras's `count` (one value), in Keras's order.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normalization<const N: usize> {
    mean: SVector<f32, N>,
    variance: SVector<f32, N>,
    count: f32,
}

impl<const N: usize> Normalization<N> {
    /// Values stored: `mean` and `variance`, then `count`.
    pub const PARAMS: usize = 2 * N + 1;

    /// Keras's initial state (before `adapt`): mean 0, variance 1, count 0,
    /// so the layer is the identity.
    pub fn new() -> Self {
        Self::from_arrays([0.0; N], [1.0; N], 0.0)
    }

    /// A layer from its weights, usable in `const` items (baked weights).
    pub const fn from_arrays(mean: [f32; N], variance: [f32; N], count: f32) -> Self {
        Self {
            mean: SVector::from_array_storage(nalgebra::ArrayStorage([mean])),
            variance: SVector::from_array_storage(nalgebra::ArrayStorage([variance])),
            count,
        }
    }

    /// Each feature's mean.
    pub fn mean(&self) -> &SVector<f32, N> {
        &self.mean
    }

    /// Each feature's variance.
    pub fn variance(&self) -> &SVector<f32, N> {
        &self.variance
    }

    /// Keras's `count` (kept for its files; Keras 3 leaves it at 0).
    pub fn count(&self) -> f32 {
        self.count
    }

    /// The forward pass of one sample: `(x - mean) / max(sqrt(variance),
    /// 1e-7)`.
    #[inline]
    pub fn forward_one(&self, x: &SVector<f32, N>) -> SVector<f32, N> {
        let mut out = *x;
        for j in 0..N {
            out[j] = (x[j] - self.mean[j]) / std_dev(self.variance[j]);
        }
        out
    }
}

impl<const N: usize> Default for Normalization<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// What a feature is divided by: `max(sqrt(variance), EPSILON)`, as Keras.
#[inline]
fn std_dev(variance: f32) -> f32 {
    libm::sqrtf(variance).max(EPSILON)
}

/// Normalization on the batch path: the same formula row by row, the
/// gradient through it, and its weights kept as they are by a training
/// step (an optimizer's weight decay included: they are not trainable).
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormalizationShape {
    /// Where `mean` starts in the flat parameters (`variance` and `count`
    /// follow it).
    pub offset: usize,
    /// Features.
    pub units: usize,
}

#[cfg(feature = "std")]
impl NormalizationShape {
    /// Its parameters in the flat parameters.
    fn range(&self) -> core::ops::Range<usize> {
        self.offset..self.offset + 2 * self.units + 1
    }

    /// `out = (input - mean) / max(sqrt(variance), 1e-7)`, row by row.
    pub fn forward(&self, params: &[f32], input: &[f32], out: &mut [f32]) {
        let u = self.units;
        let mean = &params[self.offset..][..u];
        let variance = &params[self.offset + u..][..u];
        for (x, o) in input.chunks_exact(u).zip(out.chunks_exact_mut(u)) {
            for j in 0..u {
                o[j] = (x[j] - mean[j]) / std_dev(variance[j]);
            }
        }
    }

    /// Before a training step: a copy of its weights into `scratch`.
    pub fn keep(&self, params: &[f32], scratch: &mut [f32]) {
        scratch.copy_from_slice(&params[self.range()]);
    }

    /// After a training step: its weights as [`NormalizationShape::keep`]
    /// copied them.
    pub fn restore(&self, params: &mut [f32], scratch: &[f32]) {
        params[self.range()].copy_from_slice(scratch);
    }

    /// The backward pass: its weights get no gradient, and `dx = delta /
    /// max(sqrt(variance), 1e-7)`. Returns whether `dx` is finite.
    pub fn backward(
        &self,
        params: &[f32],
        delta: &[f32],
        dx: Option<&mut [f32]>,
        grads: &mut [f32],
    ) -> bool {
        grads[self.range()].fill(0.0);
        let Some(dx) = dx else {
            return true;
        };
        let u = self.units;
        let variance = &params[self.offset + u..][..u];
        for (d, g) in delta.chunks_exact(u).zip(dx.chunks_exact_mut(u)) {
            for j in 0..u {
                g[j] = d[j] / std_dev(variance[j]);
            }
        }
        crate::kernels::all_finite(dx)
    }
}

#[cfg(feature = "std")]
impl crate::engine::BatchLayer for NormalizationShape {
    fn of(info: &crate::layer::LayerInfo) -> Option<Self> {
        match info.kind {
            crate::layer::LayerKind::Normalization { units } => Some(Self {
                offset: info.offset,
                units,
            }),
            _ => None,
        }
    }

    /// A copy of its weights, taken by a training forward pass and put
    /// back after the optimizer's step.
    fn scratch_len(&self, _capacity: usize) -> usize {
        2 * self.units + 1
    }

    /// A training pass first keeps a copy of the weights.
    fn batch_forward(&self, pass: crate::engine::ForwardPass<'_>) {
        if pass.training {
            self.keep(pass.params, pass.scratch);
        }
        self.forward(pass.params, pass.input, pass.out);
    }

    fn batch_backward(&self, pass: crate::engine::BackwardPass<'_>) -> bool {
        self.backward(pass.params, pass.delta, pass.dx, pass.grads)
    }

    /// The weights as the training pass found them.
    fn after_step(&self, params: &mut [f32], scratch: &[f32]) {
        self.restore(params, scratch);
    }
}

/// Keras's `adapt`: sets the Normalization layer `name` of `layers` (over
/// the parameters `params`) to the mean and population variance of each
/// feature of the samples `x`. Checks the layer's kind, the samples' width
/// and that `x` has a sample and only finite values before changing
/// anything. What `adapt_normalization` of a chain and of a graph calls.
#[cfg(feature = "alloc")]
pub(crate) fn adapt<S: crate::Sample>(
    layers: &'static [crate::layer::LayerInfo],
    params: &mut [f32],
    name: &str,
    x: &[S],
) -> crate::Result<()> {
    use crate::Error;
    use crate::layer::LayerKind;
    use alloc::format;
    use alloc::vec;
    let width = S::SIZE;
    let layer = crate::weights::get_layer(layers, params, name)?.info();
    let LayerKind::Normalization { units } = layer.kind else {
        return Err(Error::InvalidArgument {
            name: "layer",
            message: format!(
                "`{name}` is a {} layer; only a Normalization layer adapts to data",
                layer.type_name()
            ),
        });
    };
    if width != units {
        return Err(Error::Shape {
            what: format!("samples given to adapt the Normalization layer `{name}`"),
            expected: vec![units],
            found: vec![width],
        });
    }
    if x.is_empty() {
        return Err(Error::InvalidArgument {
            name: "x",
            message: format!("no samples to adapt the Normalization layer `{name}` to"),
        });
    }
    let mut flat = vec![0.0; x.len() * units];
    for (sample, row) in x.iter().zip(flat.chunks_exact_mut(units)) {
        sample.write_row_major(row);
    }
    crate::weights::check_finite("x", &[x.len(), units], &flat)?;
    let rows = x.len() as f64;
    let mut mean = vec![0.0_f64; units];
    for row in flat.chunks_exact(units) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += f64::from(*v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= rows);
    let mut variance = vec![0.0_f64; units];
    for row in flat.chunks_exact(units) {
        for ((s, v), m) in variance.iter_mut().zip(row).zip(&mean) {
            let d = f64::from(*v) - m;
            *s += d * d;
        }
    }
    let at = layer.offset;
    for j in 0..units {
        params[at + j] = mean[j] as f32;
        params[at + units + j] = (variance[j] / rows) as f32;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    network! { struct Norm3 { Input[3] -> Normalization -> Dense<1> } }
    network! { struct NotNorm { Input[3] -> Dense<2> -> Dense<1> } }

    fn rows(x: &[[f32; 3]]) -> Vec<SVector<f32, 3>> {
        x.iter().map(|r| SVector::from(*r)).collect()
    }

    /// Keras's docstring: `Normalization(axis=-1).adapt([[0, 7, 4], [2, 9,
    /// 6], [0, 7, 4], [2, 9, 6]])` maps `[0, 7, 4]` to `[-1, -1, -1]`.
    #[test]
    fn keras_docstring_adapt_per_feature() {
        let mut model = Norm3::new(1);
        let x = rows(&[[0., 7., 4.], [2., 9., 6.], [0., 7., 4.], [2., 9., 6.]]);
        model.adapt_normalization("normalization", &x).unwrap();
        assert_eq!(*model.normalization.mean(), SVector::from([1.0, 8.0, 5.0]));
        assert_eq!(*model.normalization.variance(), SVector::from([1.0; 3]));
        assert_eq!(model.normalization.count(), 0.0);
        assert_eq!(
            model.normalization.forward_one(&x[0]),
            SVector::from([-1.0; 3])
        );
    }

    /// Keras's docstring: `Normalization(mean=3., variance=2.)` maps 1, 2,
    /// 3 to -1.4142135, -0.70710677, 0 (float32, as Keras prints them).
    #[test]
    fn keras_docstring_given_mean_and_variance() {
        let layer = Normalization::<3>::from_arrays([3.0; 3], [2.0; 3], 0.0);
        let y = layer.forward_one(&SVector::from([1.0, 2.0, 3.0]));
        // Keras prints -1.4142135 and -0.70710677: these f32 constants.
        let (sqrt2, half_sqrt2) = (core::f32::consts::SQRT_2, core::f32::consts::FRAC_1_SQRT_2);
        assert_eq!(y, SVector::from([-sqrt2, -half_sqrt2, 0.0]));
    }

    /// Keras's `test_normalization_adapt`: after `adapt`, the adapted data
    /// has mean 0 and variance 1 per feature (to 1e-5).
    #[test]
    fn adapted_data_has_mean_zero_variance_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let x: Vec<SVector<f32, 3>> = (0..32)
            .map(|_| SVector::from([rng.random(), 5.0 * rng.random::<f32>(), -2.0]))
            .collect();
        let mut model = Norm3::new(1);
        model.adapt_normalization("normalization", &x).unwrap();
        let y: Vec<_> = x
            .iter()
            .map(|r| model.normalization.forward_one(r))
            .collect();
        for j in 0..2 {
            let mean = y.iter().map(|r| f64::from(r[j])).sum::<f64>() / 32.0;
            let var = y
                .iter()
                .map(|r| (f64::from(r[j]) - mean).powi(2))
                .sum::<f64>()
                / 32.0;
            assert!(mean.abs() < 1e-5, "feature {j}: mean {mean}");
            assert!((var - 1.0).abs() < 1e-5, "feature {j}: variance {var}");
        }
        // A constant feature: variance 0, divided by epsilon, not NaN.
        assert!(y.iter().all(|r| r[2] == 0.0));
    }

    #[test]
    fn the_batch_path_is_the_one_sample_formula() {
        let layer = Normalization::<3>::from_arrays([0.5, 0.2, -0.1], [0.1, 0.2, 0.0], 0.0);
        let shape = NormalizationShape {
            offset: 0,
            units: 3,
        };
        let params = [0.5, 0.2, -0.1, 0.1, 0.2, 0.0, 0.0];
        let input = [1.0, -2.0, 3.0, 0.25, 4.0, -0.1];
        let mut out = [0.0; 6];
        shape.forward(&params, &input, &mut out);
        for (x, y) in input.chunks(3).zip(out.chunks(3)) {
            let one = layer.forward_one(&SVector::from([x[0], x[1], x[2]]));
            assert_eq!(one.as_slice(), y);
        }
        let mut dx = [0.0; 6];
        let mut grads = [9.0; 7];
        let delta = [1.0; 6];
        assert!(shape.backward(&params, &delta, Some(&mut dx), &mut grads));
        assert_eq!(grads, [0.0; 7]);
        assert_eq!(dx[2], 1.0 / EPSILON);
        assert_eq!(dx[0], 1.0 / 0.1_f32.sqrt());
    }

    #[test]
    fn adapt_refuses_bad_input_and_changes_nothing() {
        let mut model = Norm3::new(1);
        let before = model.params().to_vec();
        let err = model
            .adapt_normalization("dense", &rows(&[[1., 2., 3.]]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("`dense` is a Dense layer"), "{err}");
        let err = model
            .adapt_normalization("norm", &rows(&[[1., 2., 3.]]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("normalization"), "{err}");
        let wide = [SVector::<f32, 4>::zeros()];
        let err = model
            .adapt_normalization("normalization", &wide)
            .unwrap_err()
            .to_string();
        assert!(err.contains("(3,)") && err.contains("(4,)"), "{err}");
        let none: [SVector<f32, 3>; 0] = [];
        assert!(model.adapt_normalization("normalization", &none).is_err());
        let nan = rows(&[[1., f32::NAN, 3.]]);
        assert!(model.adapt_normalization("normalization", &nan).is_err());
        assert_eq!(model.params(), before.as_slice());
        assert!(
            NotNorm::new(1)
                .adapt_normalization("dense", &rows(&[[1., 2., 3.]]))
                .is_err()
        );
    }

    #[test]
    fn weights_have_keras_names_shapes_and_are_not_trainable() {
        let model = Norm3::new(1);
        let weights = model.get_weights();
        let names: Vec<(&str, &[usize])> = weights
            .iter()
            .map(|w| (w.name.as_str(), w.shape.as_slice()))
            .collect();
        assert_eq!(
            &names[..3],
            [
                ("normalization/mean", &[3][..]),
                ("normalization/variance", &[3][..]),
                ("normalization/count", &[][..])
            ]
        );
        assert_eq!(weights[1].data, [1.0; 3]);
        let info = &Norm3::LAYERS[0];
        assert_eq!((info.params(), info.non_trainable_params()), (7, 7));
        assert_eq!(info.type_name(), "Normalization");
    }
}
