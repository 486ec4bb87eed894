//! Running means of the loss and metrics over an epoch or an evaluation.

use super::Logs;
use crate::loss::{TargetKind, TargetRef};
use crate::metrics::{Metric, RunningMean};

/// Keras's loss tracker (batch losses weighted by batch size) and metric
/// states (per-sample values weighted by sample weight).
#[derive(Clone, Debug)]
pub(crate) struct Tracker {
    loss: RunningMean,
    metrics: Vec<RunningMean>,
}

impl Tracker {
    /// A tracker for `metrics` metrics.
    pub(crate) fn new(metrics: usize) -> Self {
        Self {
            loss: RunningMean::default(),
            metrics: vec![RunningMean::default(); metrics],
        }
    }

    /// Forgets everything (start of an epoch).
    pub(crate) fn reset(&mut self) {
        self.loss.reset();
        self.metrics.iter_mut().for_each(RunningMean::reset);
    }

    /// Adds one batch's loss (`sum(w_i * l_i) / n`) over `n` samples.
    #[inline]
    pub(crate) fn add_batch_loss(&mut self, batch_loss: f64, n: usize) {
        self.loss.add(batch_loss, n as f64);
    }

    /// Adds one sample's metrics.
    #[inline]
    pub(crate) fn add_metrics(
        &mut self,
        metrics: &[Metric],
        kind: TargetKind,
        y_pred: &[f32],
        target: TargetRef<'_>,
        weight: f32,
    ) {
        for (m, mean) in metrics.iter().zip(&mut self.metrics) {
            mean.add(m.value(kind, y_pred, target), f64::from(weight));
        }
    }

    /// New logs named `{prefix}loss`, `{prefix}<metric>`... with the current
    /// values.
    pub(crate) fn logs(&self, prefix: &str, metrics: &[Metric]) -> Logs {
        let mut logs = Logs::new();
        self.append_to(prefix, metrics, &mut logs);
        logs
    }

    /// Appends `{prefix}loss` and `{prefix}<metric>`... to `logs`.
    pub(crate) fn append_to(&self, prefix: &str, metrics: &[Metric], logs: &mut Logs) {
        logs.insert(format!("{prefix}loss"), self.loss.value());
        for (m, mean) in metrics.iter().zip(&self.metrics) {
            logs.insert(format!("{prefix}{}", m.name()), mean.value());
        }
    }

    /// Overwrites the first values of logs made by [`Tracker::logs`] (no
    /// allocation).
    #[inline]
    pub(crate) fn write(&self, logs: &mut Logs) {
        logs.set_value(0, self.loss.value());
        for (i, mean) in self.metrics.iter().enumerate() {
            logs.set_value(i + 1, mean.value());
        }
    }
}
