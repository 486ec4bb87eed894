//! Optimizers, apart from layers: each updates a flat slice of parameters
//! from a flat slice of gradients, with per-parameter state the trainer
//! allocates once (`slots() * PARAMS` values, sized by the network's const).
//!
//! | optimizer | Keras | defaults | slots |
//! | --- | --- | --- | --- |
//! | [`Sgd`] | `SGD` | lr 0.01, momentum 0, nesterov off | 0, or 1 with momentum |
//! | [`Adam`] | `Adam` | lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7 | 2 (3 with AMSGrad) |
//! | [`RmsProp`] | `RMSprop` | lr 0.001, rho 0.9, momentum 0, epsilon 1e-7 | 1 (+1 momentum, +1 centered) |
//! | [`Nadam`] | `Nadam` | lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7 | 2 |
//!
//! Every optimizer takes a constant `f32` rate or a [`LearningRateSchedule`]
//! ([`ExponentialDecay`], [`PiecewiseConstantDecay`], [`InverseTimeDecay`],
//! [`CosineDecay`], or a closure in [`FnSchedule`]), and optional
//! [`Clipping`].
//!
//! ```
//! use mlp_core::optim::{Optimizer, Sgd};
//!
//! let mut sgd = Sgd::new(0.1);
//! let mut params = [1.0_f32, 2.0];
//! let mut state = vec![0.0; sgd.slots() * params.len()];
//! sgd.step(&mut params, &[0.5, -1.0], &mut state, 0);
//! assert_eq!(params, [0.95, 2.1]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

mod adam;
mod clip;
mod nadam;
mod rmsprop;
mod schedule;
mod sgd;

pub use adam::Adam;
pub use clip::Clipping;
pub use nadam::Nadam;
pub use rmsprop::RmsProp;
pub use schedule::{
    CosineDecay, ExponentialDecay, FnSchedule, InverseTimeDecay, LearningRateSchedule,
    PiecewiseConstantDecay,
};
pub use sgd::Sgd;

/// An optimizer: Keras's `optimizer.apply_gradients` over flat slices.
pub trait Optimizer: Send + core::fmt::Debug {
    /// Keras 3's name (`optimizer.name`), such as `"sgd"` or `"adam"`.
    fn name(&self) -> &'static str;

    /// How many per-parameter state buffers it needs (0 for plain SGD, 1 for
    /// momentum, 2 for Adam, ...).
    fn slots(&self) -> usize;

    /// One update. `state` holds `slots()` buffers of `params.len()` values,
    /// back to back, zero before the first step; `iteration` is the number of
    /// steps taken before this one (Keras's `optimizer.iterations`).
    fn step(&mut self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64);

    /// The learning rate at `iteration` (after its schedule).
    fn learning_rate(&self, iteration: u64) -> f32;
}
