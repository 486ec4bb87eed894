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
//! | [`Metric::MeanAbsolutePercentageError`] | `mean_absolute_percentage_error` | `100 * mean(abs(y - p) / max(abs(y), 1e-7))` |
//! | [`Metric::MeanSquaredLogarithmicError`] | `mean_squared_logarithmic_error` | `mean((log(max(p, 1e-7) + 1) - log(max(y, 1e-7) + 1))^2)` |
//! | [`Metric::CosineSimilarity`] | `cosine_similarity` | the cosine between `p` and `y` |
//! | [`Metric::LogCoshError`] | `logcosh` | `mean(log(cosh(p - y)))` |
//! | [`Metric::R2Score`] | `r2_score` | (over all samples) the coefficient of determination |
//! | [`Metric::Precision`] | `precision` | (over all samples and outputs) `tp / (tp + fp)` |
//! | [`Metric::Recall`] | `recall` | (over all samples and outputs) `tp / (tp + fn)` |
//! | [`Metric::Auc`] | `auc` | (over all samples and outputs) the area under the ROC or PR curve |
//!
//! The last four are not means of per-sample values: a [`MetricState`]
//! keeps what each metric needs (Keras's metric variables), and the
//! trainer uses one per metric for all of them.
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

mod confusion;
mod r2;
mod regression;
#[cfg(feature = "alloc")]
mod state;

pub use confusion::{Auc, AucCurve, AucSummation};
pub use r2::{R2Aggregation, R2Score};
#[cfg(feature = "alloc")]
pub use state::MetricState;

use crate::target::{TargetKind, TargetRef};

/// A metric to track during `fit` and `evaluate`.
#[derive(Clone, Copy, Debug, PartialEq)]
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
    /// Keras's `MeanAbsolutePercentageError`.
    MeanAbsolutePercentageError,
    /// Keras's `MeanSquaredLogarithmicError`.
    MeanSquaredLogarithmicError,
    /// Keras's `CosineSimilarity` (over the outputs of a sample, `axis=-1`).
    CosineSimilarity,
    /// Keras's `LogCoshError`.
    LogCoshError,
    /// Keras's `R2Score` (kept in a [`MetricState`]).
    R2Score(R2Score),
    /// Keras's `Precision(thresholds=threshold)` (Keras's default 0.5; kept
    /// in a [`MetricState`]).
    Precision {
        /// An output counts as predicted positive above it.
        threshold: f32,
    },
    /// Keras's `Recall(thresholds=threshold)` (Keras's default 0.5; kept in
    /// a [`MetricState`]).
    Recall {
        /// An output counts as predicted positive above it.
        threshold: f32,
    },
    /// Keras's `AUC` (kept in a [`MetricState`]).
    Auc(Auc),
}

impl Metric {
    /// Top-5 categorical accuracy, Keras's default `k`.
    pub const fn top_k_categorical_accuracy() -> Self {
        Self::TopKCategoricalAccuracy(5)
    }

    /// Keras's `Precision()`: threshold 0.5.
    pub const fn precision() -> Self {
        Self::Precision { threshold: 0.5 }
    }

    /// Keras's `Recall()`: threshold 0.5.
    pub const fn recall() -> Self {
        Self::Recall { threshold: 0.5 }
    }

    /// Keras's `AUC()`: ROC, 200 thresholds, interpolation.
    pub fn auc() -> Self {
        Self::Auc(Auc::default())
    }

    /// Keras's `R2Score()`: uniform average, no adjustment.
    pub fn r2_score() -> Self {
        Self::R2Score(R2Score::default())
    }

    /// Checks the metric's parameters: `TopKCategoricalAccuracy(k)` needs
    /// `k >= 1`, `AUC` more than one threshold, `Precision` and `Recall` a
    /// threshold in `[0, 1]` (an
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) otherwise,
    /// as Keras raises `ValueError`). `fit` and `evaluate` call it first.
    #[cfg(feature = "alloc")]
    pub fn validate(&self) -> crate::Result<()> {
        let invalid = |name, message: alloc::string::String| {
            Err(crate::Error::InvalidArgument { name, message })
        };
        match *self {
            Self::TopKCategoricalAccuracy(0) => invalid(
                "k",
                "TopKCategoricalAccuracy's k is 0; it must be at least 1".into(),
            ),
            Self::Auc(Auc { num_thresholds, .. }) if num_thresholds <= 1 => invalid(
                "num_thresholds",
                alloc::format!("AUC's num_thresholds is {num_thresholds}; it must be more than 1"),
            ),
            Self::Precision { threshold } | Self::Recall { threshold }
                if !(0.0..=1.0).contains(&threshold) =>
            {
                invalid(
                    "thresholds",
                    alloc::format!(
                        "{}'s threshold is {threshold}; it must be in [0, 1]",
                        self.name()
                    ),
                )
            }
            _ => Ok(()),
        }
    }

    /// Whether the metric is a mean of per-sample values ([`Metric::value`]
    /// and [`Metric::result`] of a [`RunningMean`] compute it); the others
    /// need a [`MetricState`].
    pub const fn is_mean(&self) -> bool {
        !matches!(
            self,
            Self::R2Score(_) | Self::Precision { .. } | Self::Recall { .. } | Self::Auc(_)
        )
    }

    /// Whether a larger value is better (Keras 3's `_direction = "up"`): the
    /// accuracies, cosine similarity, R², precision, recall and AUC.
    pub const fn higher_is_better(&self) -> bool {
        matches!(
            self,
            Self::Accuracy
                | Self::TopKCategoricalAccuracy(_)
                | Self::CosineSimilarity
                | Self::R2Score(_)
                | Self::Precision { .. }
                | Self::Recall { .. }
                | Self::Auc(_)
        )
    }

    /// Whether the log named `name` (`accuracy`, `val_auc`,
    /// `class_precision`, ...: a metric's name, after `val_` and an
    /// output's prefix) is of a metric whose larger values are better
    /// ([`Metric::higher_is_better`]), as Keras 3's callbacks decide their
    /// `auto` mode. `loss` and unknown names are not.
    pub fn higher_is_better_named(name: &str) -> bool {
        let every = [
            Self::Accuracy,
            Self::MeanSquaredError,
            Self::MeanAbsoluteError,
            Self::top_k_categorical_accuracy(),
            Self::RootMeanSquaredError,
            Self::MeanAbsolutePercentageError,
            Self::MeanSquaredLogarithmicError,
            Self::CosineSimilarity,
            Self::LogCoshError,
            Self::r2_score(),
            Self::precision(),
            Self::recall(),
            Self::auc(),
        ];
        every.iter().filter(|m| m.higher_is_better()).any(|m| {
            [TargetKind::Sparse, TargetKind::Categorical]
                .iter()
                .any(|&kind| {
                    let metric = m.name_for(kind);
                    name == metric
                        || name
                            .strip_suffix(metric)
                            .is_some_and(|prefix| prefix.ends_with('_'))
                })
        })
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
            Self::MeanAbsolutePercentageError => "mean_absolute_percentage_error",
            Self::MeanSquaredLogarithmicError => "mean_squared_logarithmic_error",
            Self::CosineSimilarity => "cosine_similarity",
            Self::LogCoshError => "logcosh",
            Self::R2Score(_) => "r2_score",
            Self::Precision { .. } => "precision",
            Self::Recall { .. } => "recall",
            Self::Auc(_) => "auc",
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
    /// over samples with a [`RunningMean`] and read [`Metric::result`]. NaN
    /// for the metrics that are not means ([`Metric::is_mean`]).
    pub fn value(&self, kind: TargetKind, y_pred: &[f32], target: TargetRef<'_>) -> f64 {
        match self {
            Self::MeanAbsolutePercentageError => {
                regression::mean_over_outputs(y_pred, target, regression::mape)
            }
            Self::MeanSquaredLogarithmicError => {
                regression::mean_over_outputs(y_pred, target, regression::msle)
            }
            Self::CosineSimilarity => regression::cosine_similarity(y_pred, target),
            Self::LogCoshError => {
                regression::mean_over_outputs(y_pred, target, regression::log_cosh)
            }
            Self::R2Score(_) | Self::Precision { .. } | Self::Recall { .. } | Self::Auc(_) => {
                f64::NAN
            }
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
        let top1 = |y: &[f32]| {
            Metric::TopKCategoricalAccuracy(1).value(
                TargetKind::Categorical,
                &p,
                TargetRef::Values(y),
            )
        };
        assert_eq!(top1(&[0.0, 1.0, 0.0, 0.0]), 1.0);
        assert_eq!(top1(&[0.0, 0.0, 0.0, 1.0]), 0.0);
        assert_eq!(
            Metric::top_k_categorical_accuracy(),
            Metric::TopKCategoricalAccuracy(5)
        );
    }

    #[test]
    fn regression_metrics_and_weighting() {
        // Sample 1: errors (1, -3): mse 5, mae 2. Sample 2: errors (0, 2): mse 2, mae 1.
        let samples: [([f32; 2], [f32; 2], f64); 2] =
            [([1.0, 0.0], [0.0, 3.0], 1.0), ([2.0, 2.0], [2.0, 0.0], 3.0)];
        let cases = [
            (Metric::MeanSquaredError, (5.0 + 3.0 * 2.0) / 4.0),
            (Metric::RootMeanSquaredError, (11.0_f64 / 4.0).sqrt()),
            (Metric::MeanAbsoluteError, (2.0 + 3.0 * 1.0) / 4.0),
        ];
        for (metric, want) in cases {
            let mut mean = RunningMean::default();
            for (p, y, w) in samples {
                mean.add(
                    metric.value(TargetKind::Regression, &p, TargetRef::Values(&y)),
                    w,
                );
            }
            assert!((metric.result(&mean) - want).abs() < 1e-12, "{metric:?}");
            assert_eq!(mean.weight(), 4.0);
        }
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

/// Keras's own test cases for the metrics kept in a [`MetricState`] and the
/// new per-sample ones (keras/src/metrics/*_test.py, Keras 3.16).
#[cfg(all(test, feature = "alloc"))]
mod keras_tests {
    use super::*;

    /// `metric` over rows of predictions and targets with per-sample weights.
    fn run(
        metric: Metric,
        kind: TargetKind,
        y_pred: &[&[f32]],
        y_true: &[&[f32]],
        w: &[f32],
    ) -> f64 {
        let mut state = MetricState::new(metric);
        for (i, (p, y)) in y_pred.iter().zip(y_true).enumerate() {
            state.update(
                kind,
                p,
                TargetRef::Values(y),
                w.get(i).copied().unwrap_or(1.0),
            );
        }
        state.result()
    }

    /// Each element as its own sample of one output: Keras flattens the
    /// outputs for the confusion metrics, so an element-wise weight is the
    /// weight of that one-output sample.
    fn run_elements(metric: Metric, y_pred: &[f32], y_true: &[f32], w: &[f32]) -> f64 {
        let p: Vec<&[f32]> = y_pred.iter().map(core::slice::from_ref).collect();
        let y: Vec<&[f32]> = y_true.iter().map(core::slice::from_ref).collect();
        run(metric, TargetKind::Binary, &p, &y, w)
    }

    fn close(got: f64, want: f64, tol: f64) {
        assert!((got - want).abs() <= tol, "{got} vs Keras {want}");
    }

    const Y_TRUE_01: [[f32; 5]; 4] = [
        [0.0, 1.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0, 1.0, 1.0],
        [1.0, 1.0, 1.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
    ];
    const Y_PRED_01: [[f32; 5]; 4] = [
        [0.0, 0.0, 1.0, 1.0, 0.0],
        [1.0, 1.0, 1.0, 1.0, 1.0],
        [0.0, 1.0, 0.0, 1.0, 0.0],
        [1.0, 1.0, 1.0, 1.0, 1.0],
    ];
    const W_01: [f32; 4] = [1.0, 1.5, 2.0, 2.5];

    fn rows<const N: usize>(m: &[[f32; N]]) -> Vec<&[f32]> {
        m.iter().map(|r| r.as_slice()).collect()
    }

    // regression_metrics_test.py
    #[test]
    fn mape_msle_mse_mae() {
        let (p, y) = (rows(&Y_PRED_01), rows(&Y_TRUE_01));
        let reg = TargetKind::Regression;
        let cases: [(Metric, &[f32], f64, f64); 7] = [
            // MeanAbsolutePercentageErrorTest.test_unweighted / test_weighted
            (Metric::MeanAbsolutePercentageError, &[], 35e7, 1e-5 * 35e7),
            (
                Metric::MeanAbsolutePercentageError,
                &W_01,
                40e7,
                1e-5 * 40e7,
            ),
            // MeanSquaredLogarithmicErrorTest.test_unweighted / test_weighted
            (Metric::MeanSquaredLogarithmicError, &[], 0.24022, 1e-5),
            (Metric::MeanSquaredLogarithmicError, &W_01, 0.26082, 1e-5),
            // MeanSquaredErrorTest, MeanAbsoluteErrorTest: 0.5 and 0.54285
            (Metric::MeanSquaredError, &[], 0.5, 1e-5),
            (Metric::MeanSquaredError, &W_01, 0.54285, 1e-5),
            (Metric::MeanAbsoluteError, &W_01, 0.54285, 1e-5),
        ];
        for (metric, w, want, tol) in cases {
            close(run(metric, reg, &p, &y, w), want, tol);
        }
        // RootMeanSquaredErrorTest.test_weighted: sqrt(13)
        let p = [[1.0_f32], [3.0], [2.0], [3.0]];
        let y = [[2.0_f32], [4.0], [6.0], [8.0]];
        let w = [0.0, 1.0, 0.0, 1.0];
        close(
            run(Metric::RootMeanSquaredError, reg, &rows(&p), &rows(&y), &w),
            13f64.sqrt(),
            1e-3,
        );
    }

    #[test]
    fn cosine_similarity_and_logcosh() {
        let y_true = [[1.0_f32, 9.0, 2.0], [-5.0, -2.0, 6.0]];
        let y_pred = [[4.0_f32, 8.0, 12.0], [8.0, 1.0, 3.0]];
        let (p, y) = (rows(&y_pred), rows(&y_true));
        let reg = TargetKind::Regression;
        // CosineSimilarityTest: expected from the l2-normalised rows.
        let cos = |a: &[f32; 3], b: &[f32; 3]| {
            let dot: f64 = a.iter().zip(b).map(|(a, b)| f64::from(a * b)).sum();
            let n = |v: &[f32; 3]| v.iter().map(|x| f64::from(x * x)).sum::<f64>().sqrt();
            dot / (n(a) * n(b))
        };
        let expected = [cos(&y_true[0], &y_pred[0]), cos(&y_true[1], &y_pred[1])];
        // test_unweighted, test_axis (axis=1 is the outputs' axis here)
        close(
            run(Metric::CosineSimilarity, reg, &p, &y, &[]),
            (expected[0] + expected[1]) / 2.0,
            1e-3,
        );
        // test_weighted
        let w = [1.2, 3.4];
        let want = (expected[0] * 1.2 + expected[1] * 3.4) / 4.6;
        close(run(Metric::CosineSimilarity, reg, &p, &y, &w), want, 1e-3);
        // LogCoshErrorTest: log((exp(e) + exp(-e)) / 2), mean over the 6 values,
        // then weighted by [1.2, 3.4] per row.
        let logcosh = |e: f64| ((e.exp() + (-e).exp()) / 2.0).ln();
        let per_row: Vec<f64> = (0..2)
            .map(|r| {
                (0..3)
                    .map(|i| logcosh(f64::from(y_pred[r][i] - y_true[r][i])))
                    .sum::<f64>()
                    / 3.0
            })
            .collect();
        close(
            run(Metric::LogCoshError, reg, &p, &y, &[]),
            (per_row[0] + per_row[1]) / 2.0,
            1e-3,
        );
        close(
            run(Metric::LogCoshError, reg, &p, &y, &w),
            (per_row[0] * 1.2 + per_row[1] * 3.4) / 4.6,
            1e-3,
        );
    }

    #[test]
    fn r2_score() {
        let r2 = |class_aggregation, num_regressors| {
            Metric::R2Score(R2Score {
                class_aggregation,
                num_regressors,
            })
        };
        let y_true = [[0.0_f32, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]];
        let reg = TargetKind::Regression;
        // R2ScoreTest.test_r2_sklearn_comparison (uniform and variance-weighted, 0 regressors: -0.12)
        let y_pred = [[0.4_f32, 0.5, 0.6], [0.1, 0.2, 0.3], [0.5, 0.8, 0.2]];
        let (p, y) = (rows(&y_pred), rows(&y_true));
        for aggregation in [
            R2Aggregation::UniformAverage,
            R2Aggregation::VarianceWeightedAverage,
        ] {
            close(run(r2(aggregation, 0), reg, &p, &y, &[]), -0.12, 1e-6);
        }
        // R2ScoreTest.test_r2_tfa_comparison, weights [0.8, 0.1, 0.4]
        let y_pred = [[0.4_f32, 0.9, 1.6], [0.1, 1.2, 0.6], [1.5, 0.8, 0.6]];
        let (p, w) = (rows(&y_pred), [0.8, 0.1, 0.4]);
        use R2Aggregation::VarianceWeightedAverage as VarianceWeighted;
        let cases = [
            (R2Aggregation::UniformAverage, 0, -3.061_536_788_940_429_7),
            (R2Aggregation::UniformAverage, 1, -7.123_073_577_880_859),
            (R2Aggregation::UniformAverage, 2, -3.061_536_788_940_429_7),
            (VarianceWeighted, 0, -1.371_022_462_844_848_6),
            (VarianceWeighted, 1, -3.742_044_448_852_539),
            (VarianceWeighted, 2, -1.371_022_462_844_848_6),
        ];
        for (aggregation, regressors, want) in cases {
            close(
                run(r2(aggregation, regressors), reg, &p, &y, &w),
                want,
                1e-5,
            );
        }
    }

    // confusion_metrics_test.py
    #[test]
    fn precision_and_recall() {
        let precision = Metric::precision();
        let recall = Metric::recall();
        // PrecisionTest.test_unweighted, RecallTest.test_unweighted: 0.5
        let (p, y) = ([1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]);
        close(run_elements(precision, &p, &y, &[]), 0.5, 1e-7);
        close(run_elements(recall, &p, &y, &[]), 0.5, 1e-7);
        // PrecisionTest.test_weighted: element weights [[1, 2, 3, 4], [4, 3, 2, 1]]
        let p = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let y = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        let w = [1.0, 2.0, 3.0, 4.0, 4.0, 3.0, 2.0, 1.0];
        close(run_elements(precision, &p, &y, &w), 7.0 / 10.0, 1e-7);
        // RecallTest.test_weighted: predictions [[1, 0, 1, 0], [0, 1, 0, 1]]
        let p = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        let want = (3.0 + 1.0) / ((2.0 + 3.0) + (4.0 + 1.0));
        close(run_elements(recall, &p, &y, &w), want, 1e-7);
        // test_div_by_zero: 0
        assert_eq!(run_elements(precision, &[0.0; 4], &[0.0; 4], &[]), 0.0);
        assert_eq!(run_elements(recall, &[0.0; 4], &[0.0; 4], &[]), 0.0);
        // test_unweighted_with_threshold: thresholds [0.5, 0.7] give [0.5, 0]
        // for precision and [0.5, 0] for recall.
        let (p, y) = ([1.0, 0.0, 0.6, 0.0], [0.0, 1.0, 1.0, 0.0]);
        for (metric, want) in [
            (precision, 0.5),
            (Metric::Precision { threshold: 0.7 }, 0.0),
            (recall, 0.5),
            (Metric::Recall { threshold: 0.7 }, 0.0),
        ] {
            close(run_elements(metric, &p, &y, &[]), want, 1e-7);
        }
        // PrecisionTest.test_weighted_with_threshold, thresholds [0.5, 1.0]:
        // y [[0, 1], [1, 0]], p [[1, 0], [0.6, 0]], weights [[4, 0], [3, 1]].
        let (p, y) = ([1.0, 0.0, 0.6, 0.0], [0.0, 1.0, 1.0, 0.0]);
        let w = [4.0, 0.0, 3.0, 1.0];
        close(run_elements(precision, &p, &y, &w), 3.0 / 7.0, 1e-7);
        close(
            run_elements(Metric::Precision { threshold: 1.0 }, &p, &y, &w),
            0.0,
            1e-7,
        );
        // RecallTest.test_weighted_with_threshold: weights [[1, 4], [3, 2]].
        let w = [1.0, 4.0, 3.0, 2.0];
        close(run_elements(recall, &p, &y, &w), 3.0 / 7.0, 1e-3);
        close(
            run_elements(Metric::Recall { threshold: 1.0 }, &p, &y, &w),
            0.0,
            1e-3,
        );
        // A two-output sample counts both outputs, as Keras flattens them.
        let p: [&[f32]; 2] = [&[1.0, 0.0], &[0.6, 0.0]];
        let y: [&[f32]; 2] = [&[0.0, 1.0], &[1.0, 0.0]];
        close(run(precision, TargetKind::Binary, &p, &y, &[]), 0.5, 1e-7);
    }

    #[test]
    fn auc() {
        // AUCTest: y_pred [0, 0.5, 0.3, 0.9], y_true [0, 0, 1, 1], weights [1, 2, 3, 4], 3 thresholds.
        let p = [0.0, 0.5, 0.3, 0.9];
        let y = [0.0, 0.0, 1.0, 1.0];
        let w = [1.0, 2.0, 3.0, 4.0];
        let auc = |curve, summation_method| {
            Metric::Auc(Auc {
                num_thresholds: 3,
                curve,
                summation_method,
            })
        };
        use AucCurve::{Pr, Roc};
        use AucSummation::{Interpolation, Majoring, Minoring};
        // test_unweighted_all_correct
        assert_eq!(run_elements(Metric::auc(), &y, &y, &[]), 1.0);
        let cases: [(Metric, &[f32], f64); 7] = [
            // test_unweighted: 0.75
            (auc(Roc, Interpolation), &[], 0.75),
            // test_weighted_roc_interpolation, _majoring, _minoring
            (auc(Roc, Interpolation), &w, 0.7855),
            (auc(Roc, Majoring), &w, 1.0),
            (auc(Roc, Minoring), &w, 0.571),
            // test_weighted_pr_majoring, _minoring, _interpolation
            (auc(Pr, Majoring), &w, 0.429 + 0.571),
            (auc(Pr, Minoring), &w, 0.7 * 0.429),
            (auc(Pr, Interpolation), &w, (2.416 + 4.0) / 7.0),
        ];
        for (metric, w, want) in cases {
            close(run_elements(metric, &p, &y, w), want, 1e-3);
        }
    }

    #[test]
    fn validation_and_names() {
        assert!(
            Metric::Auc(Auc {
                num_thresholds: 1,
                ..Auc::default()
            })
            .validate()
            .is_err()
        );
        let e = Metric::Precision { threshold: 1.5 }.validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument `thresholds`: precision's threshold is 1.5; it must be in [0, 1]"
        );
        let names: Vec<_> = [
            Metric::MeanAbsolutePercentageError,
            Metric::MeanSquaredLogarithmicError,
            Metric::CosineSimilarity,
            Metric::LogCoshError,
            Metric::r2_score(),
            Metric::precision(),
            Metric::recall(),
            Metric::auc(),
        ]
        .iter()
        .map(Metric::name)
        .collect();
        assert_eq!(
            names,
            [
                "mean_absolute_percentage_error",
                "mean_squared_logarithmic_error",
                "cosine_similarity",
                "logcosh",
                "r2_score",
                "precision",
                "recall",
                "auc"
            ]
        );
    }
}
