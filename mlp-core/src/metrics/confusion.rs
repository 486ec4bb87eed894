//! Keras's confusion-matrix metrics: `Precision` and `Recall` at one
//! threshold, and `AUC` (ROC or PR, with Keras's summation methods), each
//! over every output of every sample (Keras's default `multi_label=False`
//! flattens the outputs). A target counts as positive where it is not 0 (a
//! class index as its one-hot vector); an output is predicted positive where
//! it is strictly above the threshold.

#[cfg(feature = "alloc")]
use alloc::{vec, vec::Vec};

#[cfg(feature = "alloc")]
use crate::target::TargetRef;

/// Keras's `AUC` curve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AucCurve {
    /// `"ROC"` (default): the true positive rate against the false positive rate.
    #[default]
    Roc,
    /// `"PR"`: precision against recall.
    Pr,
}

/// Keras's `AUC` summation method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum AucSummation {
    /// `"interpolation"` (default): trapezoids for ROC, Davis and Goadrich's
    /// interpolation for PR.
    #[default]
    Interpolation,
    /// `"minoring"`: left or right rectangles, whichever is lower.
    Minoring,
    /// `"majoring"`: whichever is higher.
    Majoring,
}

/// Keras's `AUC(num_thresholds, curve, summation_method)`, its thresholds
/// spread evenly over `[0, 1]` (`num_thresholds - 2` inside, plus one just
/// below 0 and one just above 1), predictions read as probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Auc {
    /// The number of thresholds (Keras's default 200; more than 1).
    pub num_thresholds: usize,
    /// The curve.
    pub curve: AucCurve,
    /// How the area is summed.
    pub summation_method: AucSummation,
}

impl Default for Auc {
    fn default() -> Self {
        Self {
            num_thresholds: 200,
            curve: AucCurve::Roc,
            summation_method: AucSummation::Interpolation,
        }
    }
}

/// Weighted true positives, false positives and false negatives at one
/// threshold (Precision and Recall).
#[cfg(feature = "alloc")]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Counts {
    threshold: f32,
    tp: f64,
    fp: f64,
    fn_: f64,
}

#[cfg(feature = "alloc")]
impl Counts {
    /// No sample yet, at `threshold`.
    pub(super) fn new(threshold: f32) -> Self {
        Self {
            threshold,
            ..Self::default()
        }
    }

    /// Adds every output of one sample.
    pub(super) fn update(&mut self, y_pred: &[f32], target: TargetRef<'_>, w: f64) {
        let threshold = self.threshold;
        if !target.fits(y_pred.len()) {
            self.tp = f64::NAN;
            return;
        }
        for (i, p) in y_pred.iter().enumerate() {
            let (predicted, actual) = (*p > threshold, target.value(i) != 0.0);
            match (predicted, actual) {
                (true, true) => self.tp += w,
                (true, false) => self.fp += w,
                (false, true) => self.fn_ += w,
                (false, false) => {}
            }
        }
    }

    /// The threshold.
    pub(super) fn threshold(&self) -> f32 {
        self.threshold
    }

    /// `tp / (tp + fp)`, 0 when nothing was predicted positive.
    pub(super) fn precision(&self) -> f64 {
        divide_no_nan(self.tp, self.tp + self.fp)
    }

    /// `tp / (tp + fn)`, 0 when nothing was positive.
    pub(super) fn recall(&self) -> f64 {
        divide_no_nan(self.tp, self.tp + self.fn_)
    }
}

/// `a / b`, 0 where `b` is 0 (Keras's `divide_no_nan`).
#[cfg(feature = "alloc")]
fn divide_no_nan(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// The weighted positives and negatives whose prediction falls in each of
/// the `num_thresholds` buckets (Keras's evenly-spaced-thresholds update).
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq)]
pub(super) struct AucState {
    auc: Auc,
    positives: Vec<f64>,
    negatives: Vec<f64>,
    not_finite: bool,
}

#[cfg(feature = "alloc")]
impl AucState {
    /// Empty buckets for `auc` (allocated once, here).
    pub(super) fn new(auc: Auc) -> Self {
        let n = auc.num_thresholds.max(2);
        Self {
            auc,
            positives: vec![0.0; n],
            negatives: vec![0.0; n],
            not_finite: false,
        }
    }

    /// Adds every output of one sample. A target may be soft (a value in
    /// `[0, 1]` counts that much as a positive and the rest as a negative),
    /// as in Keras.
    pub(super) fn update(&mut self, y_pred: &[f32], target: TargetRef<'_>, w: f64) {
        if !target.fits(y_pred.len()) {
            self.not_finite = true;
            return;
        }
        let n = self.positives.len();
        for (i, p) in y_pred.iter().enumerate() {
            if p.is_nan() {
                self.not_finite = true;
                continue;
            }
            // Prediction p is above thresholds 0..=b: bucket ceil(p (n - 1)) - 1,
            // the first bucket for p <= 0 (the threshold just below 0).
            let b = libm::ceil(f64::from(*p) * (n - 1) as f64) - 1.0;
            let b = b.clamp(0.0, (n - 1) as f64) as usize;
            let y = f64::from(target.value(i));
            self.positives[b] += y * w;
            self.negatives[b] += (1.0 - y) * w;
        }
    }

    /// The area under the curve.
    pub(super) fn result(&self) -> f64 {
        let auc = self.auc;
        if self.not_finite {
            return f64::NAN;
        }
        let n = self.positives.len();
        // tp[t] and fp[t]: the weights of buckets t.. (above threshold t).
        let suffix = |v: &[f64], t: usize| v[t..].iter().sum::<f64>();
        let tp: Vec<f64> = (0..n).map(|t| suffix(&self.positives, t)).collect();
        let fp: Vec<f64> = (0..n).map(|t| suffix(&self.negatives, t)).collect();
        let (pos, neg) = (tp[0], fp[0]);
        let fn_ = |t: usize| pos - tp[t];
        let tn = |t: usize| neg - fp[t];
        if auc.curve == AucCurve::Pr && auc.summation_method == AucSummation::Interpolation {
            return (0..n - 1)
                .map(|t| {
                    let dtp = tp[t] - tp[t + 1];
                    let (pa, pb) = (tp[t] + fp[t], tp[t + 1] + fp[t + 1]);
                    let slope = divide_no_nan(dtp, (pa - pb).max(0.0));
                    let intercept = tp[t + 1] - slope * pb;
                    let ratio = if pa > 0.0 && pb > 0.0 {
                        divide_no_nan(pa, pb.max(0.0))
                    } else {
                        1.0
                    };
                    divide_no_nan(
                        slope * (dtp + intercept * libm::log(ratio)),
                        (tp[t + 1] + fn_(t + 1)).max(0.0),
                    )
                })
                .sum();
        }
        let recall = |t: usize| divide_no_nan(tp[t], tp[t] + fn_(t));
        let (x, y): (Vec<f64>, Vec<f64>) = match auc.curve {
            AucCurve::Roc => (0..n)
                .map(|t| (divide_no_nan(fp[t], fp[t] + tn(t)), recall(t)))
                .unzip(),
            AucCurve::Pr => (0..n)
                .map(|t| (recall(t), divide_no_nan(tp[t], tp[t] + fp[t])))
                .unzip(),
        };
        (0..n - 1)
            .map(|t| {
                let height = match auc.summation_method {
                    AucSummation::Interpolation => (y[t] + y[t + 1]) / 2.0,
                    AucSummation::Minoring => y[t].min(y[t + 1]),
                    AucSummation::Majoring => y[t].max(y[t + 1]),
                };
                (x[t] - x[t + 1]) * height
            })
            .sum()
    }

    /// Empties the buckets.
    pub(super) fn reset(&mut self) {
        self.positives.fill(0.0);
        self.negatives.fill(0.0);
        self.not_finite = false;
    }
}
