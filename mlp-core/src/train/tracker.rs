//! Running means of the loss and metrics over an epoch or an evaluation.

use super::Logs;
use super::losses::Losses;
use crate::loss::{TargetKind, TargetRef};
use crate::metrics::{Metric, MetricState, RunningMean};
use crate::model::Model;

/// Keras's loss tracker (batch losses weighted by batch size) and metric
/// states (per-sample values weighted by sample weight, or a metric's own
/// state). Metrics are named by [`Metric::name_for`] the loss's target kind
/// and reported by [`MetricState::result`].
#[derive(Clone, Debug)]
pub(crate) struct Tracker {
    kind: TargetKind,
    loss: RunningMean,
    metrics: Vec<MetricState>,
}

impl Tracker {
    /// A tracker for `metrics` of a loss whose targets are `kind`.
    pub(crate) fn new(metrics: &[Metric], kind: TargetKind) -> Self {
        Self {
            kind,
            loss: RunningMean::default(),
            metrics: metrics.iter().map(|m| MetricState::new(*m)).collect(),
        }
    }

    /// Forgets everything (start of an epoch).
    pub(crate) fn reset(&mut self) {
        self.loss.reset();
        self.metrics.iter_mut().for_each(MetricState::reset);
    }

    /// Adds one batch's loss (`sum(w_i * l_i) / n`) over `n` samples.
    #[inline]
    pub(crate) fn add_batch_loss(&mut self, batch_loss: f64, n: usize) {
        self.loss.add(batch_loss, n as f64);
    }

    /// Adds one sample's metrics.
    #[inline]
    pub(crate) fn add_metrics(&mut self, y_pred: &[f32], target: TargetRef<'_>, weight: f32) {
        for m in &mut self.metrics {
            m.update(self.kind, y_pred, target, weight);
        }
    }

    /// New logs named `{prefix}loss`, `{prefix}<metric>`... with the current
    /// values.
    #[cfg(test)]
    pub(crate) fn logs(&self, prefix: &str) -> Logs {
        let mut logs = Logs::new();
        self.append_to(prefix, &mut logs);
        logs
    }

    /// Appends `{prefix}loss` and `{prefix}<metric>`... to `logs`.
    pub(crate) fn append_to(&self, prefix: &str, logs: &mut Logs) {
        logs.insert(format!("{prefix}loss"), self.loss.value());
        for m in &self.metrics {
            logs.insert(
                format!("{prefix}{}", m.metric().name_for(self.kind)),
                m.result(),
            );
        }
    }

    /// Overwrites values `at..` of logs with this tracker's loss and
    /// metrics, in [`Tracker::append_to`]'s order; returns the index after
    /// them (no allocation).
    pub(crate) fn write_at(&self, logs: &mut Logs, at: usize) -> usize {
        logs.set_value(at, self.loss.value());
        self.write_metrics(logs, at + 1)
    }

    /// Overwrites values `at..` of logs with the metrics only; returns the
    /// index after them.
    pub(crate) fn write_metrics(&self, logs: &mut Logs, at: usize) -> usize {
        for (i, m) in self.metrics.iter().enumerate() {
            logs.set_value(at + i, m.result());
        }
        at + self.metrics.len()
    }

    /// Overwrites the first values of logs made by [`Tracker::logs`] (no
    /// allocation).
    #[cfg(test)]
    pub(crate) fn write(&self, logs: &mut Logs) {
        logs.set_value(0, self.loss.value());
        for (i, m) in self.metrics.iter().enumerate() {
            logs.set_value(i + 1, m.result());
        }
    }
}

/// Running means of the total loss and of each output's loss and metrics.
pub(crate) struct Trackers {
    pub(crate) total: RunningMean,
    pub(crate) outputs: Vec<Tracker>,
}

impl Trackers {
    /// One tracker per output of `M`, each with its metrics (`metrics[k]`,
    /// checked to be one list per output) named for its loss's targets.
    pub(crate) fn new<M: Model, L: Losses>(losses: &L, metrics: &[Vec<Metric>]) -> Self {
        Self {
            total: RunningMean::default(),
            outputs: (0..M::OUTPUTS.len())
                .map(|k| Tracker::new(&metrics[k], losses.target_kind(k)))
                .collect(),
        }
    }

    pub(crate) fn reset(&mut self) {
        self.total.reset();
        self.outputs.iter_mut().for_each(Tracker::reset);
    }

    /// Logs named as [`Trackers::append_to`] names them.
    pub(crate) fn logs<M: Model>(&self, prefix: &str) -> Logs {
        let mut logs = Logs::new();
        self.append_to::<M>(prefix, &mut logs);
        logs
    }

    /// `{prefix}loss`, then each output's `{prefix}{output}_loss` and
    /// metrics (or, with one output, its metrics unprefixed).
    pub(crate) fn append_to<M: Model>(&self, prefix: &str, logs: &mut Logs) {
        logs.insert(format!("{prefix}loss"), self.total.value());
        if let [single] = self.outputs.as_slice() {
            let mut own = Logs::new();
            single.append_to(prefix, &mut own);
            for (name, value) in own.iter().skip(1) {
                logs.insert(name, value);
            }
            return;
        }
        for (port, tracker) in M::OUTPUTS.iter().zip(&self.outputs) {
            tracker.append_to(&format!("{prefix}{}_", port.name), logs);
        }
    }

    /// Overwrites the values of logs made by `append_to("")` (no allocation).
    #[inline]
    pub(crate) fn write(&self, logs: &mut Logs) {
        logs.set_value(0, self.total.value());
        if let [single] = self.outputs.as_slice() {
            single.write_metrics(logs, 1);
            return;
        }
        let mut at = 1;
        for tracker in &self.outputs {
            at = tracker.write_at(logs, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_target_kind_and_values_by_result() {
        let metrics = [
            Metric::TopKCategoricalAccuracy(1),
            Metric::RootMeanSquaredError,
        ];
        let mut t = Tracker::new(&metrics, TargetKind::Sparse);
        // Errors against one-hot(1): sample 1 (0.5, -0.5), mse 0.25;
        // sample 2 (0, 0), mse 0. RMSE = sqrt(0.125), not mean of roots 0.25.
        t.add_metrics(&[0.5, 0.5], TargetRef::Class(1), 1.0);
        t.add_metrics(&[0.0, 1.0], TargetRef::Class(1), 1.0);
        t.add_batch_loss(0.3, 2);
        let mut logs = t.logs("val_");
        let names: Vec<_> = logs.names().collect();
        assert_eq!(
            names,
            [
                "val_loss",
                "val_sparse_top_k_categorical_accuracy",
                "val_root_mean_squared_error"
            ]
        );
        assert!((logs["val_root_mean_squared_error"] - 0.125_f64.sqrt()).abs() < 1e-12);
        assert_eq!(logs["val_sparse_top_k_categorical_accuracy"], 1.0);
        t.reset();
        t.add_metrics(&[0.0, 1.0], TargetRef::Class(0), 1.0);
        t.write(&mut logs);
        assert_eq!(logs["val_root_mean_squared_error"], 1.0);
        assert_eq!(logs["val_sparse_top_k_categorical_accuracy"], 0.0);
    }
}
