//! Nadam: Adam with Nesterov momentum.

use super::{Clipping, LearningRateSchedule, Optimizer};

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
/// step, in `f32` and in Keras's order; it underflows to 0 after about a
/// thousand steps, which ends the loop early. State slots: `m`, `v`.
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
#[derive(Clone, Debug)]
pub struct Nadam<S = f32> {
    /// The learning rate or its schedule.
    pub learning_rate: S,
    /// Decay of the first-moment estimate.
    pub beta_1: f32,
    /// Decay of the second-moment estimate.
    pub beta_2: f32,
    /// Added to the denominator for stability.
    pub epsilon: f32,
    /// Gradient clipping.
    pub clipping: Clipping,
}

impl Default for Nadam {
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl<S: LearningRateSchedule> Nadam<S> {
    /// Nadam with Keras's defaults and the given learning rate (or schedule).
    pub fn new(learning_rate: S) -> Self {
        Self {
            learning_rate,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            clipping: Clipping::default(),
        }
    }

    /// Sets `beta_1`.
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.beta_1 = beta_1;
        self
    }

    /// Sets `beta_2`.
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.beta_2 = beta_2;
        self
    }

    /// Sets `epsilon`.
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Sets gradient clipping.
    pub fn clipping(mut self, clipping: Clipping) -> Self {
        self.clipping = clipping;
        self
    }

    /// `u_t = beta_1 * (1 - 0.5 * 0.96^t)`.
    fn momentum_cache(&self, t: f32) -> f32 {
        self.beta_1 * (1.0 - 0.5 * libm::powf(0.96, t))
    }

    /// `P_t = u_1 * ... * u_t`, multiplied as Keras does
    /// (`P = P * beta_1 * (1 - 0.5 * 0.96^i)`).
    fn momentum_product(&self, t: u64) -> f32 {
        let mut product = 1.0_f32;
        for i in 1..=t {
            product = product * self.beta_1 * (1.0 - 0.5 * libm::powf(0.96, i as f32));
            if product == 0.0 {
                break;
            }
        }
        product
    }
}

impl<S: LearningRateSchedule> Optimizer for Nadam<S> {
    fn name(&self) -> &'static str {
        "nadam"
    }

    fn slots(&self) -> usize {
        2
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let n = params.len();
        debug_assert_eq!(state.len(), 2 * n, "Nadam: state size");
        let lr = self.learning_rate.rate(iteration);
        let t = iteration + 1;
        let u_t = self.momentum_cache(t as f32);
        let u_next = self.momentum_cache((t + 1) as f32);
        let product = self.momentum_product(t);
        let product_next = product * u_next;
        let beta_2_power = libm::powf(self.beta_2, t as f32);
        let clip = self.clipping.prepare(grads);
        let (m, v) = state.split_at_mut(n.min(state.len()));
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        for ((p, g), (m, v)) in params
            .iter_mut()
            .zip(grads)
            .zip(m.iter_mut().zip(v.iter_mut()))
        {
            let g = clip.apply(*g);
            *m += (g - *m) * (1.0 - b1);
            *v += (g * g - *v) * (1.0 - b2);
            let m_hat = u_next * *m / (1.0 - product_next) + (1.0 - u_t) * g / (1.0 - product);
            let v_hat = *v / (1.0 - beta_2_power);
            *p -= m_hat * lr / (libm::sqrtf(v_hat) + eps);
        }
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.learning_rate.rate(iteration)
    }
}
