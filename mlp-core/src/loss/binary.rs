//! `binary_crossentropy`.

use super::logits::{log_sigmoid, sigmoid};
use super::{
    Loss, Reduction, TargetKind, TargetRef, clip, elementwise, elementwise_loss, mismatch,
    unclipped,
};
use crate::activation::ActivationKind;

loss!(
    /// Binary cross-entropy, Keras's formula: `p` clipped to `[eps, 1 - eps]`,
    /// then `-mean over outputs of (y log p + (1 - y) log(1 - p))`.
    ///
    /// Options, as Keras's `BinaryCrossentropy`:
    /// - `from_logits` (default `false`): the outputs are logits `x`, and each
    ///   term is `-(y log_sigmoid(x) + (1 - y) log_sigmoid(-x))` (stable for any
    ///   `x`), with the gradient `sigmoid(x) - y`;
    /// - `label_smoothing` in `[0, 1]` (default 0): targets are squeezed towards
    ///   0.5, `y * (1 - label_smoothing) + 0.5 * label_smoothing`.
    ///
    /// With a sigmoid output (and not `from_logits`) the gradient is the fused,
    /// stable `delta = scale * (p - y) / N` over the `N` outputs.
    ///
    /// ```
    /// use mlp_core::loss::BinaryCrossentropy;
    ///
    /// let loss = BinaryCrossentropy.from_logits(true).label_smoothing(0.2);
    /// assert!(loss.from_logits && loss.label_smoothing == 0.2);
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq)]
    BinaryCrossentropy(
        "The loss with Keras's defaults (probabilities, no smoothing)."
    ): from_logits, label_smoothing, reduction, output_logits
);

fn bce(p: f32, y: f32) -> f32 {
    let p = clip(p);
    -(y * libm::logf(p) + (1.0 - y) * libm::logf(1.0 - p))
}

fn bce_logits(x: f32, y: f32) -> f32 {
    -(y * log_sigmoid(x) + (1.0 - y) * log_sigmoid(-x))
}

impl BinaryCrossentropy {
    /// The smoothed target.
    #[inline]
    fn smooth(&self, y: f32) -> f32 {
        let ls = self.label_smoothing;
        if ls == 0.0 {
            y
        } else {
            y * (1.0 - ls) + 0.5 * ls
        }
    }
}

impl Loss for BinaryCrossentropy {
    const NAME: &'static str = "binary_crossentropy";
    const TARGET: TargetKind = TargetKind::Binary;

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
        if self.from_logits {
            return elementwise(activation, z, a, target, scale, delta, |x, y| {
                let y = self.smooth(y);
                (bce_logits(x, y), sigmoid(x) - y)
            });
        }
        if activation == ActivationKind::Sigmoid {
            if !target.fits(a.len()) || delta.len() != a.len() {
                return mismatch(delta);
            }
            let n = a.len() as f32;
            for (i, (d, p)) in delta.iter_mut().zip(a).enumerate() {
                *d = scale * (p - self.smooth(target.value(i))) / n;
            }
            return self.loss(activation, z, a, target);
        }
        elementwise(activation, z, a, target, scale, delta, |p, y| {
            let y = self.smooth(y);
            let g = if unclipped(p) {
                (1.0 - y) / (1.0 - p) - y / p
            } else {
                0.0
            };
            (bce(p, y), g)
        })
    }

    fn loss(&self, activation: ActivationKind, z: &[f32], a: &[f32], target: TargetRef<'_>) -> f32 {
        if self.from_logits {
            elementwise_loss(a, target, |x, y| bce_logits(x, self.smooth(y)))
        } else if self.output_logits && activation == ActivationKind::Sigmoid && z.len() == a.len()
        {
            // Keras's TensorFlow backend reads a sigmoid's logits.
            elementwise_loss(z, target, |x, y| bce_logits(x, self.smooth(y)))
        } else {
            elementwise_loss(a, target, |p, y| bce(p, self.smooth(y)))
        }
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        super::check_label_smoothing("BinaryCrossentropy", self.label_smoothing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_over_outputs() {
        let a = [0.9_f32, 0.2];
        let l = BinaryCrossentropy.loss(
            ActivationKind::Sigmoid,
            &a,
            &a,
            TargetRef::Values(&[1.0, 0.0]),
        );
        let want = -(0.9_f32.ln() + 0.8_f32.ln()) / 2.0;
        assert!((l - want).abs() < 1e-6, "{l} {want}");
    }

    #[test]
    fn fused_sigmoid_gradient() {
        let a = [0.9_f32, 0.2];
        let mut delta = [0.0; 2];
        BinaryCrossentropy.loss_and_delta(
            ActivationKind::Sigmoid,
            &a,
            &a,
            TargetRef::Values(&[1.0, 0.0]),
            0.5,
            &mut delta,
        );
        assert!((delta[0] - 0.5 * (0.9 - 1.0) / 2.0).abs() < 1e-7);
        assert!((delta[1] - 0.5 * 0.2 / 2.0).abs() < 1e-7);
    }

    #[test]
    fn validation() {
        assert!(BinaryCrossentropy.label_smoothing(0.5).validate().is_ok());
        let e = BinaryCrossentropy
            .label_smoothing(2.0)
            .validate()
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("BinaryCrossentropy's label_smoothing is 2"),
            "{e}"
        );
    }
}
