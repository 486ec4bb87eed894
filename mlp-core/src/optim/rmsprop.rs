//! RMSprop.

use super::clip::with_clip;
use super::{Clipping, LearningRateSchedule, Optimizer, weight_decay};

optimizer! {
    /// Keras's `RMSprop` (learning rate 0.001, rho 0.9, momentum 0, epsilon
    /// 1e-7, not centered). Note that Keras 3 adds epsilon *inside* the root:
    ///
    /// ```text
    /// v = rho * v + (1 - rho) * g^2
    /// mg = rho * mg + (1 - rho) * g                 (centered only)
    /// inc = lr * g / sqrt(v + epsilon)              (sqrt(v - mg^2 + epsilon) if centered)
    /// w -= inc, or with momentum: mom = momentum * mom + inc; w -= mom
    /// ```
    ///
    /// State slots: `v`, then the momentum (if `momentum > 0`), then the mean
    /// gradient `mg` (if centered).
    ///
    /// ```
    /// use mlp_core::optim::{Optimizer, RmsProp};
    ///
    /// let mut rms = RmsProp::new(0.01);
    /// let mut w = [1.0_f32];
    /// let mut state = vec![0.0; rms.slots()];
    /// rms.step(&mut w, &[2.0], &mut state, 0);
    /// // v = 0.1 * 4 = 0.4; w -= 0.01 * 2 / sqrt(0.4)
    /// assert!((w[0] - (1.0 - 0.02 / 0.4_f32.sqrt())).abs() < 1e-6);
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    RmsProp(0.001, "RMSprop with Keras's defaults and the given learning rate (or schedule).") {
        /// Decay of the mean square.
        rho: f32 = 0.9,
        /// Momentum factor; 0 turns it off (one slot fewer).
        momentum: f32 = 0.0,
        /// Added under the square root.
        epsilon: f32 = 1e-7,
        /// Normalise by the variance instead of the mean square (one more slot).
        centered: bool = false,
    }
}

impl<S: LearningRateSchedule> Optimizer for RmsProp<S> {
    optimizer_methods!(
        "RMSprop",
        unit_open(rho),
        unit_closed(momentum),
        positive(epsilon)
    );

    fn name(&self) -> &'static str {
        "rm_sprop"
    }

    fn slots(&self) -> usize {
        1 + usize::from(self.momentum > 0.0) + usize::from(self.centered)
    }

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let n = params.len();
        debug_assert_eq!(state.len(), self.slots() * n, "RMSprop: state size");
        let lr = self.learning_rate.rate(iteration);
        let clip = self.clipping.prepare(grads);
        weight_decay::apply(params, self.weight_decay, lr);
        let (velocity, rest) = state.split_at_mut(n.min(state.len()));
        let (momentum, rest) = if self.momentum > 0.0 {
            rest.split_at_mut(n.min(rest.len()))
        } else {
            (&mut [][..], rest)
        };
        let average = if self.centered { rest } else { &mut [][..] };
        let (rho, eps) = (self.rho, self.epsilon);
        with_clip!(clip, |clip| {
            for (i, ((p, g), v)) in params.iter_mut().zip(grads).zip(velocity).enumerate() {
                let g = clip(*g);
                *v = rho * *v + (1.0 - rho) * g * g;
                let denominator = match average.get_mut(i) {
                    Some(mg) => {
                        *mg = rho * *mg + (1.0 - rho) * g;
                        *v - *mg * *mg + eps
                    }
                    None => *v + eps,
                };
                let increment = lr * g / libm::sqrtf(denominator);
                match momentum.get_mut(i) {
                    Some(mom) => {
                        *mom = self.momentum * *mom + increment;
                        *p -= *mom;
                    }
                    None => *p -= increment,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{GRADS, check};
    use super::*;

    // keras.optimizers.RMSprop(0.1[, momentum=0.5, centered=True]) on w = [1, 2] with GRADS.
    #[test]
    fn keras_reference() {
        check(
            RmsProp::new(0.1),
            &GRADS,
            &[
                [0.683_788_044_2, 2.316_223_813_2],
                [0.382_278_222_4, 2.235_642_563_3],
                [0.635_716_527_7, 1.982_003_365_5],
            ],
            &[
                [0.683_788_061_1, 2.316_223_859_8],
                [0.382_278_233_7, 2.235_642_671_6],
                [0.635_716_557_5, 1.982_003_450_4],
            ],
            1e-6,
        );
        let centered = RmsProp::new(0.1).momentum(0.5).centered(true);
        assert_eq!(centered.slots(), 3);
        check(
            centered,
            &GRADS,
            &[
                [0.666_685_183_6, 2.333_328_703_8],
                [0.172_292_968_5, 2.417_582_812_4],
                [0.178_657_394_8, 2.203_729_551_9],
            ],
            &[
                [0.666_685_164_0, 2.333_328_723_9],
                [0.172_292_947_8, 2.417_582_750_3],
                [0.178_657_382_7, 2.203_729_391_1],
            ],
            1e-6,
        );
    }

    // RMSprop(0.1, weight_decay=0.1) on w = [1, 2] with GRADS.
    #[test]
    fn keras_weight_decay() {
        check(
            RmsProp::new(0.1).weight_decay(0.1),
            &GRADS,
            &[
                [0.673_788_076_9, 2.296_223_779_7],
                [0.365_540_404_5, 2.192_680_298_7],
                [0.615_323_278_5, 1.917_114_322_7],
            ],
            &[
                [0.673_788_070_7, 2.296_223_878_9],
                [0.365_540_355_4, 2.192_680_358_9],
                [0.615_323_305_1, 1.917_114_257_8],
            ],
            1e-6,
        );
    }

    #[test]
    fn validation() {
        assert!(
            RmsProp::default()
                .momentum(0.5)
                .centered(true)
                .validate()
                .is_ok()
        );
        for (rms, what) in [
            (RmsProp::new(-1.0), "learning_rate is -1"),
            (RmsProp::default().rho(1.0), "RMSprop's rho is 1"),
            (
                RmsProp::default().momentum(f32::NAN),
                "RMSprop's momentum is NaN",
            ),
            (
                RmsProp::default().epsilon(-1e-7),
                "RMSprop's epsilon is -0.0000001",
            ),
        ] {
            let e = rms.validate().unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }
}
