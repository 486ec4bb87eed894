//! Stochastic gradient descent, with optional momentum and Nesterov momentum.

use super::clip::with_clip;
use super::{Clipping, LearningRateSchedule, Optimizer, weight_decay};

optimizer! {
    /// Keras's `SGD` (learning rate 0.01, momentum 0, no Nesterov by default).
    ///
    /// Without momentum: `w -= lr * g`. With momentum (one state slot, the
    /// velocity `v`): `v = momentum * v - lr * g`, then `w += v`, or with
    /// Nesterov `w += momentum * v - lr * g` (the new `v`).
    ///
    /// ```
    /// use mlp_core::optim::{Optimizer, Sgd};
    ///
    /// let mut sgd = Sgd::new(0.1).momentum(0.9).nesterov(true);
    /// let mut w = [1.0_f32];
    /// let mut state = vec![0.0; sgd.slots() * w.len()];
    /// sgd.step(&mut w, &[1.0], &mut state, 0);
    /// // v = -0.1, w += 0.9 * -0.1 - 0.1
    /// assert!((w[0] - 0.81).abs() < 1e-6);
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    Sgd(0.01, "SGD with the given learning rate (or schedule).") {
        /// Momentum factor in `[0, 1)`; 0 turns momentum off (no state).
        momentum: f32 = 0.0,
        /// Nesterov momentum (only with a non-zero `momentum`).
        nesterov: bool = false,
    }
}

/// Plain SGD's update, `w -= g · rate`, as a value: the one description of
/// it that [`Sgd::step`], the batch engine's folded backward pass (which
/// applies it where each gradient is computed, and in the product of the
/// first layer's kernel gradient, `kernels::gemm_nn_sub`) and on-device
/// training all apply.
///
/// ```
/// use mlp_core::optim::SgdStep;
///
/// let mut w = [1.0_f32, 2.0];
/// SgdStep { rate: 0.1 }.apply(&mut w, &[0.5, -1.0]);
/// assert_eq!(w, [0.95, 2.1]);
/// # Ok::<(), core::convert::Infallible>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdStep {
    /// The learning rate.
    pub rate: f32,
}

impl SgdStep {
    /// One weight's update.
    #[inline]
    pub fn apply_one(self, w: &mut f32, g: f32) {
        *w -= g * self.rate;
    }

    /// The update of `w` from gradients `g` (element by element).
    #[inline]
    pub fn apply(self, w: &mut [f32], g: &[f32]) {
        for (w, g) in w.iter_mut().zip(g) {
            self.apply_one(w, *g);
        }
    }
}

/// SGD's update with momentum, as a value: the one description of it that
/// [`Sgd::step`] and on-device training
/// ([`crate::on_device::DeviceTrainer`], [`crate::on_device::LastLayers`])
/// both apply. Keras's formula, with velocity `v` (the optimizer's one
/// state slot per weight): `v = momentum * v - rate * g`, then `w += v`, or
/// with Nesterov `w += momentum * v - rate * g` (with the new `v`).
/// `no_std`, no heap.
///
/// ```
/// use mlp_core::optim::SgdMomentumStep;
///
/// let step = SgdMomentumStep { rate: 0.1, momentum: 0.9, nesterov: false };
/// let (mut w, mut v) = ([1.0_f32], [0.0_f32]);
/// step.apply(&mut w, &mut v, &[1.0]);
/// step.apply(&mut w, &mut v, &[1.0]);
/// // v = -0.1, then 0.9 * -0.1 - 0.1 = -0.19; w = 1 - 0.1 - 0.19
/// assert!((w[0] - 0.71).abs() < 1e-6 && (v[0] + 0.19).abs() < 1e-6);
/// # Ok::<(), core::convert::Infallible>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdMomentumStep {
    /// The learning rate.
    pub rate: f32,
    /// The momentum factor, in `[0, 1)`.
    pub momentum: f32,
    /// Nesterov momentum.
    pub nesterov: bool,
}

impl SgdMomentumStep {
    /// One weight's update, with its velocity `v`.
    #[inline]
    pub fn apply_one(self, w: &mut f32, v: &mut f32, g: f32) {
        *v = *v * self.momentum - g * self.rate;
        if self.nesterov {
            *w += *v * self.momentum - g * self.rate;
        } else {
            *w += *v;
        }
    }

    /// The update of `w` and its velocities `v` from gradients `g` (element
    /// by element).
    #[inline]
    pub fn apply(self, w: &mut [f32], v: &mut [f32], g: &[f32]) {
        for ((w, v), g) in w.iter_mut().zip(v).zip(g) {
            self.apply_one(w, v, *g);
        }
    }
}

impl<S: LearningRateSchedule> Optimizer for Sgd<S> {
    optimizer_methods!("SGD", unit_closed(momentum));

    fn name(&self) -> &'static str {
        "sgd"
    }

    fn slots(&self) -> usize {
        usize::from(self.momentum != 0.0)
    }

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let lr = self.learning_rate.rate(iteration);
        let clip = self.clipping.prepare(grads);
        weight_decay::apply(params, self.weight_decay, lr);
        with_clip!(clip, |clip| {
            if self.momentum == 0.0 {
                let step = SgdStep { rate: lr };
                for (p, g) in params.iter_mut().zip(grads) {
                    step.apply_one(p, clip(*g));
                }
                return;
            }
            debug_assert_eq!(state.len(), params.len(), "SGD with momentum: one slot");
            let step = SgdMomentumStep {
                rate: lr,
                momentum: self.momentum,
                nesterov: self.nesterov,
            };
            for ((p, g), v) in params.iter_mut().zip(grads).zip(state.iter_mut()) {
                step.apply_one(p, v, clip(*g));
            }
        })
    }

    fn plain_rate(&self, iteration: u64) -> Option<f32> {
        (self.momentum == 0.0 && self.clipping.is_off() && weight_decay::is_off(self.weight_decay))
            .then(|| self.learning_rate.rate(iteration))
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{GRADS, check};
    use super::*;
    use crate::optim::ExponentialDecay;

    // keras.optimizers.SGD(0.1[, momentum=0.9[, nesterov=True]]) on w = [1, 2] with GRADS.
    #[test]
    fn keras_reference() {
        check(
            Sgd::new(0.1),
            &GRADS,
            &[[0.99, 2.02], [0.96, 2.015], [1.0, 1.99]],
            &[
                [0.990_000_009_5, 2.019_999_980_9],
                [0.960_000_038_1, 2.014_999_866_5],
                [1.0, 1.989_999_890_3],
            ],
            1e-6,
        );
        check(
            Sgd::new(0.1).momentum(0.9),
            &GRADS,
            &[[0.99, 2.02], [0.951, 2.033], [0.9559, 2.0197]],
            &[
                [0.990_000_009_5, 2.019_999_980_9],
                [0.951_000_034_8, 2.032_999_992_4],
                [0.955_900_013_4, 2.019_700_050_4],
            ],
            1e-6,
        );
        check(
            Sgd::new(0.1).momentum(0.9).nesterov(true),
            &GRADS,
            &[[0.981, 2.038], [0.9159, 2.0447], [0.96031, 2.00773]],
            &[
                [0.981_000_006_2, 2.038_000_106_8],
                [0.915_899_991_9, 2.044_700_145_7],
                [0.960_309_982_3, 2.007_730_245_6],
            ],
            1e-6,
        );
        // SGD(ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)): rates 0.1, 0.0707, 0.05.
        check(
            Sgd::new(ExponentialDecay::new(0.1, 2, 0.5)),
            &GRADS,
            &[
                [0.99, 2.02],
                [0.968_786_796_6, 2.016_464_466_1],
                [0.988_786_796_6, 2.003_964_466_1],
            ],
            &[
                [0.990_000_009_5, 2.019_999_980_9],
                [0.968_786_776_0, 2.016_464_471_8],
                [0.988_786_756_9, 2.003_964_424_1],
            ],
            1e-6,
        );
    }

    // SGD(0.1, clipvalue=0.15) and SGD(0.1, global_clipnorm=0.2).
    #[test]
    fn keras_clipping() {
        let value = Clipping {
            clipvalue: Some(0.15),
            ..Clipping::default()
        };
        check(
            Sgd::new(0.1).clipping(value),
            &GRADS,
            &[[0.99, 2.015], [0.975, 2.01], [0.99, 1.995]],
            &[
                [0.990_000_009_5, 2.015_000_104_9],
                [0.975_000_023_8, 2.009_999_990_5],
                [0.990_000_009_5, 1.995_000_004_8],
            ],
            1e-6,
        );
        let norm = Clipping {
            global_clipnorm: Some(0.2),
            ..Clipping::default()
        };
        check(
            Sgd::new(0.1).clipping(norm),
            &GRADS,
            &[
                [0.991_055_728_1, 2.017_888_543_8],
                [0.971_327_849_6, 2.014_600_564_1],
                [0.988_287_815_7, 2.004_000_585_3],
            ],
            &[
                [0.991_055_727_0, 2.017_888_546_0],
                [0.971_327_841_3, 2.014_600_515_4],
                [0.988_287_806_5, 2.004_000_425_3],
            ],
            1e-6,
        );
    }

    // SGD(0.1, weight_decay=0.1[, momentum=0.9]) on w = [1, 2] with GRADS.
    #[test]
    fn keras_weight_decay() {
        let sgd = Sgd::new(0.1).weight_decay(0.1);
        assert_eq!(sgd.plain_rate(0), None, "the decay is not a plain step");
        check(
            sgd,
            &GRADS,
            &[[0.98, 2.0], [0.9402, 1.975], [0.970_798, 1.930_25]],
            &[
                [0.980_000_019_1, 2.0],
                [0.940_199_971_2, 1.975_000_023_8],
                [0.970_798_015_6, 1.930_250_048_6],
            ],
            1e-6,
        );
        check(
            Sgd::new(0.1).momentum(0.9).weight_decay(0.1),
            &GRADS,
            &[[0.98, 2.0], [0.9312, 1.993], [0.926_788, 1.959_77]],
            &[
                [0.980_000_019_1, 2.0],
                [0.931_200_027_5, 1.993_000_030_5],
                [0.926_788_032_1, 1.959_770_083_4],
            ],
            1e-6,
        );
    }

    #[test]
    fn validation() {
        assert!(Sgd::default().momentum(0.9).validate().is_ok());
        assert!(Sgd::new(0.0).validate().is_ok(), "a zero rate is allowed");
        for (sgd, what) in [
            (Sgd::new(f32::NAN), "SGD's learning_rate is NaN"),
            (Sgd::new(f32::INFINITY), "learning_rate is inf"),
            (Sgd::new(-0.1), "learning_rate is -0.1"),
            (Sgd::default().momentum(f32::NAN), "SGD's momentum is NaN"),
            (Sgd::default().momentum(1.5), "SGD's momentum is 1.5"),
            (
                Sgd::default().weight_decay(-0.5),
                "SGD's weight_decay is -0.5",
            ),
            (
                Sgd::default().clipping(Clipping {
                    clipvalue: Some(f32::NAN),
                    ..Clipping::default()
                }),
                "SGD's clipvalue is NaN",
            ),
            (
                Sgd::default().clipping(Clipping {
                    global_clipnorm: Some(-1.0),
                    ..Clipping::default()
                }),
                "SGD's global_clipnorm is -1",
            ),
        ] {
            let e = sgd.validate().unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
        assert!(
            Sgd::new(ExponentialDecay::new(0.1, 0, 0.5))
                .validate()
                .unwrap_err()
                .to_string()
                .contains("ExponentialDecay's decay_steps is 0")
        );
    }

    #[test]
    fn learning_rate_mut_only_for_a_constant() {
        let mut sgd = Sgd::new(0.1);
        *sgd.learning_rate_mut().unwrap() = 0.05;
        assert_eq!(sgd.learning_rate(7), 0.05);
        assert!(
            Sgd::new(ExponentialDecay::new(0.1, 2, 0.5))
                .learning_rate_mut()
                .is_none()
        );
    }

    #[test]
    fn defaults_and_slots() {
        let sgd = Sgd::default();
        assert_eq!(sgd.learning_rate(0), 0.01);
        assert_eq!(sgd.slots(), 0);
        assert_eq!(sgd.momentum(0.9).slots(), 1);
    }
}
