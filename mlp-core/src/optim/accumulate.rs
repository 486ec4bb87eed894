//! Keras's `gradient_accumulation_steps`: the optimizer updates the weights
//! once every `steps` batches, with the mean of their gradients.
//!
//! ```
//! use mlp_core::optim::{Accumulate, Optimizer, Sgd};
//!
//! // keras.optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=3)
//! let sgd = Accumulate::new(Sgd::new(1.0), 3);
//! let mut w = [1.0_f32, 2.0];
//! let mut state = vec![0.0; sgd.slots() * w.len()];
//! for t in 0..2 {
//!     sgd.step(&mut w, &[1.0, 1.0], &mut state, t);
//! }
//! assert_eq!(w, [1.0, 2.0]); // accumulated, not applied
//! sgd.step(&mut w, &[1.0, 1.0], &mut state, 2);
//! assert_eq!(w, [0.0, 1.0]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use super::Optimizer;

/// Keras's `gradient_accumulation_steps=steps` on the optimizer `O`: the
/// gradients of `steps - 1` batches are summed in the last of the state
/// slots, and the `steps`-th batch updates the weights with
/// `(g + sum) / steps` (clipping and weight decay included) as the inner
/// optimizer's step number `iteration / steps` (Keras's
/// `optimizer.iterations`, which the learning rate schedule and Adam's bias
/// correction read). The accumulator is part of the training state, so a
/// run resumed between two updates continues it.
#[derive(Clone, Debug)]
pub struct Accumulate<O> {
    /// The optimizer that makes the updates.
    pub inner: O,
    /// Batches per update (at least 1; 1 is the plain optimizer).
    pub steps: u64,
}

impl<O: Optimizer> Accumulate<O> {
    /// `inner`, updating once every `steps` batches.
    pub fn new(inner: O, steps: u64) -> Self {
        Self { inner, steps }
    }
}

impl<O: Optimizer> Optimizer for Accumulate<O> {
    wrapper_methods!();

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let steps = self.steps.max(1);
        let (inner, sum) = state.split_at_mut(self.inner.slots() * params.len());
        if !(iteration + 1).is_multiple_of(steps) {
            for (s, g) in sum.iter_mut().zip(grads) {
                *s += g;
            }
            return;
        }
        let n = steps as f32;
        for (s, g) in sum.iter_mut().zip(grads) {
            *s = (g + *s) / n;
        }
        self.inner.step(params, sum, inner, iteration / steps);
        sum.fill(0.0);
    }

    fn elementwise(&self) -> bool {
        self.inner.elementwise()
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.inner.learning_rate(iteration / self.steps.max(1))
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        self.inner.validate()?;
        super::validate::steps(self.inner.name(), "gradient_accumulation_steps", self.steps)
    }

    fn finalize(&self, params: &mut [f32], state: &[f32]) {
        self.inner
            .finalize(params, &state[..self.inner.slots() * params.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, Sgd};

    // keras/src/optimizers/optimizer_test.py, OptimizerTest.test_gradient_accumulation
    #[test]
    fn keras_test_gradient_accumulation() {
        let opt = Accumulate::new(Sgd::new(1.0), 3);
        let mut v = [1.0_f32, 2.0, 3.0, 4.0];
        let g = [1.0; 4];
        let mut state = vec![0.0; opt.slots() * 4];
        let wants: [([f32; 4], f32); 4] = [
            ([1.0, 2.0, 3.0, 4.0], 1.0),
            ([1.0, 2.0, 3.0, 4.0], 2.0),
            ([0.0, 1.0, 2.0, 3.0], 0.0),
            ([0.0, 1.0, 2.0, 3.0], 1.0),
        ];
        for (t, (want, accumulated)) in wants.into_iter().enumerate() {
            opt.step(&mut v, &g, &mut state, t as u64);
            assert_eq!(v, want, "iteration {}", t + 1);
            assert_eq!(state, [accumulated; 4], "iteration {}", t + 1);
        }
    }

    // OptimizerTest.test_gradient_accumulation_with_weigth_decay (adam, sgd,
    // weight_decay 0.05): three accumulated batches make the update of their
    // mean gradient, with the inner optimizer's step count.
    #[test]
    fn keras_accumulation_with_weight_decay() {
        let grads: [[[f32; 2]; 3]; 2] = [
            [[0.1, 0.7], [0.4, 0.2], [0.9, 0.3]],
            [[0.5, 0.6], [0.2, 0.8], [0.3, 0.1]],
        ];
        fn check<O: Optimizer + Clone>(opt: O, grads: &[[[f32; 2]; 3]; 2]) {
            let three = Accumulate::new(opt.clone(), 3);
            let (mut w1, mut w3) = ([0.9_f32, 0.5], [0.9_f32, 0.5]);
            let mut s1 = vec![0.0; opt.slots() * 2];
            let mut s3 = vec![0.0; three.slots() * 2];
            for (epoch, batch) in grads.iter().enumerate() {
                let mean: [f32; 2] =
                    core::array::from_fn(|i| (batch[0][i] + batch[1][i] + batch[2][i]) / 3.0);
                opt.step(&mut w1, &mean, &mut s1, epoch as u64);
                for (b, g) in batch.iter().enumerate() {
                    three.step(&mut w3, g, &mut s3, (3 * epoch + b) as u64);
                }
                for i in 0..2 {
                    assert!((w1[i] - w3[i]).abs() < 1e-6, "{opt:?}: {w1:?} vs {w3:?}");
                }
            }
        }
        check(Adam::new(0.01).weight_decay(0.05), &grads);
        check(Sgd::new(0.1).weight_decay(0.05), &grads);
    }

    #[test]
    fn steps_are_checked_and_the_rate_follows_the_updates() {
        assert!(Accumulate::new(Sgd::new(0.1), 0).validate().is_err());
        let opt = Accumulate::new(Sgd::new(0.1), 4);
        assert_eq!(opt.slots(), 1);
        assert_eq!(opt.plain_rate(0), None);
        assert_eq!(opt.learning_rate(7), 0.1);
    }
}
