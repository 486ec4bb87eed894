//! `huber_loss`.

use super::{Loss, Reduction, TargetKind, TargetRef};
use crate::activation::ActivationKind;

/// Keras's `Huber`: with `e = a - y`, `0.5 * e^2` where `|e| <= delta`, else
/// `delta * |e| - 0.5 * delta^2`; mean over outputs. `delta` is 1.0 by default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    /// Where the loss turns from quadratic to linear.
    pub delta: f32,
    /// How a batch's losses are reduced (Keras's `reduction`).
    pub reduction: Reduction,
}

impl Default for Huber {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl Huber {
    setters!(const
        /// Sets Keras's `reduction`.
        reduction: Reduction
    );

    /// Huber loss with the given `delta`.
    pub const fn new(delta: f32) -> Self {
        Self {
            delta,
            reduction: Reduction::SumOverBatchSize,
        }
    }

    fn value(&self, e: f32) -> f32 {
        let d = self.delta;
        if e.abs() <= d {
            0.5 * e * e
        } else {
            d * e.abs() - 0.5 * d * d
        }
    }

    /// `clamp(e, -delta, delta)`, written so that an invalid `delta` (NaN,
    /// negative) gives NaN rather than a panic (`validate` refuses it first).
    fn derivative(&self, e: f32) -> f32 {
        let d = self.delta;
        if e.abs() <= d { e } else { d * e.signum() }
    }
}

pointwise_loss!(
    Huber,
    "huber_loss",
    /// `delta` must be finite and `> 0`.
    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        if self.delta.is_finite() && self.delta > 0.0 {
            Ok(())
        } else {
            Err(crate::Error::InvalidArgument {
                name: "delta",
                message: alloc::format!(
                    "Huber's delta is {}; it must be finite and > 0",
                    self.delta
                ),
            })
        }
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quadratic_then_linear() {
        let a = [0.5_f32, 3.0];
        let y = [0.0, 0.0];
        let l = Huber::default().loss(ActivationKind::Linear, &a, &a, TargetRef::Values(&y));
        assert_eq!(l, (0.125 + 2.5) / 2.0);
        let l = Huber::new(2.0).loss(ActivationKind::Linear, &a, &a, TargetRef::Values(&y));
        assert_eq!(l, (0.125 + 4.0) / 2.0);
    }

    #[test]
    fn invalid_delta_is_an_error_not_a_panic() {
        for d in [f32::NAN, -1.0, 0.0, f32::INFINITY] {
            let huber = Huber::new(d);
            let e = huber.validate().unwrap_err();
            assert!(e.to_string().contains("Huber's delta is"), "{e}");
            // Called anyway, the gradient is no panic (clamp with min > max was).
            let a = [0.5_f32, 3.0];
            let mut delta = [0.0; 2];
            huber.loss_and_delta(
                ActivationKind::Linear,
                &a,
                &a,
                TargetRef::Values(&[0.0, 0.0]),
                1.0,
                &mut delta,
            );
        }
        assert!(Huber::default().validate().is_ok());
        // The derivative is clamp(e, -delta, delta) for a valid delta.
        let h = Huber::new(1.5);
        for e in [-3.0_f32, -1.5, -0.2, 0.0, 0.7, 1.5, 9.0] {
            assert_eq!(h.derivative(e), e.clamp(-1.5, 1.5));
        }
    }
}
