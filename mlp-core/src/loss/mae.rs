//! `mean_absolute_error`.

use super::{Loss, Reduction, TargetKind, TargetRef, elementwise, elementwise_loss};
use crate::activation::ActivationKind;

/// Mean over outputs of `|y - a|` (Keras's `mean_absolute_error`). Its
/// gradient at `a == y` is taken as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MeanAbsoluteError {
    /// How a batch's losses are reduced (Keras's `reduction`).
    pub reduction: Reduction,
}

/// Keras's `MeanAbsoluteError()`: the loss with its defaults.
#[allow(non_upper_case_globals)]
pub const MeanAbsoluteError: MeanAbsoluteError = MeanAbsoluteError::new();

impl MeanAbsoluteError {
    /// The loss with Keras's defaults.
    pub const fn new() -> Self {
        Self {
            reduction: Reduction::SumOverBatchSize,
        }
    }

    /// Sets Keras's `reduction`.
    pub const fn reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }
}

fn sign(e: f32) -> f32 {
    if e > 0.0 {
        1.0
    } else if e < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Loss for MeanAbsoluteError {
    const NAME: &'static str = "mean_absolute_error";
    const TARGET: TargetKind = TargetKind::Regression;

    fn batch_reduction(&self) -> Reduction {
        self.reduction
    }

    fn loss_and_delta(
        &self,
        activation: ActivationKind,
        z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
        scale: f32,
        delta: &mut [f32],
    ) -> f32 {
        elementwise(activation, z, a, target, scale, delta, |a, y| {
            ((a - y).abs(), sign(a - y))
        })
    }

    fn loss(
        &self,
        _activation: ActivationKind,
        _z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
    ) -> f32 {
        elementwise_loss(a, target, |a, y| (a - y).abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_absolute_values() {
        let a = [1.0_f32, 2.0, 3.0];
        let y = [0.0, 4.0, 3.0];
        let l = MeanAbsoluteError.loss(ActivationKind::Linear, &a, &a, TargetRef::Values(&y));
        assert_eq!(l, 1.0);
        let mut delta = [9.0; 3];
        MeanAbsoluteError.loss_and_delta(
            ActivationKind::Linear,
            &a,
            &a,
            TargetRef::Values(&y),
            3.0,
            &mut delta,
        );
        assert_eq!(delta, [1.0, -1.0, 0.0]);
    }
}
