//! Adagrad.

use super::clip::with_clip;
use super::{Clipping, LearningRateSchedule, Optimizer, weight_decay};

optimizer! {
    /// Keras's `Adagrad` (learning rate 0.001, initial_accumulator_value 0.1,
    /// epsilon 1e-7). With the accumulator `acc` starting at
    /// `initial_accumulator_value`:
    ///
    /// ```text
    /// acc += g^2
    /// w -= lr * g / sqrt(acc + epsilon)
    /// ```
    ///
    /// One state slot. State starts at zero (see [`Optimizer::step`]), so the
    /// slot holds `acc - initial_accumulator_value`, the sum of the squared
    /// gradients, and the initial value is added back when dividing.
    ///
    /// ```
    /// use mlp_core::optim::{Adagrad, Optimizer};
    ///
    /// let adagrad = Adagrad::new(0.5);
    /// let mut w = [1.0_f32];
    /// let mut state = vec![0.0; adagrad.slots()];
    /// adagrad.step(&mut w, &[1.0], &mut state, 0);
    /// // acc = 0.1 + 1; w = 1 - 0.5 / sqrt(1.1)
    /// assert!((w[0] - (1.0 - 0.5 / 1.1_f32.sqrt())).abs() < 1e-6);
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    Adagrad(0.001, "Adagrad with Keras's defaults and the given learning rate (or schedule).") {
        /// The accumulator's starting value.
        initial_accumulator_value: f32 = 0.1,
        /// Added under the square root.
        epsilon: f32 = 1e-7,
    }
}

impl<S: LearningRateSchedule> Optimizer for Adagrad<S> {
    optimizer_methods!(
        "Adagrad",
        non_negative(initial_accumulator_value),
        positive(epsilon),
    );

    fn name(&self) -> &'static str {
        "adagrad"
    }

    fn slots(&self) -> usize {
        1
    }

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        debug_assert_eq!(state.len(), params.len(), "Adagrad: one slot");
        let lr = self.learning_rate.rate(iteration);
        let clip = self.clipping.prepare(grads);
        weight_decay::apply(params, self.weight_decay, lr);
        let (initial, eps) = (self.initial_accumulator_value, self.epsilon);
        with_clip!(clip, |clip| {
            for ((p, g), sum) in params.iter_mut().zip(grads).zip(state.iter_mut()) {
                let g = clip(*g);
                *sum += g * g;
                *p -= lr * g / libm::sqrtf(*sum + initial + eps);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{GRADS, check, golden, single_step};
    use super::*;

    // keras.optimizers.Adagrad(0.1), Adagrad() and Adagrad(0.1, weight_decay=0.1)
    // on w = [1, 2] with GRADS (Keras 3.15.1, JAX backend).
    #[test]
    fn keras_reference() {
        check(
            Adagrad::new(0.1),
            &GRADS,
            &[
                [0.969_848_878_6, 2.053_452_230_4],
                [0.902_766_853_9, 2.040_206_911_2],
                [0.969_433_512_0, 1.984_991_161_2],
            ],
            &[
                [0.969_848_871_2, 2.053_452_253_3],
                [0.902_766_823_8, 2.040_206_909_2],
                [0.969_433_486_5, 1.984_991_192_8],
            ],
            1e-6,
        );
        check(
            Adagrad::default(),
            &GRADS,
            &[
                [0.999_698_488_8, 2.000_534_522_3],
                [0.999_027_668_5, 2.000_402_069_1],
                [0.999_694_335_1, 1.999_849_911_6],
            ],
            &[
                [0.999_698_460_1, 2.000_534_534_5],
                [0.999_027_669_4, 2.000_401_973_7],
                [0.999_694_347_4, 1.999_849_796_3],
            ],
            1e-6,
        );
        check(
            Adagrad::new(0.1).weight_decay(0.1),
            &GRADS,
            &[
                [0.959_848_878_3, 2.033_452_229_8],
                [0.883_168_364_5, 1.999_872_387_7],
                [0.941_003_338_7, 1.924_657_913_2],
            ],
            &[
                [0.959_848_880_8, 2.033_452_272_4],
                [0.883_168_339_7, 1.999_872_446_1],
                [0.941_003_322_6, 1.924_658_060_1],
            ],
            1e-6,
        );
    }

    // keras/src/optimizers/adagrad_test.py `test_single_step`.
    #[test]
    fn keras_single_step() {
        single_step(Adagrad::new(0.5), [0.5233, 1.5007, 2.5005, 3.5061]);
    }

    // keras/src/optimizers/adagrad_test.py `test_correctness_with_golden`.
    #[test]
    fn keras_golden() {
        golden(
            Adagrad::new(0.2)
                .initial_accumulator_value(0.3)
                .epsilon(1e-6),
            &[
                [0.9963; 10],
                [
                    0.9604, 0.9278, 0.9003, 0.8784, 0.8615, 0.8487, 0.8388, 0.8313, 0.8255, 0.8209,
                ],
                [
                    0.9251, 0.8629, 0.8137, 0.7768, 0.7497, 0.7298, 0.7151, 0.704, 0.6956, 0.6891,
                ],
                [
                    0.8903, 0.8012, 0.7342, 0.6862, 0.6521, 0.6277, 0.6099, 0.5967, 0.5867, 0.579,
                ],
                [
                    0.856, 0.7422, 0.6604, 0.6037, 0.5644, 0.5367, 0.5168, 0.5021, 0.491, 0.4825,
                ],
            ],
        );
    }

    #[test]
    fn validation() {
        assert!(Adagrad::default().validate().is_ok());
        let e = Adagrad::default()
            .initial_accumulator_value(-1.0)
            .validate()
            .unwrap_err();
        assert!(
            e.to_string().contains("initial_accumulator_value is -1"),
            "{e}"
        );
        assert!(Adagrad::default().epsilon(0.0).validate().is_err());
        assert!(Adagrad::new(f32::NAN).validate().is_err());
        assert!(
            Adagrad::default()
                .weight_decay(f32::INFINITY)
                .validate()
                .is_err()
        );
    }
}
