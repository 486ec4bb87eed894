//! Metrics, named as Keras names them in `History` (`accuracy`, `mse`, ...).
//! Each is a per-sample value averaged over samples (weighted by sample
//! weights), as Keras's `MeanMetricWrapper`: feed [`Metric::value`] of each
//! sample into a [`RunningMean`] and read [`Metric::result`] of it.
//! "accuracy" and top-k accuracy resolve by the loss's [`TargetKind`].
//!
//! | metric | name in `History` | per-sample value |
//! | --- | --- | --- |
//! | [`Metric::Accuracy`] | `accuracy` | sparse: `argmax(p) == y`; categorical: `argmax(p) == argmax(y)`; binary: mean over outputs of `(p > 0.5) == (y > 0.5)` |
//! | [`Metric::MeanSquaredError`] | `mse` | mean over outputs of `(y - p)^2` |
//! | [`Metric::MeanAbsoluteError`] | `mae` | mean over outputs of `abs(y - p)` |
//! | [`Metric::TopKCategoricalAccuracy`] | `top_k_categorical_accuracy` (`sparse_top_k_categorical_accuracy` with class-index targets) | whether the target class is among the `k` largest outputs |
//! | [`Metric::RootMeanSquaredError`] | `root_mean_squared_error` | as `mse`; the result is the square root of the mean |
//!
//! Regression metrics read a class-index target as its one-hot vector; a
//! target that does not fit the outputs gives NaN.
//!
//! ```
//! use mlp_core::loss::{TargetKind, TargetRef};
//! use mlp_core::metrics::{Metric, RunningMean};
//!
//! let mut mean = RunningMean::default();
//! mean.add(Metric::Accuracy.value(TargetKind::Sparse, &[0.1, 0.7, 0.2], TargetRef::Class(1)), 1.0);
//! mean.add(Metric::Accuracy.value(TargetKind::Sparse, &[0.8, 0.1, 0.1], TargetRef::Class(2)), 1.0);
//! assert_eq!(Metric::Accuracy.result(&mean), 0.5);
//!
//! let top2 = Metric::TopKCategoricalAccuracy(2);
//! assert_eq!(top2.name_for(TargetKind::Sparse), "sparse_top_k_categorical_accuracy");
//! assert_eq!(top2.value(TargetKind::Sparse, &[0.5, 0.3, 0.2], TargetRef::Class(1)), 1.0);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use crate::target::{TargetKind, TargetRef};

/// A metric to track during `fit` and `evaluate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// Keras's `"accuracy"`: sparse, categorical or binary accuracy by target kind.
    Accuracy,
    /// Keras's `"mse"`: mean over outputs of the squared error.
    MeanSquaredError,
    /// Keras's `"mae"`: mean over outputs of the absolute error.
    MeanAbsoluteError,
    /// Keras's `TopKCategoricalAccuracy(k)` (sparse or not by target kind):
    /// 1 when fewer than `k` outputs exceed the target class's output (ties
    /// count in, as TensorFlow's `in_top_k`). Keras's default `k` is 5:
    /// [`Metric::top_k_categorical_accuracy`].
    TopKCategoricalAccuracy(usize),
    /// Keras's `RootMeanSquaredError`: the square root of the (weighted) mean
    /// squared error over all samples, not a mean of per-sample roots.
    /// [`Metric::value`] gives each sample's mean squared error and
    /// [`Metric::result`] takes the root of their mean.
    RootMeanSquaredError,
}

impl Metric {
    /// Top-5 categorical accuracy, Keras's default `k`.
    pub const fn top_k_categorical_accuracy() -> Self {
        Self::TopKCategoricalAccuracy(5)
    }

    /// Checks the metric's parameters: `TopKCategoricalAccuracy(k)` needs
    /// `k >= 1` (an [`Error::InvalidArgument`](crate::Error::InvalidArgument)
    /// otherwise, as Keras raises `ValueError`). `fit` and `evaluate` call it
    /// first.
    #[cfg(feature = "alloc")]
    pub fn validate(&self) -> crate::Result<()> {
        match self {
            Self::TopKCategoricalAccuracy(0) => Err(crate::Error::InvalidArgument {
                name: "k",
                message: "TopKCategoricalAccuracy's k is 0; it must be at least 1".into(),
            }),
            _ => Ok(()),
        }
    }

    /// The name in `History` and in the progress line. Top-k accuracy with
    /// class-index targets is named differently: see [`Metric::name_for`].
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accuracy => "accuracy",
            Self::MeanSquaredError => "mse",
            Self::MeanAbsoluteError => "mae",
            Self::TopKCategoricalAccuracy(_) => "top_k_categorical_accuracy",
            Self::RootMeanSquaredError => "root_mean_squared_error",
        }
    }

    /// The name in `History` for a loss whose targets are `kind`:
    /// `sparse_top_k_categorical_accuracy` for top-k with class indices,
    /// else [`Metric::name`].
    pub fn name_for(&self, kind: TargetKind) -> &'static str {
        match (self, kind) {
            (Self::TopKCategoricalAccuracy(_), TargetKind::Sparse) => {
                "sparse_top_k_categorical_accuracy"
            }
            _ => self.name(),
        }
    }

    /// The metric of one sample: its output `y_pred` and target. Average it
    /// over samples with a [`RunningMean`] and read [`Metric::result`].
    pub fn value(&self, kind: TargetKind, y_pred: &[f32], target: TargetRef<'_>) -> f64 {
        match self {
            Self::Accuracy => accuracy(kind, y_pred, target),
            Self::MeanSquaredError | Self::RootMeanSquaredError => {
                mean_error(y_pred, target, |e| e * e)
            }
            Self::MeanAbsoluteError => mean_error(y_pred, target, f64::abs),
            Self::TopKCategoricalAccuracy(k) => in_top_k(y_pred, target.class(), *k),
        }
    }

    /// The metric over all samples seen, from the running mean of
    /// [`Metric::value`]: the mean itself, or its square root for
    /// [`Metric::RootMeanSquaredError`].
    pub fn result(&self, mean: &RunningMean) -> f64 {
        match self {
            Self::RootMeanSquaredError => libm::sqrt(mean.value()),
            _ => mean.value(),
        }
    }
}

pub use crate::target::argmax;

fn accuracy(kind: TargetKind, y_pred: &[f32], target: TargetRef<'_>) -> f64 {
    let hit = match (kind, target) {
        (TargetKind::Binary, TargetRef::Values(t)) => {
            let hits = y_pred
                .iter()
                .zip(t)
                .filter(|(p, t)| (**p > 0.5) == (**t > 0.5))
                .count();
            return hits as f64 / t.len().max(1) as f64;
        }
        (_, TargetRef::Class(y)) => argmax(y_pred) == y,
        (_, TargetRef::Values(t)) => argmax(y_pred) == argmax(t),
    };
    if hit { 1.0 } else { 0.0 }
}

/// Mean over outputs of `f(prediction - target)`; NaN if the target does not fit.
fn mean_error(y_pred: &[f32], target: TargetRef<'_>, f: impl Fn(f64) -> f64) -> f64 {
    if !target.fits(y_pred.len()) || y_pred.is_empty() {
        return f64::NAN;
    }
    let sum: f64 = y_pred
        .iter()
        .enumerate()
        .map(|(i, p)| f(*p as f64 - target.value(i) as f64))
        .sum();
    sum / y_pred.len() as f64
}

/// 1 if fewer than `k` outputs are strictly above the target class's output.
fn in_top_k(y_pred: &[f32], class: usize, k: usize) -> f64 {
    match y_pred.get(class) {
        Some(p) if p.is_finite() => {
            let above = y_pred.iter().filter(|q| *q > p).count();
            if above < k { 1.0 } else { 0.0 }
        }
        _ => 0.0,
    }
}

/// A weighted running mean (Keras's `Mean` metric state).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunningMean {
    sum: f64,
    weight: f64,
}

impl RunningMean {
    /// Adds a value with a weight.
    pub fn add(&mut self, value: f64, weight: f64) {
        self.sum += value * weight;
        self.weight += weight;
    }

    /// The mean so far (0 before any value, as Keras).
    pub fn value(&self) -> f64 {
        if self.weight == 0.0 {
            0.0
        } else {
            self.sum / self.weight
        }
    }

    /// The total weight added so far.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_of_zero_is_an_error() {
        let e = Metric::TopKCategoricalAccuracy(0).validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument `k`: TopKCategoricalAccuracy's k is 0; it must be at least 1"
        );
        assert!(Metric::TopKCategoricalAccuracy(1).validate().is_ok());
        assert!(Metric::Accuracy.validate().is_ok());
    }

    #[test]
    fn accuracy_of_each_kind() {
        let p = [0.1_f32, 0.7, 0.2];
        let acc = |kind, t| Metric::Accuracy.value(kind, &p, t);
        assert_eq!(acc(TargetKind::Sparse, TargetRef::Class(1)), 1.0);
        assert_eq!(acc(TargetKind::Sparse, TargetRef::Class(2)), 0.0);
        assert_eq!(
            acc(TargetKind::Categorical, TargetRef::Values(&[0.0, 1.0, 0.0])),
            1.0
        );
        assert_eq!(
            acc(TargetKind::Categorical, TargetRef::Values(&[1.0, 0.0, 0.0])),
            0.0
        );
        // Binary: per output, thresholded at 0.5: hits on outputs 0 and 2 only.
        assert!(
            (acc(TargetKind::Binary, TargetRef::Values(&[0.0, 0.0, 0.0])) - 2.0 / 3.0).abs()
                < 1e-12
        );
    }

    #[test]
    fn top_k_counts_ties_in() {
        let p = [0.1_f32, 0.4, 0.4, 0.1];
        assert_eq!(in_top_k(&p, 2, 1), 1.0);
        assert_eq!(in_top_k(&p, 0, 2), 0.0);
        assert_eq!(in_top_k(&p, 0, 3), 1.0);
        assert_eq!(in_top_k(&p, 9, 3), 0.0);
        let top1 = Metric::TopKCategoricalAccuracy(1);
        assert_eq!(
            top1.value(
                TargetKind::Categorical,
                &p,
                TargetRef::Values(&[0.0, 1.0, 0.0, 0.0])
            ),
            1.0
        );
        assert_eq!(
            top1.value(
                TargetKind::Categorical,
                &p,
                TargetRef::Values(&[0.0, 0.0, 0.0, 1.0])
            ),
            0.0
        );
        assert_eq!(
            Metric::top_k_categorical_accuracy(),
            Metric::TopKCategoricalAccuracy(5)
        );
    }

    #[test]
    fn regression_metrics_and_weighting() {
        let mut mse = RunningMean::default();
        let mut rmse = RunningMean::default();
        let mut mae = RunningMean::default();
        // Sample 1: errors (1, -3): mse 5, mae 2. Sample 2: errors (0, 2): mse 2, mae 1.
        let samples: [([f32; 2], [f32; 2], f64); 2] =
            [([1.0, 0.0], [0.0, 3.0], 1.0), ([2.0, 2.0], [2.0, 0.0], 3.0)];
        for (p, y, w) in samples {
            let t = TargetRef::Values(&y);
            mse.add(
                Metric::MeanSquaredError.value(TargetKind::Regression, &p, t),
                w,
            );
            rmse.add(
                Metric::RootMeanSquaredError.value(TargetKind::Regression, &p, t),
                w,
            );
            mae.add(
                Metric::MeanAbsoluteError.value(TargetKind::Regression, &p, t),
                w,
            );
        }
        assert!((Metric::MeanSquaredError.result(&mse) - (5.0 + 3.0 * 2.0) / 4.0).abs() < 1e-12);
        assert!(
            (Metric::RootMeanSquaredError.result(&rmse) - (11.0_f64 / 4.0).sqrt()).abs() < 1e-12
        );
        assert!((Metric::MeanAbsoluteError.result(&mae) - (2.0 + 3.0 * 1.0) / 4.0).abs() < 1e-12);
        assert_eq!(mse.weight(), 4.0);
    }

    #[test]
    fn names() {
        assert_eq!(Metric::MeanSquaredError.name(), "mse");
        assert_eq!(Metric::MeanAbsoluteError.name(), "mae");
        let top = Metric::top_k_categorical_accuracy();
        assert_eq!(
            top.name_for(TargetKind::Categorical),
            "top_k_categorical_accuracy"
        );
        assert_eq!(
            top.name_for(TargetKind::Sparse),
            "sparse_top_k_categorical_accuracy"
        );
        assert_eq!(Metric::Accuracy.name_for(TargetKind::Sparse), "accuracy");
    }

    #[test]
    fn mismatched_targets_are_nan() {
        let v = Metric::MeanSquaredError.value(
            TargetKind::Regression,
            &[1.0, 2.0],
            TargetRef::Values(&[1.0]),
        );
        assert!(v.is_nan());
        let v =
            Metric::MeanSquaredError.value(TargetKind::Sparse, &[0.25, 0.75], TargetRef::Class(1));
        assert!((v - 0.0625).abs() < 1e-12);
    }
}

/// Values from Keras 3.15.1's metrics (JAX backend).
#[cfg(test)]
mod keras_reference {
    use super::*;

    #[test]
    fn top_k() {
        // keras.metrics.sparse_top_k_categorical_accuracy([2, 3, 1], y_pred, k=2) = [1, 0, 1]
        // (the third row is a four-way tie, which counts as in the top 2).
        let y_pred = [[0.1_f32, 0.5, 0.3, 0.1], [0.4, 0.3, 0.2, 0.1], [0.25; 4]];
        let top2 = Metric::TopKCategoricalAccuracy(2);
        let classes = [2, 3, 1];
        let got: [f64; 3] = core::array::from_fn(|i| {
            top2.value(TargetKind::Sparse, &y_pred[i], TargetRef::Class(classes[i]))
        });
        // The same with one-hot targets: keras.metrics.top_k_categorical_accuracy.
        let one_hot = [
            [0.0_f32, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
            [0.0, 1.0, 0.0, 0.0],
        ];
        let categorical: [f64; 3] = core::array::from_fn(|i| {
            top2.value(
                TargetKind::Categorical,
                &y_pred[i],
                TargetRef::Values(&one_hot[i]),
            )
        });
        assert_eq!(categorical, got);
        assert_eq!(got, [1.0, 0.0, 1.0]);
    }

    #[test]
    fn weighted_mse_and_rmse() {
        // m = keras.metrics.MeanSquaredError() / RootMeanSquaredError();
        // m.update_state(t, a, sample_weight=[1, 3]).
        let a = [[1.5_f32, -0.2, 3.0], [0.1, 0.2, -2.5]];
        let t = [[1.0_f32, 0.4, 0.0], [0.1, -1.0, 0.5]];
        let mut mse = RunningMean::default();
        for ((a, t), w) in a.iter().zip(&t).zip([1.0, 3.0]) {
            mse.add(
                Metric::RootMeanSquaredError.value(TargetKind::Regression, a, TargetRef::Values(t)),
                w,
            );
        }
        assert!((Metric::MeanSquaredError.result(&mse) - 3.410_833_358_8).abs() < 1e-6);
        assert!((Metric::RootMeanSquaredError.result(&mse) - 1.846_844_196_3).abs() < 1e-6);
    }
}
