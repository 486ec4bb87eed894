//! `mean_squared_error`.

use super::{Loss, Reduction, TargetKind, TargetRef};
use crate::activation::ActivationKind;

loss!(
    /// Mean over outputs of `(y - a)^2` (Keras's `mean_squared_error`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    MeanSquaredError("The loss with Keras's defaults."): reduction
);

impl MeanSquaredError {
    fn value(&self, e: f32) -> f32 {
        e * e
    }

    fn derivative(&self, e: f32) -> f32 {
        2.0 * e
    }
}

pointwise_loss!(MeanSquaredError, "mean_squared_error");

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
