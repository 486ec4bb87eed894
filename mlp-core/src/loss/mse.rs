//! `mean_squared_error`.

use super::{Loss, Reduction, TargetKind, TargetRef, elementwise, elementwise_loss};
use crate::activation::ActivationKind;

/// Mean over outputs of `(y - a)^2` (Keras's `mean_squared_error`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MeanSquaredError {
    /// How a batch's losses are reduced (Keras's `reduction`).
    pub reduction: Reduction,
}

/// Keras's `MeanSquaredError()`: the loss with its defaults.
#[allow(non_upper_case_globals)]
pub const MeanSquaredError: MeanSquaredError = MeanSquaredError::new();

impl MeanSquaredError {
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

impl Loss for MeanSquaredError {
    const NAME: &'static str = "mean_squared_error";
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
            let e = a - y;
            (e * e, 2.0 * e)
        })
    }

    fn loss(
        &self,
        _activation: ActivationKind,
        _z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
    ) -> f32 {
        elementwise_loss(a, target, |a, y| (a - y) * (a - y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_of_squares() {
        let a = [1.0_f32, 2.0];
        let l = MeanSquaredError.loss(
            ActivationKind::Linear,
            &a,
            &a,
            TargetRef::Values(&[0.0, 4.0]),
        );
        assert_eq!(l, 2.5);
        let mut delta = [0.0; 2];
        MeanSquaredError.loss_and_delta(
            ActivationKind::Linear,
            &a,
            &a,
            TargetRef::Values(&[0.0, 4.0]),
            1.0,
            &mut delta,
        );
        assert_eq!(delta, [1.0, -2.0]);
    }
}
