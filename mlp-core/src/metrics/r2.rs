//! Keras's `R2Score`: the coefficient of determination over all samples
//! seen, per output, then aggregated.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

#[cfg(feature = "alloc")]
use crate::target::TargetRef;

/// How [`R2Score`] turns the outputs' scores into one value (Keras's
/// `class_aggregation`; Keras's `None`, one score per output, does not fit a
/// `History` value and is not offered).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum R2Aggregation {
    /// `"uniform_average"` (Keras's default): the mean of the outputs' scores.
    #[default]
    UniformAverage,
    /// `"variance_weighted_average"`: the outputs' scores weighted by the
    /// variance of their targets.
    VarianceWeightedAverage,
}

/// Keras's `R2Score(class_aggregation, num_regressors)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct R2Score {
    /// How the outputs' scores are combined.
    pub class_aggregation: R2Aggregation,
    /// The number of independent regressors of the adjusted R² (0, Keras's
    /// default: the plain R²).
    pub num_regressors: usize,
}

/// The sums Keras's `R2Score` keeps, one per output (allocated at the first
/// sample, whose width fixes them).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct R2State {
    options: R2Score,
    sum: Vec<f64>,
    squared_sum: Vec<f64>,
    total_mse: Vec<f64>,
    count: Vec<f64>,
    num_samples: f64,
}

#[cfg(feature = "alloc")]
impl R2State {
    /// No sample yet.
    pub(super) fn new(options: R2Score) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }

    /// Adds one sample with its weight (a target that does not fit, or a
    /// width other than the first sample's, makes the result NaN).
    pub(super) fn update(&mut self, y_pred: &[f32], target: TargetRef<'_>, weight: f64) {
        if self.sum.is_empty() {
            let k = y_pred.len();
            for v in [
                &mut self.sum,
                &mut self.squared_sum,
                &mut self.total_mse,
                &mut self.count,
            ] {
                v.resize(k, 0.0);
            }
        }
        if !target.fits(y_pred.len()) || y_pred.len() != self.sum.len() {
            self.num_samples = f64::NAN;
            return;
        }
        for (i, p) in y_pred.iter().enumerate() {
            let y = f64::from(target.value(i));
            self.sum[i] += y * weight;
            self.squared_sum[i] += y * y * weight;
            let e = y - f64::from(*p);
            self.total_mse[i] += e * e * weight;
            self.count[i] += weight;
        }
        if weight != 0.0 {
            self.num_samples += 1.0;
        }
    }

    /// Keras's `R2Score.result()`.
    pub(super) fn result(&self) -> f64 {
        let options = self.options;
        if self.num_samples.is_nan() {
            return f64::NAN;
        }
        let k = self.sum.len();
        let (mut scores_sum, mut weighted, mut totals) = (0.0, 0.0, 0.0);
        for i in 0..k {
            let mean = self.sum[i] / self.count[i];
            let total = self.squared_sum[i] - self.sum[i] * mean;
            let mut raw = 1.0 - self.total_mse[i] / total;
            if raw.is_infinite() {
                raw = 0.0;
            }
            scores_sum += raw;
            weighted += total * raw;
            totals += total;
        }
        let r2 = match options.class_aggregation {
            R2Aggregation::UniformAverage => scores_sum / k as f64,
            R2Aggregation::VarianceWeightedAverage => weighted / totals,
        };
        let (n, p) = (self.num_samples, options.num_regressors as f64);
        // Keras falls back to the plain score (with a warning) when the
        // adjustment is undefined.
        if options.num_regressors == 0 || p >= n - 1.0 {
            r2
        } else {
            1.0 - (1.0 - r2) * (n - 1.0) / (n - p - 1.0)
        }
    }

    /// Forgets every sample (keeps the buffers).
    pub(super) fn reset(&mut self) {
        for v in [
            &mut self.sum,
            &mut self.squared_sum,
            &mut self.total_mse,
            &mut self.count,
        ] {
            v.fill(0.0);
        }
        self.num_samples = 0.0;
    }
}
