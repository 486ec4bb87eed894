//! One optimizer step on a batch whose output delta the loss has written:
//! the engine, not the trainer, chooses how the optimizer's update is
//! applied.

use super::{Backward, Workspace};
use crate::optim::{Optimizer, SgdStep};

/// A training step whose gradient was not finite: nothing was applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotFinite;

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
    /// keep their values.
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
        match outcome {
            Backward::Applied => {}
            Backward::NotFinite => return Err(NotFinite),
            Backward::Computed if optimizer.elementwise() => {
                self.update_chunks(params, grads, state, optimizer.slots(), &|p, g, s| {
                    optimizer.step(p, g, s, iteration)
                })
            }
            Backward::Computed => optimizer.step(params, grads, state, iteration),
        }
        Ok(())
    }
}
