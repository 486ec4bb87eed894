//! [`Trainer`]: a compiled model, chain or graph, with its losses, optimizer
//! state and buffers.

use super::checks::check_hyperparameters;
use super::losses::Losses;
use crate::engine::Workspace;
use crate::layer::LayerKind;
use crate::metrics::Metric;
use crate::model::{Model, NodeKind};
use crate::optim::Optimizer;
use crate::{Error, Result};
use core::fmt;

/// A compiled model (what Keras's `model.compile` prepares): the model,
/// borrowed mutably for as long as the trainer lives, with a loss per
/// output ([`Losses`]: one loss for every output, or a tuple of one per
/// output) and a weight per output, an optimizer and its state, metrics
/// (for every output), and the buffers of training.
///
/// The trainer borrows rather than owns the model so that the model stays
/// the caller's value (usually a `Box` from [`Model::new`]): drop the
/// trainer and the trained model is there, with no conversion back; compile
/// it again with another optimizer, as in Keras.
///
/// The loss `fit` minimises is `Σ_k loss_weights[k] · loss_k` (Keras's
/// default weights are 1), plus the regularizers' penalties. The History
/// names each output's loss `<output>_loss` and its metrics
/// `<output>_<metric>` when the model has several outputs, as Keras 3 does
/// (`loss`, `main_output_loss`, `aux_output_loss`, `val_loss`, ...); with
/// one output (every chain), `loss` and `<metric>`.
///
/// The optimizer state (`slots() * PARAMS` values) and the gradient buffer
/// (`PARAMS`) are allocated once, here; the batch buffers once per `fit` or
/// `evaluate` (and reused when large enough). No step allocates. The
/// optimizer's state and step count carry over from one `fit` to the next.
pub struct Trainer<'m, M: Model, L: Losses, O: Optimizer> {
    pub(crate) model: &'m mut M,
    pub(crate) losses: L,
    pub(crate) loss_weights: Vec<f32>,
    pub(crate) optimizer: O,
    /// The metrics of each output (the ones given to `compile` for every
    /// output unless [`Trainer::output_metrics`] set them).
    pub(crate) metrics: Vec<Vec<Metric>>,
    pub(crate) optimizer_state: Vec<f32>,
    pub(crate) grads: Vec<f32>,
    pub(crate) iterations: u64,
    workspace: Option<Workspace>,
}

impl<'m, M: Model, L: Losses, O: Optimizer> Trainer<'m, M, L, O> {
    /// Compiles `model` with `losses` (one [`Loss`](crate::loss::Loss) for
    /// every output, or a tuple of one per output), an optimizer and
    /// metrics (for every output); same as
    /// [`Compile::compile`](super::Compile::compile).
    pub fn new(
        model: &'m mut M,
        losses: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> Self {
        let outputs = M::OUTPUTS.len();
        let metrics: Vec<Metric> = metrics.into_iter().collect();
        Self {
            model,
            losses,
            loss_weights: vec![1.0; outputs],
            optimizer_state: vec![0.0; optimizer.slots() * M::PARAMS],
            optimizer,
            metrics: vec![metrics; outputs],
            grads: vec![0.0; M::PARAMS],
            iterations: 0,
            workspace: None,
        }
    }

    /// Keras's `loss_weights`: one weight per output, in declaration order
    /// (default 1 each). Checked by `fit` and `evaluate`: as many as
    /// outputs, each finite and at least 0.
    pub fn loss_weights(mut self, weights: impl IntoIterator<Item = f32>) -> Self {
        self.loss_weights = weights.into_iter().collect();
        self
    }

    /// Metrics per output, in declaration order (Keras's
    /// `metrics={"class": ["accuracy"], "price": ["mae"]}`), in place of the
    /// ones given to `compile` for every output: `[vec![Metric::MeanAbsoluteError],
    /// vec![Metric::Accuracy]]`. Checked by `fit` and `evaluate`: one list
    /// per output.
    pub fn output_metrics<I: IntoIterator<Item = Metric>>(
        mut self,
        metrics: impl IntoIterator<Item = I>,
    ) -> Self {
        self.metrics = metrics
            .into_iter()
            .map(|m| m.into_iter().collect())
            .collect();
        self
    }

    /// The model.
    pub fn model(&self) -> &M {
        self.model
    }

    /// The model, mutably (to set weights between two `fit` calls).
    pub fn model_mut(&mut self) -> &mut M {
        self.model
    }

    /// Keras's `model.summary()` of a compiled model: the model's table
    /// and the line "Optimizer params" (its step counter, its learning rate
    /// and `slots` values per trainable parameter, as Keras counts them).
    pub fn summary(&self) -> crate::summary::Summary {
        self.model
            .summary()
            .with_optimizer_slots(self.optimizer.slots())
    }

    /// The losses.
    pub fn loss(&self) -> &L {
        &self.losses
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// The optimizer, mutably (to change its learning rate between two
    /// `fit` calls).
    pub fn optimizer_mut(&mut self) -> &mut O {
        &mut self.optimizer
    }

    /// The metrics of the first output (every chain's only one), in the
    /// order given.
    pub fn metrics(&self) -> &[Metric] {
        self.metrics.first().map_or(&[], Vec::as_slice)
    }

    /// The names `evaluate` returns for a model with one output, in order:
    /// `loss`, then each metric (named by [`Metric::name_for`] the loss's
    /// targets).
    pub fn metric_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        let kind = self.losses.target_kind(0);
        core::iter::once("loss").chain(self.metrics().iter().map(move |m| m.name_for(kind)))
    }

    /// Optimizer steps taken (Keras's `optimizer.iterations`).
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// The losses and loss weights match the outputs, every output is a
    /// Dense layer (its loss reads the layer's activation), and the
    /// hyperparameters are valid.
    pub(super) fn check_compiled(&self, training: bool) -> Result<()> {
        let outputs = M::OUTPUTS.len();
        if let Some(count) = self.losses.count()
            && count != outputs
        {
            return Err(Error::Length {
                what: format!("losses (one per output of {})", M::NAME),
                expected: outputs,
                found: count,
            });
        }
        if self.metrics.len() != outputs {
            return Err(Error::Length {
                what: format!("output_metrics (one list per output of {})", M::NAME),
                expected: outputs,
                found: self.metrics.len(),
            });
        }
        if self.loss_weights.len() != outputs {
            return Err(Error::Length {
                what: format!("loss_weights (one per output of {})", M::NAME),
                expected: outputs,
                found: self.loss_weights.len(),
            });
        }
        for (port, w) in M::OUTPUTS.iter().zip(&self.loss_weights) {
            if !(w.is_finite() && *w >= 0.0) {
                return Err(Error::InvalidArgument {
                    name: "loss_weights",
                    message: format!(
                        "the weight of output `{}` is {w}; it must be finite and at least 0",
                        port.name
                    ),
                });
            }
        }
        for port in M::OUTPUTS {
            let node = M::NODES.iter().find(|n| n.name == port.node);
            let dense = matches!(
                node.map(|n| n.kind),
                Some(NodeKind::Layer(l)) if matches!(M::LAYERS[l].kind, LayerKind::Dense { .. })
            );
            if !dense {
                return Err(Error::InvalidArgument {
                    name: "outputs",
                    message: format!(
                        "the output `{}` of {} is not a Dense layer; a loss reads a Dense \
                         layer's activation, so each output to train must be one",
                        port.name,
                        M::NAME
                    ),
                });
            }
        }
        for k in 0..outputs {
            check_hyperparameters(
                &self.losses,
                k,
                training.then_some(&self.optimizer as _),
                &self.metrics[k],
            )?;
        }
        Ok(())
    }

    /// The batch buffers, holding at least `capacity` samples, on `threads`
    /// threads (on any number if `None`; new ones on
    /// [`Pool::default_threads`](crate::pool::Pool::default_threads), an
    /// error where `MLP_NUM_THREADS` is invalid), taken out of the trainer
    /// (give them back with [`Trainer::put_workspace`]).
    pub(crate) fn take_workspace(
        &mut self,
        capacity: usize,
        threads: Option<usize>,
    ) -> Result<Workspace> {
        let capacity = capacity.max(1);
        Ok(match self.workspace.take() {
            Some(ws) if ws.capacity() >= capacity && threads.is_none_or(|t| ws.threads() == t) => {
                ws
            }
            _ => {
                let threads = match threads {
                    Some(t) => t,
                    None => crate::pool::Pool::default_threads()?,
                };
                Workspace::try_with_threads::<M>(capacity, threads)?
            }
        })
    }

    /// Keeps the batch buffers for the next call.
    pub(crate) fn put_workspace(&mut self, ws: Workspace) {
        self.workspace = Some(ws);
    }
}

impl<M: Model, L: Losses, O: Optimizer> fmt::Debug for Trainer<'_, M, L, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trainer")
            .field("model", &M::NAME)
            .field("loss", &self.losses)
            .field("loss_weights", &self.loss_weights)
            .field("optimizer", &self.optimizer)
            .field("metrics", &self.metrics)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use crate::loss::MeanSquaredError;
    use crate::optim::Sgd;
    use crate::prelude::*;

    network! { struct Net { Input[2] -> Dense<3, relu> -> Dense<1> } }

    #[test]
    fn fit_runs_on_the_threads_asked_for_and_refuses_zero() {
        let x = [SVector::<f32, 2>::new(1.0, 0.5); 8];
        let y = [SVector::<f32, 1>::new(1.0); 8];
        let mut model = Net::new(1);
        let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
        for threads in [3, 1, 2] {
            trainer
                .fit(&x, &y, Fit::epochs(1).verbose(0).threads(threads))
                .unwrap();
            let ws = trainer.workspace.as_ref().expect("fit keeps its buffers");
            assert_eq!(ws.threads(), threads);
        }
        for bad in [0, crate::train::MAX_THREADS + 1] {
            let err = trainer
                .fit(&x, &y, Fit::epochs(1).verbose(0).threads(bad))
                .unwrap_err();
            assert!(
                err.to_string().contains(&format!("`threads`: is {bad}")),
                "{err}"
            );
        }
        // Without the option: `MLP_NUM_THREADS` or every core.
        trainer.fit(&x, &y, Fit::epochs(1).verbose(0)).unwrap();
        let ws = trainer.workspace.as_ref().unwrap();
        assert_eq!(ws.threads(), crate::pool::Pool::default_threads().unwrap());
    }
}
