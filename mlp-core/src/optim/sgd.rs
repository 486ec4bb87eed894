//! Stochastic gradient descent, with optional momentum and Nesterov momentum.

use super::{Clipping, LearningRateSchedule, Optimizer};

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
#[derive(Clone, Debug)]
pub struct Sgd<S = f32> {
    /// The learning rate or its schedule.
    pub learning_rate: S,
    /// Momentum factor in `[0, 1)`; 0 turns momentum off (no state).
    pub momentum: f32,
    /// Nesterov momentum (only with a non-zero `momentum`).
    pub nesterov: bool,
    /// Gradient clipping.
    pub clipping: Clipping,
}

impl Default for Sgd {
    fn default() -> Self {
        Self::new(0.01)
    }
}

impl<S: LearningRateSchedule> Sgd<S> {
    /// SGD with the given learning rate (or schedule).
    pub fn new(learning_rate: S) -> Self {
        Self {
            learning_rate,
            momentum: 0.0,
            nesterov: false,
            clipping: Clipping::default(),
        }
    }

    /// Sets the momentum (Keras's `momentum`).
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }

    /// Turns Nesterov momentum on or off (Keras's `nesterov`).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// Sets gradient clipping.
    pub fn clipping(mut self, clipping: Clipping) -> Self {
        self.clipping = clipping;
        self
    }
}

impl<S: LearningRateSchedule> Optimizer for Sgd<S> {
    fn name(&self) -> &'static str {
        "sgd"
    }

    fn slots(&self) -> usize {
        usize::from(self.momentum != 0.0)
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let lr = self.learning_rate.rate(iteration);
        let clip = self.clipping.prepare(grads);
        if self.momentum == 0.0 {
            for (p, g) in params.iter_mut().zip(grads) {
                *p -= clip.apply(*g) * lr;
            }
            return;
        }
        debug_assert_eq!(state.len(), params.len(), "SGD with momentum: one slot");
        let m = self.momentum;
        for ((p, g), v) in params.iter_mut().zip(grads).zip(state.iter_mut()) {
            let g = clip.apply(*g);
            *v = *v * m - g * lr;
            if self.nesterov {
                *p += *v * m - g * lr;
            } else {
                *p += *v;
            }
        }
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.learning_rate.rate(iteration)
    }
}
