//! `sparse_categorical_crossentropy`.

use super::{CategoricalCrossentropy, EPSILON, Loss, TargetKind, TargetRef, clip, mismatch};
use crate::activation::ActivationKind;

/// Cross-entropy with class-index targets: `-log(clip(p[y], eps, 1 - eps))`.
/// With a softmax output, the gradient is the fused, stable `p - onehot(y)`.
///
/// Given a [`TargetRef::Values`] (which [`TargetFor`](super::TargetFor)
/// never produces for it), it computes the categorical cross-entropy of those
/// values; a class index `>= a.len()` gives a NaN loss and a zero gradient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SparseCategoricalCrossentropy;

impl Loss for SparseCategoricalCrossentropy {
    const NAME: &'static str = "sparse_categorical_crossentropy";
    const TARGET: TargetKind = TargetKind::Sparse;

    fn loss_and_delta(
        &self,
        activation: ActivationKind,
        z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
        scale: f32,
        delta: &mut [f32],
    ) -> f32 {
        let y = match target {
            TargetRef::Class(y) if y < a.len() && delta.len() == a.len() && z.len() == a.len() => y,
            TargetRef::Class(_) => return mismatch(delta),
            TargetRef::Values(_) => {
                return CategoricalCrossentropy
                    .loss_and_delta(activation, z, a, target, scale, delta);
            }
        };
        if activation == ActivationKind::Softmax {
            for (i, (d, p)) in delta.iter_mut().zip(a).enumerate() {
                *d = scale * (p - if i == y { 1.0 } else { 0.0 });
            }
        } else {
            // dL/da = -1/p[y] on the target (zero where clipped), then through the activation.
            delta.fill(0.0);
            let p = a[y];
            if p > EPSILON && p < 1.0 - EPSILON {
                delta[y] = -scale / p;
            }
            activation.backward(z, a, delta);
        }
        self.loss(activation, z, a, target)
    }

    fn loss(&self, activation: ActivationKind, z: &[f32], a: &[f32], target: TargetRef<'_>) -> f32 {
        match target {
            TargetRef::Class(y) => a.get(y).map_or(f32::NAN, |p| -libm::logf(clip(*p))),
            TargetRef::Values(_) => CategoricalCrossentropy.loss(activation, z, a, target),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_value_and_clipping() {
        let a = [0.1_f32, 0.7, 0.2];
        let l = SparseCategoricalCrossentropy.loss(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Class(1),
        );
        assert!((l - 0.356_674_94).abs() < 1e-6, "{l}");
        // A zero probability is clipped to 1e-7: -log(1e-7) = 16.118...
        let a = [0.0_f32, 1.0, 0.0];
        let l = SparseCategoricalCrossentropy.loss(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Class(0),
        );
        assert!((l - 16.118_095).abs() < 1e-4, "{l}");
    }

    #[test]
    fn out_of_range_class_is_nan_not_a_panic() {
        let a = [0.5_f32, 0.5];
        let mut delta = [1.0; 2];
        let l = SparseCategoricalCrossentropy.loss_and_delta(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Class(2),
            1.0,
            &mut delta,
        );
        assert!(l.is_nan());
        assert_eq!(delta, [0.0, 0.0]);
    }

    #[test]
    fn values_target_reads_as_categorical() {
        let a = [0.2_f32, 0.8];
        let sparse = SparseCategoricalCrossentropy.loss(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Class(1),
        );
        let values = SparseCategoricalCrossentropy.loss(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Values(&[0.0, 1.0]),
        );
        assert!((sparse - values).abs() < 1e-6);
    }
}
