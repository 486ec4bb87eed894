//! `mean_absolute_error`.

use super::{Loss, Reduction, TargetKind, TargetRef};
use crate::activation::ActivationKind;

loss!(
    /// Mean over outputs of `|y - a|` (Keras's `mean_absolute_error`). Its
    /// gradient at `a == y` is taken as 0.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    MeanAbsoluteError("The loss with Keras's defaults."): reduction
);

impl MeanAbsoluteError {
    fn value(&self, e: f32) -> f32 {
        e.abs()
    }

    /// The sign of `e` (0 at 0).
    fn derivative(&self, e: f32) -> f32 {
        if e > 0.0 {
            1.0
        } else if e < 0.0 {
            -1.0
        } else {
            0.0
        }
    }
}

pointwise_loss!(MeanAbsoluteError, "mean_absolute_error");

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
