//! Adam.

use super::{Clipping, LearningRateSchedule, Optimizer};

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
/// State slots: `m`, `v`, then `v_hat` with AMSGrad.
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
#[derive(Clone, Debug)]
pub struct Adam<S = f32> {
    /// The learning rate or its schedule.
    pub learning_rate: S,
    /// Decay of the first-moment estimate.
    pub beta_1: f32,
    /// Decay of the second-moment estimate.
    pub beta_2: f32,
    /// Added to the denominator for stability.
    pub epsilon: f32,
    /// The AMSGrad variant (a third slot: the running maximum of `v`).
    pub amsgrad: bool,
    /// Gradient clipping.
    pub clipping: Clipping,
}

impl Default for Adam {
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl<S: LearningRateSchedule> Adam<S> {
    /// Adam with Keras's defaults and the given learning rate (or schedule).
    pub fn new(learning_rate: S) -> Self {
        Self {
            learning_rate,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
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

    /// Turns AMSGrad on or off.
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }

    /// Sets gradient clipping.
    pub fn clipping(mut self, clipping: Clipping) -> Self {
        self.clipping = clipping;
        self
    }
}

impl<S: LearningRateSchedule> Optimizer for Adam<S> {
    fn name(&self) -> &'static str {
        "adam"
    }

    fn slots(&self) -> usize {
        if self.amsgrad { 3 } else { 2 }
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let n = params.len();
        debug_assert_eq!(state.len(), self.slots() * n, "Adam: state size");
        let lr = self.learning_rate.rate(iteration);
        let t = (iteration + 1) as f32;
        let alpha =
            lr * libm::sqrtf(1.0 - libm::powf(self.beta_2, t)) / (1.0 - libm::powf(self.beta_1, t));
        let clip = self.clipping.prepare(grads);
        let (m, rest) = state.split_at_mut(n.min(state.len()));
        let (v, v_hat) = rest.split_at_mut(n.min(rest.len()));
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        for (i, ((p, g), (m, v))) in params
            .iter_mut()
            .zip(grads)
            .zip(m.iter_mut().zip(v.iter_mut()))
            .enumerate()
        {
            let g = clip.apply(*g);
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
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.learning_rate.rate(iteration)
    }
}
