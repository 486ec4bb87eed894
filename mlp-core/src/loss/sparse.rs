//! `sparse_categorical_crossentropy`.

use super::{EPSILON, Loss, TargetKind, TargetRef};
use crate::activation::ActivationKind;

/// Cross-entropy with class-index targets: `-log(clip(p[y], eps, 1 - eps))`.
/// With a softmax output, the gradient is the fused, stable `p - onehot(y)`.
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
        let TargetRef::Class(y) = target else {
            unreachable!("sparse targets are class indices")
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

    fn loss(
        &self,
        _activation: ActivationKind,
        _z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
    ) -> f32 {
        let TargetRef::Class(y) = target else {
            unreachable!("sparse targets are class indices")
        };
        -libm::logf(a[y].clamp(EPSILON, 1.0 - EPSILON))
    }
}
