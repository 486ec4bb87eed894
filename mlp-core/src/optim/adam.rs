//! Adam.

use super::clip::with_clip;
use super::{Clipping, LearningRateSchedule, Optimizer, weight_decay};

optimizer! {
    /// Keras's `Adam` (learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon
    /// 1e-7, no AMSGrad), in Keras's bias-correction form. At step `t` (1-based):
    ///
    /// ```text
    /// alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    /// m += (g - m) * (1 - beta_1)
    /// v += (g^2 - v) * (1 - beta_2)
    /// v_hat = max(v_hat, v)          (AMSGrad only; else v_hat = v)
    /// w -= m * alpha / (sqrt(v_hat) + epsilon)
    /// ```
    ///
    /// State slots: `m`, `v`, then `v_hat` with AMSGrad. The step's scalars (`alpha`) are computed in `f64`, the
    /// per-parameter arithmetic in `f32`.
    ///
    /// ```
    /// use mlp_core::optim::{Adam, Optimizer};
    ///
    /// let mut adam = Adam::new(0.1);
    /// let mut w = [1.0_f32];
    /// let mut state = vec![0.0; adam.slots()];
    /// adam.step(&mut w, &[0.5], &mut state, 0);
    /// // The first Adam step moves each weight by about lr, whatever the gradient's size.
    /// assert!((w[0] - 0.9).abs() < 1e-5);
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    Adam(0.001, "Adam with Keras's defaults and the given learning rate (or schedule).") {
        /// Decay of the first-moment estimate.
        beta_1: f32 = 0.9,
        /// Decay of the second-moment estimate.
        beta_2: f32 = 0.999,
        /// Added to the denominator for stability.
        epsilon: f32 = 1e-7,
        /// The AMSGrad variant (a third slot: the running maximum of `v`).
        amsgrad: bool = false,
    }
}

impl<S: LearningRateSchedule> Optimizer for Adam<S> {
    optimizer_methods!(
        "Adam",
        unit_open(beta_1),
        unit_open(beta_2),
        positive(epsilon)
    );

    fn name(&self) -> &'static str {
        "adam"
    }

    fn slots(&self) -> usize {
        if self.amsgrad { 3 } else { 2 }
    }

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let n = params.len();
        debug_assert_eq!(state.len(), self.slots() * n, "Adam: state size");
        let lr = self.learning_rate.rate(iteration);
        // The bias corrections in f64, with 1 - beta^t as -expm1(t ln beta):
        // Keras's float32 `1 - beta_2^t` loses a third of its digits early on.
        let t = (iteration + 1) as f64;
        let alpha = lr as f64 * libm::sqrt(one_minus_power(self.beta_2, t))
            / one_minus_power(self.beta_1, t);
        let alpha = alpha as f32;
        let clip = self.clipping.prepare(grads);
        weight_decay::apply(params, self.weight_decay, lr);
        let (m, rest) = state.split_at_mut(n.min(state.len()));
        let (v, v_hat) = rest.split_at_mut(n.min(rest.len()));
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        with_clip!(clip, |clip| {
            for (i, ((p, g), (m, v))) in params
                .iter_mut()
                .zip(grads)
                .zip(m.iter_mut().zip(v.iter_mut()))
                .enumerate()
            {
                let g = clip(*g);
                *m += (g - *m) * (1.0 - b1);
                *v += (g * g - *v) * (1.0 - b2);
                let mut denom = *v;
                if self.amsgrad
                    && let Some(h) = v_hat.get_mut(i)
                {
                    *h = h.max(*v);
                    denom = *h;
                }
                *p -= *m * alpha / (libm::sqrtf(denom) + eps);
            }
        })
    }
}

/// `1 - beta^t`, accurate for `beta` near 1 and small `t`.
pub(crate) fn one_minus_power(beta: f32, t: f64) -> f64 {
    -libm::expm1(t * libm::log(beta as f64))
}

#[cfg(test)]
mod tests {
    use super::super::reference::{GRADS, check};
    use super::*;

    // keras.optimizers.Adam(0.1) and Adam() on w = [1, 2] with GRADS.
    #[test]
    fn keras_reference() {
        check(
            Adam::new(0.1),
            &GRADS,
            &[
                [0.900_003_162_2, 2.099_998_418_9],
                [0.808_225_968_1, 2.146_944_515_5],
                [0.814_366_030_0, 2.120_714_563_0],
            ],
            &[
                [0.900_003_790_9, 2.099_997_758_9],
                [0.808_227_539_1, 2.146_943_330_8],
                [0.814_367_592_3, 2.120_713_472_4],
            ],
            1e-5,
        );
        check(
            Adam::default(),
            &GRADS,
            &[
                [0.999_000_031_6, 2.000_999_984_2],
                [0.998_082_259_7, 2.001_469_445_2],
                [0.998_143_660_3, 2.001_207_145_6],
            ],
            &[
                [0.999_000_012_9, 2.000_999_927_5],
                [0.998_082_220_6, 2.001_469_373_7],
                [0.998_143_613_3, 2.001_207_113_3],
            ],
            1e-6,
        );
    }

    // Adam(0.1, beta_2=0.5[, amsgrad=True]) on gradients whose second
    // moment falls, so that AMSGrad's running maximum matters.
    #[test]
    fn keras_amsgrad() {
        let grads = [[1.0, -0.2], [0.0, 0.0], [0.01, 0.3]];
        check(
            Adam::new(0.1).beta_2(0.5),
            &grads,
            &[
                [0.900_000_014_1, 2.099_999_929_3],
                [0.817_955_518_6, 2.182_044_359_2],
                [0.737_915_603_9, 2.160_741_954_7],
            ],
            &[
                [0.900_000_035_8, 2.099_999_904_6],
                [0.817_955_553_5, 2.182_044_267_7],
                [0.737_915_635_1, 2.160_741_806_0],
            ],
            1e-5,
        );
        let amsgrad = Adam::new(0.1).beta_2(0.5).amsgrad(true);
        assert_eq!(amsgrad.slots(), 3);
        check(
            amsgrad,
            &grads,
            &[
                [0.900_000_014_1, 2.099_999_929_3],
                [0.841_985_791_6, 2.158_014_119_0],
                [0.801_957_825_4, 2.136_711_714_6],
            ],
            &[
                [0.900_000_035_8, 2.099_999_904_6],
                [0.841_985_821_7, 2.158_014_059_1],
                [0.801_957_845_7, 2.136_711_597_4],
            ],
            1e-5,
        );
    }

    #[test]
    fn validation() {
        assert!(Adam::default().amsgrad(true).validate().is_ok());
        for (adam, what) in [
            (Adam::new(f32::NAN), "learning_rate is NaN"),
            (Adam::default().beta_1(1.0), "Adam's beta_1 is 1"),
            (Adam::default().beta_1(-0.1), "Adam's beta_1 is -0.1"),
            (Adam::default().beta_2(f32::NAN), "Adam's beta_2 is NaN"),
            (Adam::default().epsilon(0.0), "Adam's epsilon is 0"),
            (
                Adam::default().weight_decay(f32::NAN),
                "Adam's weight_decay is NaN",
            ),
        ] {
            let e = adam.validate().unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }

    #[test]
    fn one_minus_power_is_accurate() {
        // 1 - 0.999^1 = 0.001 (to f32's rounding of 0.999), where f32 arithmetic keeps 4 digits.
        let exact = 1.0 - 0.999_f32 as f64;
        assert!((one_minus_power(0.999, 1.0) - exact).abs() < 1e-15);
    }
}
