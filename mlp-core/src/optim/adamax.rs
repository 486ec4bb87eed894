//! Adamax: Adam with the infinity norm.

use super::adam::one_minus_power;
use super::clip::with_clip;
use super::{Clipping, LearningRateSchedule, Optimizer, weight_decay};

optimizer! {
    /// Keras's `Adamax` (learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon
    /// 1e-7). At step `t` (1-based):
    ///
    /// ```text
    /// m += (g - m) * (1 - beta_1)
    /// u = max(beta_2 * u, |g|)
    /// w -= lr * m / ((1 - beta_1^t) * (u + epsilon))
    /// ```
    ///
    /// State slots: `m`, `u`. The bias correction `1 - beta_1^t` is computed in
    /// `f64` (rounded once to `f32`), the per-parameter arithmetic in `f32`.
    ///
    /// ```
    /// use mlp_core::optim::{Adamax, Optimizer};
    ///
    /// let adamax = Adamax::new(0.5);
    /// let mut w = [1.0_f32, 2.0];
    /// let mut state = vec![0.0; adamax.slots() * w.len()];
    /// adamax.step(&mut w, &[1.0, 6.0], &mut state, 0);
    /// // The first step moves each weight by lr * g / (|g| + epsilon), about lr.
    /// assert!((w[0] - 0.5).abs() < 1e-5 && (w[1] - 1.5).abs() < 1e-5);
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    Adamax(0.001, "Adamax with Keras's defaults and the given learning rate (or schedule).") {
        /// Decay of the first-moment estimate.
        beta_1: f32 = 0.9,
        /// Decay of the infinity norm.
        beta_2: f32 = 0.999,
        /// Added to the norm for stability.
        epsilon: f32 = 1e-7,
    }
}

impl<S: LearningRateSchedule> Optimizer for Adamax<S> {
    optimizer_methods!(
        "Adamax",
        unit_open(beta_1),
        unit_open(beta_2),
        positive(epsilon)
    );

    fn name(&self) -> &'static str {
        "adamax"
    }

    fn slots(&self) -> usize {
        2
    }

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let n = params.len();
        debug_assert_eq!(state.len(), 2 * n, "Adamax: state size");
        let lr = self.learning_rate.rate(iteration);
        let correction = one_minus_power(self.beta_1, (iteration + 1) as f64) as f32;
        let clip = self.clipping.prepare(grads);
        weight_decay::apply(params, self.weight_decay, lr);
        let (m, u) = state.split_at_mut(n.min(state.len()));
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        with_clip!(clip, |clip| {
            for ((p, g), (m, u)) in params
                .iter_mut()
                .zip(grads)
                .zip(m.iter_mut().zip(u.iter_mut()))
            {
                let g = clip(*g);
                *m += (g - *m) * (1.0 - b1);
                *u = (b2 * *u).max(g.abs());
                *p -= lr * *m / (correction * (*u + eps));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{GRADS, check, golden, single_step};
    use super::*;

    // keras.optimizers.Adamax(0.1), Adamax() and Adamax(0.1, weight_decay=0.1)
    // on w = [1, 2] with GRADS (Keras 3.15.1, JAX backend).
    #[test]
    fn keras_reference() {
        check(
            Adamax::new(0.1),
            &GRADS,
            &[
                [0.900_000_098_5, 2.099_999_951_5],
                [0.831_579_067_6, 2.134_244_704_7],
                [0.836_099_362_3, 2.114_613_714_6],
            ],
            &[
                [0.900_000_095_4, 2.099_999_904_6],
                [0.831_579_089_2, 2.134_244_680_4],
                [0.836_099_386_2, 2.114_613_771_4],
            ],
            1e-6,
        );
        check(
            Adamax::default(),
            &GRADS,
            &[
                [0.999_000_001_0, 2.000_999_999_5],
                [0.998_315_790_6, 2.001_342_447_1],
                [0.998_360_993_6, 2.001_146_137_2],
            ],
            &[
                [0.999_000_012_9, 2.000_999_927_5],
                [0.998_315_811_2, 2.001_342_296_6],
                [0.998_360_991_5, 2.001_146_078_1],
            ],
            1e-6,
        );
        check(
            Adamax::new(0.1).weight_decay(0.1),
            &GRADS,
            &[
                [0.890_000_098_2, 2.079_999_950_9],
                [0.812_679_066_1, 2.093_444_704_0],
                [0.809_072_569_9, 2.052_879_266_2],
            ],
            &[
                [0.890_000_104_9, 2.079_999_923_7],
                [0.812_679_112_0, 2.093_444_585_8],
                [0.809_072_613_7, 2.052_879_333_5],
            ],
            1e-6,
        );
    }

    // keras/src/optimizers/adamax_test.py `test_single_step`.
    #[test]
    fn keras_single_step() {
        single_step(Adamax::new(0.5), [0.5, 1.5, 2.5, 3.5]);
    }

    // keras/src/optimizers/adamax_test.py `test_correctness_with_golden`.
    #[test]
    fn keras_golden() {
        golden(
            Adamax::new(0.2).beta_1(0.85).beta_2(0.95).epsilon(1e-6),
            &[
                [0.8; 10],
                [
                    0.6827, 0.6873, 0.6888, 0.6896, 0.6901, 0.6904, 0.6906, 0.6908, 0.6909, 0.691,
                ],
                [
                    0.5333, 0.5407, 0.5431, 0.5444, 0.5451, 0.5456, 0.546, 0.5462, 0.5464, 0.5466,
                ],
                [
                    0.368, 0.3773, 0.3804, 0.382, 0.3829, 0.3835, 0.384, 0.3843, 0.3846, 0.3848,
                ],
                [
                    0.1933, 0.204, 0.2076, 0.2094, 0.2105, 0.2112, 0.2117, 0.2121, 0.2124, 0.2126,
                ],
            ],
        );
    }

    #[test]
    fn validation() {
        assert!(Adamax::default().validate().is_ok());
        let e = Adamax::default().beta_1(1.0).validate().unwrap_err();
        assert!(e.to_string().contains("Adamax's beta_1 is 1"), "{e}");
        assert!(Adamax::default().beta_2(-0.1).validate().is_err());
        assert!(Adamax::default().epsilon(f32::NAN).validate().is_err());
        assert!(Adamax::new(-0.1).validate().is_err());
    }
}
