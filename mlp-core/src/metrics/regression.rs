//! The per-sample values of Keras's regression metrics that are means over
//! samples: `MeanAbsolutePercentageError`, `MeanSquaredLogarithmicError`,
//! `CosineSimilarity`, `LogCoshError` (Keras's formulas in
//! `keras/src/losses/losses.py` and `keras/src/metrics/regression_metrics.py`).

use crate::target::TargetRef;

/// Keras's `backend.epsilon()`.
const EPSILON: f64 = 1e-7;

/// The outputs and their targets as `f64` pairs, or `None` if the target
/// does not fit.
fn pairs<'a>(
    y_pred: &'a [f32],
    target: TargetRef<'a>,
) -> Option<impl Iterator<Item = (f64, f64)> + 'a> {
    if !target.fits(y_pred.len()) || y_pred.is_empty() {
        return None;
    }
    Some(
        y_pred
            .iter()
            .enumerate()
            .map(move |(i, p)| (f64::from(*p), f64::from(target.value(i)))),
    )
}

/// Mean over outputs of `f(prediction, target)`; NaN if the target does not fit.
pub(super) fn mean_over_outputs(
    y_pred: &[f32],
    target: TargetRef<'_>,
    f: impl Fn(f64, f64) -> f64,
) -> f64 {
    match pairs(y_pred, target) {
        Some(pairs) => pairs.map(|(p, y)| f(p, y)).sum::<f64>() / y_pred.len() as f64,
        None => f64::NAN,
    }
}

/// `100 * mean(|y - p| / max(|y|, eps))`.
pub(super) fn mape(p: f64, y: f64) -> f64 {
    100.0 * ((y - p) / y.abs().max(EPSILON)).abs()
}

/// `mean((log(max(p, eps) + 1) - log(max(y, eps) + 1))^2)`.
pub(super) fn msle(p: f64, y: f64) -> f64 {
    let d = libm::log(p.max(EPSILON) + 1.0) - libm::log(y.max(EPSILON) + 1.0);
    d * d
}

/// `log(cosh(p - y))`, as Keras writes it: `x + softplus(-2x) - log 2`.
pub(super) fn log_cosh(p: f64, y: f64) -> f64 {
    let x = p - y;
    let softplus = |v: f64| v.max(0.0) + libm::log1p(libm::exp(-v.abs()));
    x + softplus(-2.0 * x) - core::f64::consts::LN_2
}

/// The cosine of the angle between the outputs and the target, each
/// normalised by `sqrt(max(sum of squares, 1e-12))` as Keras's
/// `normalize`; NaN if the target does not fit.
pub(super) fn cosine_similarity(y_pred: &[f32], target: TargetRef<'_>) -> f64 {
    let Some(pairs) = pairs(y_pred, target) else {
        return f64::NAN;
    };
    let (mut dot, mut pp, mut yy) = (0.0, 0.0, 0.0);
    for (p, y) in pairs {
        dot += p * y;
        pp += p * p;
        yy += y * y;
    }
    dot / (libm::sqrt(pp.max(1e-12)) * libm::sqrt(yy.max(1e-12)))
}
