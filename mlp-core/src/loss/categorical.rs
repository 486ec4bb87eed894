//! `categorical_crossentropy`.

use super::{Loss, TargetKind, TargetRef, clip, mismatch, unclipped};
use crate::activation::ActivationKind;

/// Cross-entropy with one-hot (or probability) targets, Keras's formula:
/// `p = a / sum(a)`, clipped to `[eps, 1 - eps]`, then `-sum(y * log p)`.
///
/// With a softmax output the gradient is the fused, stable
/// `delta = scale * (p * sum(y) - y)` (exact for any targets, one-hot or not).
/// With another output activation the derivative of the normalised, clipped
/// formula goes through the activation's backward pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CategoricalCrossentropy;

impl Loss for CategoricalCrossentropy {
    const NAME: &'static str = "categorical_crossentropy";
    const TARGET: TargetKind = TargetKind::Categorical;

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
        if activation == ActivationKind::Softmax {
            let total: f32 = (0..a.len()).map(|i| target.value(i)).sum();
            for (i, (d, p)) in delta.iter_mut().zip(a).enumerate() {
                *d = scale * (p * total - target.value(i));
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
                    -target.value(i) / q
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

    fn loss(
        &self,
        _activation: ActivationKind,
        _z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
    ) -> f32 {
        if !target.fits(a.len()) {
            return f32::NAN;
        }
        let s: f32 = a.iter().sum();
        -a.iter()
            .enumerate()
            .map(|(i, a)| target.value(i) * libm::logf(clip(a / s)))
            .sum::<f32>()
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
}
