//! Stochastic gradient descent.

use super::{LearningRateSchedule, Optimizer};

/// Keras's `SGD`: `w -= lr * g` (learning rate 0.01 by default).
#[derive(Clone, Debug)]
pub struct Sgd<S = f32> {
    /// The learning rate or its schedule.
    pub learning_rate: S,
}

impl Default for Sgd {
    fn default() -> Self {
        Self {
            learning_rate: 0.01,
        }
    }
}

impl<S: LearningRateSchedule> Sgd<S> {
    /// SGD with the given learning rate (or schedule).
    pub fn new(learning_rate: S) -> Self {
        Self { learning_rate }
    }
}

impl<S: LearningRateSchedule> Optimizer for Sgd<S> {
    fn name(&self) -> &'static str {
        "SGD"
    }

    fn slots(&self) -> usize {
        0
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], _state: &mut [f32], iteration: u64) {
        let lr = self.learning_rate.rate(iteration);
        for (p, g) in params.iter_mut().zip(grads) {
            *p -= lr * g;
        }
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.learning_rate.rate(iteration)
    }
}
