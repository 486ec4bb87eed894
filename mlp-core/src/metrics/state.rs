//! [`MetricState`]: what one metric keeps between samples (Keras's metric
//! variables), for every kind of metric.

use super::confusion::{AucState, Counts};
use super::r2::R2State;
use super::{Metric, RunningMean};
use crate::target::{TargetKind, TargetRef};

/// One metric and its running state: a weighted mean for the per-sample
/// metrics, confusion counts for `Precision` and `Recall`, threshold buckets
/// for `AUC`, per-output sums for `R2Score`. Feed it samples, read
/// [`MetricState::result`].
///
/// ```
/// use mlp_core::loss::{TargetKind, TargetRef};
/// use mlp_core::metrics::{Metric, MetricState};
///
/// // keras.metrics.Precision()([0, 1, 1, 0], [1, 0, 1, 0]) = 0.5
/// let mut precision = MetricState::new(Metric::precision());
/// for (p, y) in [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (0.0, 0.0)] {
///     precision.update(TargetKind::Binary, &[p], TargetRef::Values(&[y]), 1.0);
/// }
/// assert_eq!(precision.result(), 0.5);
/// # Ok::<(), core::convert::Infallible>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MetricState {
    metric: Metric,
    inner: Inner,
}

#[derive(Clone, Debug, PartialEq)]
enum Inner {
    Mean(RunningMean),
    Counts(Counts),
    Auc(AucState),
    R2(R2State),
}

impl MetricState {
    /// An empty state for `metric` (an `AUC`'s buckets are allocated here;
    /// an `R2Score`'s sums at its first sample, whose width they take).
    pub fn new(metric: Metric) -> Self {
        let inner = match metric {
            Metric::Precision { threshold } | Metric::Recall { threshold } => {
                Inner::Counts(Counts::new(threshold))
            }
            Metric::Auc(auc) => Inner::Auc(AucState::new(auc)),
            Metric::R2Score(options) => Inner::R2(R2State::new(options)),
            _ => Inner::Mean(RunningMean::default()),
        };
        Self { metric, inner }
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Adds one sample (its outputs, its target, its weight) for a loss whose
    /// targets are `kind`.
    #[inline]
    pub fn update(&mut self, kind: TargetKind, y_pred: &[f32], target: TargetRef<'_>, weight: f32) {
        let w = f64::from(weight);
        match &mut self.inner {
            Inner::Mean(mean) => mean.add(self.metric.value(kind, y_pred, target), w),
            Inner::Counts(c) => c.update(y_pred, target, w),
            Inner::Auc(a) => a.update(y_pred, target, w),
            Inner::R2(r) => r.update(y_pred, target, w),
        }
    }

    /// The metric over every sample added since the last reset.
    pub fn result(&self) -> f64 {
        match &self.inner {
            Inner::Mean(mean) => self.metric.result(mean),
            Inner::Counts(c) if matches!(self.metric, Metric::Precision { .. }) => c.precision(),
            Inner::Counts(c) => c.recall(),
            Inner::Auc(a) => a.result(),
            Inner::R2(r) => r.result(),
        }
    }

    /// Forgets every sample (start of an epoch); allocates nothing.
    pub fn reset(&mut self) {
        match &mut self.inner {
            Inner::Mean(mean) => mean.reset(),
            Inner::Counts(c) => *c = Counts::new(c.threshold()),
            Inner::Auc(a) => a.reset(),
            Inner::R2(r) => r.reset(),
        }
    }
}
