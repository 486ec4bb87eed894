//! Nadam: Adam with Nesterov momentum.

use super::adam::one_minus_power;
use super::clip::with_clip;
use super::{Clipping, LearningRateSchedule, Optimizer, weight_decay};

optimizer! {
    /// Keras's `Nadam` (learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon
    /// 1e-7), with Keras 3's momentum-cache schedule. At step `t` (1-based):
    ///
    /// ```text
    /// u_t = beta_1 * (1 - 0.5 * 0.96^t),   u_{t+1} likewise
    /// P_t = u_1 * u_2 * ... * u_t            (Keras's `_u_product`)
    /// m += (g - m) * (1 - beta_1)
    /// v += (g^2 - v) * (1 - beta_2)
    /// m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)
    /// v_hat = v / (1 - beta_2^t)
    /// w -= lr * m_hat / (sqrt(v_hat) + epsilon)
    /// ```
    ///
    /// (Keras 2 and the Nadam paper used `0.96^(0.004 t)`; Keras 3 uses
    /// `0.96^t`, and so does this type.) `P_t` is recomputed from `t` at each
    /// step (no hidden state: any `iteration` may be passed). The step's
    /// scalars are computed in `f64`, the per-parameter arithmetic in `f32`.
    /// State slots: `m`, `v`.
    ///
    /// ```
    /// use mlp_core::optim::{Nadam, Optimizer};
    ///
    /// let mut nadam = Nadam::new(0.1);
    /// let mut w = [1.0_f32];
    /// let mut state = vec![0.0; nadam.slots()];
    /// nadam.step(&mut w, &[0.5], &mut state, 0);
    /// assert!(w[0] < 1.0 && w[0] > 0.8);
    /// # Ok::<(), core::convert::Infallible>(())
    /// ```
    Nadam(0.001, "Nadam with Keras's defaults and the given learning rate (or schedule).") {
        /// Decay of the first-moment estimate.
        beta_1: f32 = 0.9,
        /// Decay of the second-moment estimate.
        beta_2: f32 = 0.999,
        /// Added to the denominator for stability.
        epsilon: f32 = 1e-7,
    }
}

impl<S: LearningRateSchedule> Nadam<S> {
    /// `u_t = beta_1 * (1 - 0.5 * 0.96^t)`.
    fn momentum_cache(&self, t: u64) -> f64 {
        self.beta_1 as f64 * (1.0 - 0.5 * libm::pow(0.96, t as f64))
    }

    /// `P_t = u_1 * ... * u_t`. Each factor is below `beta_1 < 1`, so the
    /// product falls fast; once it is below 1e-30, `1 - P` is 1 to f64
    /// precision and the loop stops (after 524 factors with Keras's
    /// `beta_1 = 0.9`: a negligible cost beside the update of the parameters).
    fn momentum_product(&self, t: u64) -> f64 {
        let beta_1 = self.beta_1 as f64;
        let mut product = 1.0_f64;
        let mut decay = 1.0_f64;
        for _ in 1..=t {
            decay *= 0.96;
            product *= beta_1 * (1.0 - 0.5 * decay);
            if product.abs() < 1e-30 {
                return 0.0;
            }
        }
        product
    }
}

impl<S: LearningRateSchedule> Optimizer for Nadam<S> {
    optimizer_methods!(
        "Nadam",
        unit_open(beta_1),
        unit_open(beta_2),
        positive(epsilon)
    );

    fn name(&self) -> &'static str {
        "nadam"
    }

    fn slots(&self) -> usize {
        2
    }

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let n = params.len();
        debug_assert_eq!(state.len(), 2 * n, "Nadam: state size");
        let lr = self.learning_rate.rate(iteration);
        let t = iteration + 1;
        // The step's scalars in f64; the per-parameter arithmetic in f32.
        let u_t = self.momentum_cache(t);
        let u_next = self.momentum_cache(t + 1);
        let product = self.momentum_product(t);
        let product_next = product * u_next;
        let m_coef = (u_next / (1.0 - product_next)) as f32;
        let g_coef = ((1.0 - u_t) / (1.0 - product)) as f32;
        let v_coef = (1.0 / one_minus_power(self.beta_2, t as f64)) as f32;
        let clip = self.clipping.prepare(grads);
        weight_decay::apply(params, self.weight_decay, lr);
        let (m, v) = state.split_at_mut(n.min(state.len()));
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        with_clip!(clip, |clip| {
            for ((p, g), (m, v)) in params
                .iter_mut()
                .zip(grads)
                .zip(m.iter_mut().zip(v.iter_mut()))
            {
                let g = clip(*g);
                *m += (g - *m) * (1.0 - b1);
                *v += (g * g - *v) * (1.0 - b2);
                let m_hat = m_coef * *m + g_coef * g;
                let v_hat = *v * v_coef;
                *p -= m_hat * lr / (libm::sqrtf(v_hat) + eps);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{GRADS, check};
    use super::*;

    // keras.optimizers.Nadam(0.1) and Nadam() on w = [1, 2] with GRADS.
    #[test]
    fn keras_reference() {
        check(
            Nadam::new(0.1),
            &GRADS,
            &[
                [0.893_721_325_9, 2.106_278_727_2],
                [0.794_512_816_2, 2.088_483_653_0],
                [0.871_795_966_9, 2.009_451_469_0],
            ],
            &[
                [0.893_721_342_1, 2.106_278_657_9],
                [0.794_513_165_9, 2.088_483_572_0],
                [0.871_796_548_4, 2.009_451_150_9],
            ],
            1e-5,
        );
        check(
            Nadam::default(),
            &GRADS,
            &[
                [0.998_937_213_3, 2.001_062_787_3],
                [0.997_945_128_2, 2.000_884_836_5],
                [0.998_717_959_7, 2.000_094_514_7],
            ],
            &[
                [0.998_937_189_6, 2.001_062_870_0],
                [0.997_945_129_9, 2.000_885_009_8],
                [0.998_717_963_7, 2.000_094_652_2],
            ],
            1e-6,
        );
    }

    // Nadam(0.1, weight_decay=0.1) on w = [1, 2] with GRADS.
    #[test]
    fn keras_weight_decay() {
        check(
            Nadam::new(0.1).weight_decay(0.1),
            &GRADS,
            &[
                [0.883_721_322_8, 2.086_278_729_4],
                [0.775_675_594_9, 2.047_620_867_7],
                [0.845_201_991_7, 1.948_112_471_4],
            ],
            &[
                [0.883_721_351_6, 2.086_278_677_0],
                [0.775_675_952_4, 2.047_620_773_3],
                [0.845_202_565_2, 1.948_112_249_4],
            ],
            1e-5,
        );
    }

    #[test]
    fn validation() {
        assert!(Nadam::default().validate().is_ok());
        for (nadam, what) in [
            (Nadam::new(f32::INFINITY), "learning_rate is inf"),
            (Nadam::default().beta_1(1.0), "Nadam's beta_1 is 1"),
            (Nadam::default().beta_2(2.0), "Nadam's beta_2 is 2"),
            (Nadam::default().epsilon(f32::NAN), "Nadam's epsilon is NaN"),
        ] {
            let e = nadam.validate().unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }

    // Nadam(0.01) for 1200 steps of the gradient [0.1, -0.2], by hand in
    // f64 and in Keras. Each f32 step rounds w (up to 14 here) by up to half
    // an ulp, 4.8e-7, so 1200 steps may drift by up to 6e-4 from the exact
    // values; Keras itself ends 2.3e-4 away from them.
    #[test]
    fn long_run() {
        let opt = Nadam::new(0.01);
        let mut w = [1.0_f32, 2.0];
        let mut state = [0.0; 4];
        let mut run = |steps: core::ops::Range<u64>, w: &mut [f32; 2]| {
            for t in steps {
                opt.step(w, &[0.1, -0.2], &mut state, t);
            }
        };
        let near = |w: [f32; 2], hand: [f64; 2], keras: [f64; 2], tol: f64| {
            for i in 0..2 {
                let got = w[i] as f64;
                assert!(
                    (got - hand[i]).abs() <= tol && (got - keras[i]).abs() <= tol,
                    "w = {w:?}, by hand {hand:?}, Keras {keras:?}"
                );
            }
        };
        run(0..10, &mut w);
        near(
            w,
            [0.922_253_956_2, 2.077_746_082_7],
            [0.922_254_025_9, 2.077_746_391_3],
            1e-6,
        );
        run(10..100, &mut w);
        near(
            w,
            [0.041_311_501_9, 2.958_688_977_5],
            [0.041_311_591_9, 2.958_689_212_8],
            1e-5,
        );
        run(100..1200, &mut w);
        near(
            w,
            [-10.958_748_238_7, 13.958_754_218_1],
            [-10.958_736_419_7, 13.958_984_375],
            6e-4,
        );
        // The momentum product has vanished long before.
        assert_eq!(Nadam::default().momentum_product(1200), 0.0);
        assert!(Nadam::default().momentum_product(3) > 0.0);
    }
}
