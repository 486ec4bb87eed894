//! `sparse_categorical_crossentropy`.

use super::logits::{log_sum_exp, softmax_into};
use super::{CategoricalCrossentropy, Loss, Reduction, TargetKind, TargetRef, clip, mismatch};
use crate::activation::ActivationKind;

loss!(
    /// Cross-entropy with class-index targets, Keras's formula: the outputs
    /// divided by their sum, clipped to `[eps, 1 - eps]`, then `-log p[y]`.
    ///
    /// Options, as Keras's `SparseCategoricalCrossentropy`:
    /// - `from_logits` (default `false`): the outputs are logits, and the loss
    ///   is `log_sum_exp(a) - a[y]` (stable);
    /// - `ignore_class` (default none): samples of that class contribute a zero
    ///   loss and gradient, and the batch's loss is divided by the number of the
    ///   other samples (Keras's mask under `sum_over_batch_size`; 0 when every
    ///   sample is ignored). The class may lie outside the outputs (Keras's
    ///   examples use `-1` or `255`); it is compared with each label as the
    ///   trainer reads labels (`label as usize`, so `-1` matches `-1_i32`).
    ///   Metrics still count ignored samples, as Keras's do.
    ///
    /// With a softmax output (and not `from_logits`) the gradient is the fused,
    /// stable `p - onehot(y)`, and the loss is `-log clip(p[y])`: the rows of a
    /// softmax sum to 1, so dividing by the sum changes nothing but rounding, and
    /// this path stays as it was (bit for bit). With any other output the
    /// division is made, as Keras makes it, and its derivative goes through the
    /// activation's backward pass.
    ///
    /// Given a [`TargetRef::Values`] (which [`TargetFor`](super::TargetFor)
    /// never produces for it), it computes the categorical cross-entropy of those
    /// values; a class index `>= a.len()` (other than `ignore_class`) gives a NaN
    /// loss and a zero gradient.
    ///
    /// ```
    /// use mlp_core::loss::SparseCategoricalCrossentropy;
    ///
    /// let loss = SparseCategoricalCrossentropy.from_logits(true).ignore_class(-1);
    /// assert_eq!(loss.ignore_class, Some(usize::MAX));
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    SparseCategoricalCrossentropy(
        "The loss with Keras's defaults (probabilities, no ignored class)."
    ): from_logits, ignore_class, reduction, output_logits
);

impl SparseCategoricalCrossentropy {
    /// Sets `ignore_class` (a label of any integer type, read as the trainer
    /// reads labels: `-1` becomes `usize::MAX`).
    pub const fn ignore_class(mut self, class: i64) -> Self {
        self.ignore_class = Some(class as usize);
        self
    }

    /// The categorical cross-entropy with the same `from_logits`.
    fn categorical(&self) -> CategoricalCrossentropy {
        CategoricalCrossentropy::new()
            .from_logits(self.from_logits)
            .output_logits(self.output_logits)
    }
}

impl Loss for SparseCategoricalCrossentropy {
    const NAME: &'static str = "sparse_categorical_crossentropy";
    const TARGET: TargetKind = TargetKind::Sparse;

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
        if self.ignored(target) {
            delta.fill(0.0);
            return 0.0;
        }
        let y = match target {
            TargetRef::Class(y) if y < a.len() && delta.len() == a.len() && z.len() == a.len() => y,
            TargetRef::Class(_) => return mismatch(delta),
            TargetRef::Values(_) => {
                return self
                    .categorical()
                    .loss_and_delta(activation, z, a, target, scale, delta);
            }
        };
        if self.from_logits {
            // L = lse(a) - a[y]: dL/da = softmax(a) - onehot(y).
            let lse = log_sum_exp(a);
            softmax_into(a, lse, delta);
            for (i, d) in delta.iter_mut().enumerate() {
                *d = scale * (*d - if i == y { 1.0 } else { 0.0 });
            }
            activation.backward(z, a, delta);
            return lse - a[y];
        }
        if activation == ActivationKind::Softmax {
            for (i, (d, p)) in delta.iter_mut().zip(a).enumerate() {
                *d = scale * (p - if i == y { 1.0 } else { 0.0 });
            }
            return self.loss(activation, z, a, target);
        }
        // Keras's normalised formula: the categorical one with a one-hot target.
        self.categorical()
            .loss_and_delta(activation, z, a, target, scale, delta)
    }

    fn loss(&self, activation: ActivationKind, z: &[f32], a: &[f32], target: TargetRef<'_>) -> f32 {
        if self.ignored(target) {
            return 0.0;
        }
        match target {
            TargetRef::Class(y) if y >= a.len() => f32::NAN,
            TargetRef::Class(y) if !self.from_logits && activation == ActivationKind::Softmax => {
                if self.output_logits && z.len() == a.len() {
                    log_sum_exp(z) - z[y]
                } else {
                    -libm::logf(clip(a[y]))
                }
            }
            _ => self.categorical().loss(activation, z, a, target),
        }
    }

    fn ignored(&self, target: TargetRef<'_>) -> bool {
        matches!((self.ignore_class, target), (Some(i), TargetRef::Class(c)) if i == c)
    }

    fn ignores_any(&self) -> bool {
        self.ignore_class.is_some()
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

    #[test]
    fn ignored_class_is_zero() {
        let loss = SparseCategoricalCrossentropy.ignore_class(-1);
        let a = [0.2_f32, 0.8];
        let mut delta = [1.0; 2];
        let l = loss.loss_and_delta(
            ActivationKind::Softmax,
            &a,
            &a,
            TargetRef::Class(-1_i32 as usize),
            1.0,
            &mut delta,
        );
        assert_eq!((l, delta), (0.0, [0.0; 2]));
        assert!(loss.ignores_any() && loss.ignored(TargetRef::Class(usize::MAX)));
        assert!(!loss.ignored(TargetRef::Class(1)));
        assert!(!SparseCategoricalCrossentropy.ignores_any());
    }
}
