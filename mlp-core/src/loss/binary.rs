//! `binary_crossentropy`.

use super::{
    Loss, TargetKind, TargetRef, clip, elementwise, elementwise_loss, mismatch, unclipped,
};
use crate::activation::ActivationKind;

/// Binary cross-entropy, Keras's formula: `p` clipped to `[eps, 1 - eps]`,
/// then `-mean over outputs of (y log p + (1 - y) log(1 - p))`.
///
/// With a sigmoid output the gradient is the fused, stable
/// `delta = scale * (p - y) / N` over the `N` outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BinaryCrossentropy;

fn bce(p: f32, y: f32) -> f32 {
    let p = clip(p);
    -(y * libm::logf(p) + (1.0 - y) * libm::logf(1.0 - p))
}

impl Loss for BinaryCrossentropy {
    const NAME: &'static str = "binary_crossentropy";
    const TARGET: TargetKind = TargetKind::Binary;

    fn loss_and_delta(
        &self,
        activation: ActivationKind,
        z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
        scale: f32,
        delta: &mut [f32],
    ) -> f32 {
        if activation == ActivationKind::Sigmoid {
            if !target.fits(a.len()) || delta.len() != a.len() {
                return mismatch(delta);
            }
            let n = a.len() as f32;
            for (i, (d, p)) in delta.iter_mut().zip(a).enumerate() {
                *d = scale * (p - target.value(i)) / n;
            }
            return self.loss(activation, z, a, target);
        }
        elementwise(activation, z, a, target, scale, delta, |p, y| {
            let g = if unclipped(p) {
                (1.0 - y) / (1.0 - p) - y / p
            } else {
                0.0
            };
            (bce(p, y), g)
        })
    }

    fn loss(
        &self,
        _activation: ActivationKind,
        _z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
    ) -> f32 {
        elementwise_loss(a, target, bce)
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
}
