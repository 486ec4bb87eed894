//! Keras 3's loss reductions: how one batch's per-sample losses (each times
//! its sample weight) become the batch's loss.
//!
//! | [`Reduction`] | Keras | batch loss |
//! | --- | --- | --- |
//! | `SumOverBatchSize` (default) | `"sum_over_batch_size"` | `sum(w_i l_i) / n` |
//! | `Mean` | `"mean"` | the same as `sum_over_batch_size` in Keras 3 |
//! | `Sum` | `"sum"` | `sum(w_i l_i)` |
//! | `MeanWithSampleWeight` | `"mean_with_sample_weight"` | `sum(w_i l_i) / sum(w_i)` |
//! | `None` | `"none"` | one `w_i l_i` per sample |
//!
//! With a mask (a sparse cross-entropy's `ignore_class`), the samples left
//! out count neither in `n` nor in `sum(w_i)`, as Keras's `apply_mask`. A
//! divisor of 0 gives a loss of 0 (Keras's `divide_no_nan`).
//!
//! `fit` and `evaluate` need one number per batch: with `None` they do what
//! Keras's TensorFlow backend does with a per-sample loss, the gradient of
//! the sum and a reported loss that is the mean over samples (Keras's JAX
//! and PyTorch backends refuse a loss that is not a scalar).
//! [`reduce`] gives the values themselves, as Keras's `loss(y_true, y_pred,
//! sample_weight)`.
//!
//! ```
//! use mlp_core::activation::ActivationKind;
//! use mlp_core::loss::{MeanSquaredError, Reduction, TargetRef, reduce};
//!
//! let y_pred = [[1.0_f32, 2.0], [3.0, 4.0]];
//! let y_true = [[1.0_f32, 0.0], [0.0, 4.0]];
//! let rows = y_pred.iter().zip(&y_true).map(|(a, y)| (a.as_slice(), a.as_slice(), TargetRef::Values(y)));
//! let mse = MeanSquaredError.reduction(Reduction::Sum);
//! let values = reduce(&mse, ActivationKind::Linear, rows, Some(&[1.0, 2.0]));
//! assert_eq!(values, [2.0 + 2.0 * 4.5]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use super::{Loss, TargetRef};
#[cfg(feature = "alloc")]
use crate::activation::ActivationKind;

/// Keras 3's `reduction` argument of every loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// `"sum_over_batch_size"` (Keras's default): the weighted sum over the
    /// number of samples.
    #[default]
    SumOverBatchSize,
    /// `"sum"`: the weighted sum.
    Sum,
    /// `"mean"`: in Keras 3 the same as `"sum_over_batch_size"`.
    Mean,
    /// `"mean_with_sample_weight"`: the weighted sum over the sum of the
    /// weights.
    MeanWithSampleWeight,
    /// `"none"`: no reduction, one value per sample.
    None,
}

impl Reduction {
    /// Keras's name: `"sum_over_batch_size"`, `"sum"`, ...
    pub const fn name(self) -> &'static str {
        match self {
            Self::SumOverBatchSize => "sum_over_batch_size",
            Self::Sum => "sum",
            Self::Mean => "mean",
            Self::MeanWithSampleWeight => "mean_with_sample_weight",
            Self::None => "none",
        }
    }

    /// The divisors of one batch of `n` samples, of which `kept` are not
    /// masked and their weights sum to `weights`.
    pub fn divisors(self, n: usize, kept: usize, weights: f64) -> Divisors {
        let d = match self {
            // `kept` of 0 leaves a sum of 0: 0 / 1 is Keras's divide_no_nan.
            Self::SumOverBatchSize | Self::Mean => kept.max(1) as f64,
            Self::Sum => 1.0,
            Self::MeanWithSampleWeight if weights == 0.0 => 1.0,
            Self::MeanWithSampleWeight => weights,
            Self::None => {
                return Divisors {
                    gradient: 1.0,
                    report: n.max(1) as f64,
                };
            }
        };
        Divisors {
            gradient: d,
            report: d,
        }
    }
}

/// How a batch's weighted sum of losses is divided: each sample's gradient is
/// scaled by `w_i / gradient` and the batch's loss is `sum(w_i l_i) / report`
/// (the two differ for [`Reduction::None`] only).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divisors {
    /// The divisor of the gradient.
    pub gradient: f64,
    /// The divisor of the reported loss.
    pub report: f64,
}

/// The divisors of a batch for `loss`: its reduction, its mask, and the
/// samples' targets with their weights (read only when the mask or the
/// reduction needs them).
pub fn batch_divisors<'t, L: Loss>(
    loss: &L,
    n: usize,
    samples: impl Iterator<Item = (TargetRef<'t>, f32)>,
) -> Divisors {
    masked_divisors(
        loss.batch_reduction(),
        n,
        loss.ignores_any().then_some(|t| loss.ignored(t)),
        samples,
    )
}

/// The divisors of a batch of `n` samples under `reduction`, leaving out
/// the samples that `ignored` (a loss's mask, if it has one) says to.
pub(crate) fn masked_divisors<'t>(
    reduction: Reduction,
    n: usize,
    ignored: Option<impl Fn(TargetRef<'t>) -> bool>,
    samples: impl Iterator<Item = (TargetRef<'t>, f32)>,
) -> Divisors {
    let (kept, weights) = if ignored.is_some() || reduction == Reduction::MeanWithSampleWeight {
        samples
            .filter(|(t, _)| !ignored.as_ref().is_some_and(|f| f(*t)))
            .fold((0, 0.0), |(k, s), (_, w)| (k + 1, s + f64::from(w)))
    } else {
        (n, n as f64)
    };
    reduction.divisors(n, kept, weights)
}

/// Keras's `loss(y_true, y_pred, sample_weight)` over a batch: one value, or
/// one per sample for [`Reduction::None`]. Each row is the output layer's
/// pre-activations, its outputs and the target; `sample_weight` has one
/// weight per row (all 1 when `None`). A masked sample (`ignore_class`)
/// gives 0 and does not count.
#[cfg(feature = "alloc")]
pub fn reduce<'t, L: Loss>(
    loss: &L,
    activation: ActivationKind,
    rows: impl Iterator<Item = (&'t [f32], &'t [f32], TargetRef<'t>)> + Clone,
    sample_weight: Option<&[f32]>,
) -> alloc::vec::Vec<f32> {
    let weight = |i: usize| sample_weight.map_or(1.0, |w| w.get(i).copied().unwrap_or(f32::NAN));
    let values: alloc::vec::Vec<f32> = rows
        .clone()
        .enumerate()
        .map(|(i, (z, a, t))| {
            if loss.ignored(t) {
                0.0
            } else {
                weight(i) * loss.loss(activation, z, a, t)
            }
        })
        .collect();
    if loss.batch_reduction() == Reduction::None {
        return values;
    }
    let n = values.len();
    let d = batch_divisors(
        loss,
        n,
        rows.enumerate().map(|(i, (_, _, t))| (t, weight(i))),
    );
    let sum: f64 = values.iter().map(|v| f64::from(*v)).sum();
    alloc::vec![(sum / d.report) as f32]
}

#[cfg(test)]
mod tests {
    use super::super::{
        BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
        SparseCategoricalCrossentropy,
    };
    use super::*;

    fn close(got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!(
                (g - w).abs() <= 1e-3 * w.abs().max(1.0),
                "{got:?} vs Keras {want:?}"
            );
        }
    }

    /// `loss(y_true, y_pred, sample_weight)` on rows of values.
    fn call<L: Loss, const K: usize>(
        loss: L,
        y_true: &[[f32; K]],
        y_pred: &[[f32; K]],
        w: Option<&[f32]>,
    ) -> alloc::vec::Vec<f32> {
        let rows = y_pred
            .iter()
            .zip(y_true)
            .map(|(a, y)| (a.as_slice(), a.as_slice(), TargetRef::Values(y)));
        reduce(&loss, ActivationKind::Linear, rows, w)
    }

    const Y_TRUE: [[f32; 3]; 2] = [[1.0, 9.0, 2.0], [-5.0, -2.0, 6.0]];
    const Y_PRED: [[f32; 3]; 2] = [[4.0, 8.0, 12.0], [8.0, 1.0, 3.0]];

    /// `loss` under each reduction with each weighting against Keras's values.
    fn keras_cases<L: Loss>(loss: impl Fn(Reduction) -> L, cases: &[Case<'_>]) {
        for &(reduction, w, want) in cases {
            close(&call(loss(reduction), &Y_TRUE, &Y_PRED, w), want);
        }
    }

    type Case<'a> = (Reduction, Option<&'a [f32]>, &'a [f32]);
    use Reduction as R;

    // keras/src/losses/losses_test.py, MeanSquaredErrorTest
    #[test]
    fn keras_mean_squared_error() {
        let mwsw = (110.0 / 3.0 * 1.2 + 187.0 / 3.0 * 3.4) / 4.6;
        keras_cases(
            |r| MeanSquaredError.reduction(r),
            &[
                // test_unweighted: 49.5; test_scalar_weighted (2.3): 113.85
                (R::SumOverBatchSize, None, &[49.5]),
                (R::SumOverBatchSize, Some(&[2.3, 2.3]), &[113.85]),
                // test_sample_weighted ([1.2, 3.4]): 767.8 / 6
                (R::SumOverBatchSize, Some(&[1.2, 3.4]), &[767.8 / 6.0]),
                // test_zero_weighted: 0
                (R::SumOverBatchSize, Some(&[0.0, 0.0]), &[0.0]),
                // test_no_reduction (2.3): [84.3333, 143.3666]
                (R::None, Some(&[2.3, 2.3]), &[84.3333, 143.3666]),
                // test_sum_reduction (2.3): 227.69998
                (R::Sum, Some(&[2.3, 2.3]), &[227.69998]),
                // test_mean_with_sample_weight_reduction ([1.2, 3.4]): 767.8 / 6 * 2 / 4.6
                (R::MeanWithSampleWeight, Some(&[1.2, 3.4]), &[mwsw]),
                // "mean" is "sum_over_batch_size" in Keras 3.
                (R::Mean, Some(&[1.2, 3.4]), &[767.8 / 6.0]),
            ],
        );
    }

    // MeanAbsoluteErrorTest
    #[test]
    fn keras_mean_absolute_error() {
        keras_cases(
            |r| MeanAbsoluteError.reduction(r),
            &[
                (R::SumOverBatchSize, None, &[5.5]),
                (R::SumOverBatchSize, Some(&[2.3, 2.3]), &[12.65]),
                (R::SumOverBatchSize, Some(&[1.2, 3.4]), &[81.4 / 6.0]),
                (R::None, Some(&[2.3, 2.3]), &[10.7333, 14.5666]),
                (R::Sum, Some(&[2.3, 2.3]), &[25.29999]),
            ],
        );
    }

    #[test]
    fn every_loss_takes_a_reduction() {
        let r = Reduction::Sum;
        assert_eq!(MeanSquaredError.reduction(r).reduction, r);
        assert_eq!(MeanAbsoluteError.reduction(r).reduction, r);
        assert_eq!(Huber::default().reduction(r).reduction, r);
        assert_eq!(BinaryCrossentropy.reduction(r).reduction, r);
        assert_eq!(CategoricalCrossentropy.reduction(r).reduction, r);
        assert_eq!(SparseCategoricalCrossentropy.reduction(r).reduction, r);
        assert_eq!(Reduction::default(), Reduction::SumOverBatchSize);
        assert_eq!(
            Reduction::MeanWithSampleWeight.name(),
            "mean_with_sample_weight"
        );
    }

    #[test]
    fn masked_samples_leave_the_divisors() {
        // ignore_class under each reduction: a mean over the samples kept, a
        // plain sum, a mean over the weights kept.
        let scce = SparseCategoricalCrossentropy.ignore_class(-1);
        let z = [[2.0_f32, 0.0, -1.0], [0.5, 0.5, 0.0], [1.0, 2.0, 3.0]];
        let mut a = z;
        for r in &mut a {
            ActivationKind::Softmax.forward(r);
        }
        let labels = [0_usize, usize::MAX, 2];
        let per: alloc::vec::Vec<f32> = (0..3)
            .map(|i| {
                scce.loss(
                    ActivationKind::Softmax,
                    &z[i],
                    &a[i],
                    TargetRef::Class(labels[i]),
                )
            })
            .collect();
        assert_eq!(per[1], 0.0);
        let run = |reduction, w: &[f32]| {
            let rows = (0..3).map(|i| {
                (
                    z[i].as_slice(),
                    a[i].as_slice(),
                    TargetRef::Class(labels[i]),
                )
            });
            reduce(
                &scce.reduction(reduction),
                ActivationKind::Softmax,
                rows,
                Some(w),
            )
        };
        let w = [1.0, 5.0, 3.0];
        close(
            &run(Reduction::SumOverBatchSize, &w),
            &[(per[0] + 3.0 * per[2]) / 2.0],
        );
        close(&run(Reduction::Sum, &w), &[per[0] + 3.0 * per[2]]);
        close(
            &run(Reduction::MeanWithSampleWeight, &w),
            &[(per[0] + 3.0 * per[2]) / 4.0],
        );
        close(&run(Reduction::None, &w), &[per[0], 0.0, 3.0 * per[2]]);
    }
}
