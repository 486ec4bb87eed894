//! `categorical_crossentropy`.

use super::logits::{log_sum_exp, softmax_into};
use super::{Loss, Reduction, TargetKind, TargetRef, clip, mismatch, unclipped};
use crate::activation::ActivationKind;

loss!(
    /// Cross-entropy with one-hot (or probability) targets, Keras's formula:
    /// `p = a / sum(a)`, clipped to `[eps, 1 - eps]`, then `-sum(y * log p)`.
    ///
    /// Options, as Keras's `CategoricalCrossentropy`:
    /// - `from_logits` (default `false`): the outputs are logits, and the loss
    ///   is `-sum(y * log_softmax(a))`, with a stable log-sum-exp;
    /// - `label_smoothing` in `[0, 1]` (default 0): the targets become
    ///   `y * (1 - label_smoothing) + label_smoothing / K` over `K` outputs.
    ///
    /// With a softmax output (and not `from_logits`) the gradient is the fused,
    /// stable `delta = scale * (p * sum(y) - y)` (exact for any targets, one-hot
    /// or not). With another output activation the derivative of the
    /// normalised, clipped formula (or of the log-softmax of the logits) goes
    /// through the activation's backward pass.
    ///
    /// The type's name is also a constant of the default loss, so that
    /// `CategoricalCrossentropy` reads as Keras's `CategoricalCrossentropy()`:
    ///
    /// ```
    /// use mlp_core::loss::CategoricalCrossentropy;
    ///
    /// let loss = CategoricalCrossentropy.from_logits(true).label_smoothing(0.1);
    /// assert!(loss.from_logits && loss.label_smoothing == 0.1);
    /// assert_eq!(CategoricalCrossentropy, CategoricalCrossentropy::default());
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq)]
    CategoricalCrossentropy(
        "The loss with Keras's defaults (probabilities, no smoothing)."
    ): from_logits, label_smoothing, reduction, output_logits
);

impl CategoricalCrossentropy {
    /// The (smoothed) target of output `i` of `k`.
    #[inline]
    fn y(&self, target: TargetRef<'_>, i: usize, k: usize) -> f32 {
        let y = target.value(i);
        let ls = self.label_smoothing;
        if ls == 0.0 {
            y
        } else {
            y * (1.0 - ls) + ls / k as f32
        }
    }
}

impl Loss for CategoricalCrossentropy {
    const NAME: &'static str = "categorical_crossentropy";
    const TARGET: TargetKind = TargetKind::Categorical;

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
        if !target.fits(a.len()) || delta.len() != a.len() || z.len() != a.len() {
            return mismatch(delta);
        }
        let k = a.len();
        if self.from_logits {
            // L = lse(a) * sum(y) - sum(y * a): dL/da = softmax(a) * sum(y) - y.
            let lse = log_sum_exp(a);
            let total: f32 = (0..k).map(|i| self.y(target, i, k)).sum();
            softmax_into(a, lse, delta);
            for (i, d) in delta.iter_mut().enumerate() {
                *d = scale * (*d * total - self.y(target, i, k));
            }
            activation.backward(z, a, delta);
        } else if activation == ActivationKind::Softmax {
            let total: f32 = (0..k).map(|i| self.y(target, i, k)).sum();
            for (i, (d, p)) in delta.iter_mut().zip(a).enumerate() {
                *d = scale * (p * total - self.y(target, i, k));
            }
        } else {
            // L = -sum_i y_i log q_i with q = a / s, s = sum(a):
            // dL/dq_i = g_i = -y_i / q_i (0 where clipped), and
            // dL/da_j = (g_j - sum_i g_i q_i) / s.
            let s: f32 = a.iter().sum();
            let mut dot = 0.0;
            for (i, (d, a)) in delta.iter_mut().zip(a).enumerate() {
                let q = a / s;
                *d = if unclipped(q) {
                    -self.y(target, i, k) / q
                } else {
                    0.0
                };
                dot += *d * q;
            }
            for d in delta.iter_mut() {
                *d = scale * (*d - dot) / s;
            }
            activation.backward(z, a, delta);
        }
        self.loss(activation, z, a, target)
    }

    fn loss(&self, activation: ActivationKind, z: &[f32], a: &[f32], target: TargetRef<'_>) -> f32 {
        if !target.fits(a.len()) {
            return f32::NAN;
        }
        let k = a.len();
        // Keras's TensorFlow backend reads a softmax's logits.
        let logits = if self.from_logits {
            Some(a)
        } else if self.output_logits && activation == ActivationKind::Softmax && z.len() == k {
            Some(z)
        } else {
            None
        };
        if let Some(x) = logits {
            let lse = log_sum_exp(x);
            return -x
                .iter()
                .enumerate()
                .map(|(i, x)| self.y(target, i, k) * (x - lse))
                .sum::<f32>();
        }
        let s: f32 = a.iter().sum();
        -a.iter()
            .enumerate()
            .map(|(i, a)| self.y(target, i, k) * libm::logf(clip(a / s)))
            .sum::<f32>()
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        super::check_label_smoothing("CategoricalCrossentropy", self.label_smoothing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_then_clips() {
        // Keras divides by the sum first: [0.2, 0.6] reads as [0.25, 0.75].
        let a = [0.2_f32, 0.6];
        let l = CategoricalCrossentropy.loss(
            ActivationKind::Sigmoid,
            &a,
            &a,
            TargetRef::Values(&[0.0, 1.0]),
        );
        assert!((l + 0.75_f32.ln()).abs() < 1e-6, "{l}");
    }

    #[test]
    fn class_index_reads_as_one_hot() {
        let a = [0.2_f32, 0.8];
        let one_hot = CategoricalCrossentropy.loss(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Values(&[0.0, 1.0]),
        );
        let class =
            CategoricalCrossentropy.loss(ActivationKind::Softmax, &a, &a, TargetRef::Class(1));
        assert_eq!(one_hot, class);
    }

    #[test]
    fn wrong_length_is_nan() {
        let a = [0.2_f32, 0.8];
        let mut delta = [1.0; 2];
        let l = CategoricalCrossentropy.loss_and_delta(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Values(&[1.0, 0.0, 0.0]),
            1.0,
            &mut delta,
        );
        assert!(l.is_nan());
        assert_eq!(delta, [0.0; 2]);
    }

    #[test]
    fn validation() {
        assert!(
            CategoricalCrossentropy
                .label_smoothing(1.0)
                .validate()
                .is_ok()
        );
        for ls in [f32::NAN, -0.1, 1.5] {
            let e = CategoricalCrossentropy
                .label_smoothing(ls)
                .validate()
                .unwrap_err();
            assert!(e.to_string().contains("label_smoothing is"), "{e}");
        }
    }
}
