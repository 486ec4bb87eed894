//! Metrics, named as Keras names them in `History` (`accuracy`, `mse`, ...).
//! Each is a per-sample value averaged over samples (weighted by sample
//! weights), as Keras's `MeanMetricWrapper`; "accuracy" resolves by the loss's
//! [`TargetKind`].
//!
//! ```
//! use mlp_core::loss::{TargetKind, TargetRef};
//! use mlp_core::metrics::{Metric, RunningMean};
//!
//! let mut mean = RunningMean::default();
//! mean.add(Metric::Accuracy.value(TargetKind::Sparse, &[0.1, 0.7, 0.2], TargetRef::Class(1)), 1.0);
//! mean.add(Metric::Accuracy.value(TargetKind::Sparse, &[0.8, 0.1, 0.1], TargetRef::Class(2)), 1.0);
//! assert_eq!(mean.value(), 0.5);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use crate::loss::{TargetKind, TargetRef};

/// A metric to track during `fit` and `evaluate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Metric {
    /// Keras's `"accuracy"`: sparse, categorical or binary accuracy by target kind.
    Accuracy,
}

impl Metric {
    /// The name in `History` and in the progress line.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accuracy => "accuracy",
        }
    }

    /// The metric of one sample: its output `y_pred` and target.
    pub fn value(&self, kind: TargetKind, y_pred: &[f32], target: TargetRef<'_>) -> f64 {
        match self {
            Self::Accuracy => accuracy(kind, y_pred, target),
        }
    }
}

/// Index of the largest value (the first one on ties, as numpy).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

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

    /// Forgets everything.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}
