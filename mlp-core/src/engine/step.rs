//! One optimizer step on a batch whose output delta the loss has written:
//! the engine, not the trainer, chooses how the optimizer's update is
//! applied.

use super::stage::{BatchLayer, Phase, Stage, each_stage};
use super::{Backward, Workspace};
use crate::kernels;
use crate::optim::{Optimizer, SgdStep};

/// A training step that was not applied because a value came out NaN or
/// infinite: the parameters and optimizer state keep their values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotFinite {
    /// A gradient.
    Gradient,
    /// A parameter or optimizer state value the update would have written
    /// (the gradients were finite); the update was rolled back.
    Update,
}

impl Workspace {
    /// Back-propagates the output delta of the last forward pass over `n`
    /// samples and applies `optimizer`'s step number `iteration` to
    /// `params`, with its `state` (`slots()` values per parameter, laid out
    /// as [`Workspace::update_chunks`] documents). `grads` is scratch space
    /// as long as `params`. Allocates nothing.
    ///
    /// The update is the optimizer's own description of it: a plain SGD step
    /// ([`Optimizer::plain_rate`]) is folded into the backward pass
    /// ([`Workspace::backward_sgd`]) when its bound allows; any other
    /// elementwise update runs in chunks shared among the threads; an update
    /// that needs every gradient (a global norm) runs once over all of them.
    /// If any gradient is not finite nothing is applied and the parameters
    /// keep their values; so too if the update would make any parameter or
    /// state value NaN or infinite (finite but huge gradients, a huge
    /// learning rate): an update apart from the backward pass is checked as
    /// it is written and rolled back (see [`Workspace::update_chunks`]), and
    /// a folded one is taken only when a bound proves it finite. The first
    /// step apart sizes the backup it rolls back from, once.
    pub fn train_step<O: Optimizer + ?Sized>(
        &mut self,
        params: &mut [f32],
        n: usize,
        grads: &mut [f32],
        optimizer: &O,
        state: &mut [f32],
        iteration: u64,
    ) -> Result<(), NotFinite> {
        let plain = optimizer
            .elementwise()
            .then(|| optimizer.plain_rate(iteration))
            .flatten()
            .map(|rate| SgdStep { rate });
        let outcome = match plain {
            Some(step) => self.backward_sgd(params, n, grads, step),
            None if self.backward(params, n, grads) => Backward::Computed,
            None => Backward::NotFinite,
        };
        if outcome == Backward::Computed {
            self.add_regularization(params, grads);
            self.blend_moving(params);
        }
        match outcome {
            Backward::Applied => {}
            Backward::NotFinite => return Err(NotFinite::Gradient),
            Backward::Computed => {
                let mut backup = core::mem::take(&mut self.rollback);
                // Sized on the first step apart; reused after.
                backup.resize(params.len() + state.len(), 0.0);
                let outcome = if optimizer.elementwise() {
                    self.update_chunks(
                        params,
                        grads,
                        state,
                        optimizer.slots(),
                        &mut backup,
                        &|p, g, s| optimizer.step(p, g, s, iteration),
                    )
                } else {
                    // A global gradient norm needs every gradient: one update.
                    whole_or_nothing(params, state, &mut backup, |p, s| {
                        optimizer.step(p, grads, s, iteration)
                    })
                };
                self.rollback = backup;
                // A rolled-back update leaves everything as it was.
                outcome?;
            }
        }
        self.after_step(params);
        Ok(())
    }

    /// The penalty of every Dense layer's regularizers at `params` (Keras
    /// adds it to the loss it reports).
    pub fn regularization_loss(&self, params: &[f32]) -> f32 {
        let mut sum = 0.0;
        for (layer, options) in &self.dense_options {
            if let Some(r) = options.kernel_regularizer {
                sum += r.penalty(layer.kernel(params));
            }
            if let Some(r) = options.bias_regularizer {
                sum += r.penalty(layer.bias(params));
            }
        }
        sum
    }

    /// Adds the regularizers' gradients to `grads`.
    fn add_regularization(&self, params: &[f32], grads: &mut [f32]) {
        for (layer, options) in &self.dense_options {
            if let Some(r) = options.kernel_regularizer {
                let range = layer.offset..layer.bias_offset();
                r.add_gradient(&params[range.clone()], &mut grads[range]);
            }
            if let Some(r) = options.bias_regularizer {
                let range = layer.bias_offset()..layer.bias_offset() + layer.units;
                r.add_gradient(&params[range.clone()], &mut grads[range]);
            }
        }
    }

    /// Before an optimizer step of a training batch: each layer's
    /// [`BatchLayer::before_step`] (BatchNormalization turns its batch
    /// statistics into its next moving statistics, from the values before
    /// the step).
    fn blend_moving(&mut self, params: &[f32]) {
        if !matches!(self.mode, Phase::Training { .. }) {
            return;
        }
        for (stage, scratch) in self.stages.iter().zip(&mut self.z) {
            each_stage!(stage, layer => layer.before_step(params, scratch), _d => {});
        }
    }

    /// What follows an optimizer step: the BatchNormalization layers'
    /// moving statistics take the values [`Workspace::blend_moving`] made
    /// and the Normalization layers' weights those of the forward pass (so
    /// the optimizer, its weight decay included, never changes them:
    /// Keras's non-trainable weights), and the constraints project their
    /// weights.
    fn after_step(&self, params: &mut [f32]) {
        if matches!(self.mode, Phase::Training { .. }) {
            for (stage, scratch) in self.stages.iter().zip(&self.z) {
                each_stage!(stage, layer => layer.after_step(params, scratch), _d => {});
            }
        }
        for (layer, options) in &self.dense_options {
            if let Some(c) = options.kernel_constraint {
                let range = layer.offset..layer.bias_offset();
                c.apply(&mut params[range], layer.inputs);
            }
            if let Some(c) = options.bias_constraint {
                let range = layer.bias_offset()..layer.bias_offset() + layer.units;
                c.apply(&mut params[range], layer.units);
            }
        }
    }
}

/// Runs `update(params, state)`, then restores both from `backup` (as long
/// as both) and returns [`NotFinite`] if any value it wrote is NaN or
/// infinite.
fn whole_or_nothing(
    params: &mut [f32],
    state: &mut [f32],
    backup: &mut [f32],
    update: impl FnOnce(&mut [f32], &mut [f32]),
) -> Result<(), NotFinite> {
    let (old_params, old_state) = backup.split_at_mut(params.len());
    old_params.copy_from_slice(params);
    old_state.copy_from_slice(state);
    update(params, state);
    if kernels::all_finite(params) && kernels::all_finite(state) {
        Ok(())
    } else {
        params.copy_from_slice(old_params);
        state.copy_from_slice(old_state);
        Err(NotFinite::Update)
    }
}
