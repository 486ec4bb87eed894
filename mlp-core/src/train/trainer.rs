//! [`Trainer`]: a compiled model, with its optimizer state and buffers.

use crate::activation::ActivationKind;
use crate::engine::Workspace;
use crate::layer::LayerInfo;
use crate::loss::Loss;
use crate::metrics::{Metric, argmax};
use crate::network::Network;
use crate::optim::Optimizer;
use core::fmt;

/// A compiled model (what Keras's `model.compile` prepares): the model,
/// borrowed mutably for as long as the trainer lives, with a loss, an
/// optimizer and its state, metrics, and the buffers of training.
///
/// The trainer borrows rather than owns the model so that the model stays
/// the caller's value (usually a `Box` from `Network::new`): drop the
/// trainer and the trained model is there, with no conversion back; compile
/// it again with another optimizer, as in Keras.
///
/// The optimizer state (`slots() * PARAMS` values) and the gradient buffer
/// (`PARAMS`) are allocated once, here; the batch buffers once per `fit` or
/// `evaluate` (and reused when large enough). No step allocates. The
/// optimizer's state and step count carry over from one `fit` to the next.
pub struct Trainer<'m, N: Network, L: Loss, O: Optimizer> {
    pub(crate) model: &'m mut N,
    pub(crate) loss: L,
    pub(crate) optimizer: O,
    pub(crate) metrics: Vec<Metric>,
    pub(crate) output_activation: ActivationKind,
    pub(crate) optimizer_state: Vec<f32>,
    pub(crate) grads: Vec<f32>,
    pub(crate) iterations: u64,
    workspace: Option<Workspace>,
}

impl<'m, N: Network, L: Loss, O: Optimizer> Trainer<'m, N, L, O> {
    /// Compiles `model` with a loss, an optimizer and metrics (same as
    /// [`Compile::compile`](super::Compile::compile)).
    pub fn new(
        model: &'m mut N,
        loss: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> Self {
        let output_activation = N::LAYERS
            .iter()
            .rev()
            .find_map(LayerInfo::activation)
            .unwrap_or(ActivationKind::Linear);
        Self {
            model,
            loss,
            optimizer_state: vec![0.0; optimizer.slots() * N::PARAMS],
            optimizer,
            metrics: metrics.into_iter().collect(),
            output_activation,
            grads: vec![0.0; N::PARAMS],
            iterations: 0,
            workspace: None,
        }
    }

    /// The model.
    pub fn model(&self) -> &N {
        self.model
    }

    /// Keras's `model.summary()` of a compiled model: the network's table
    /// and the line "Optimizer params" (its step counter, its learning rate
    /// and `slots` values per trainable parameter, as Keras counts them).
    pub fn summary(&self) -> crate::summary::Summary {
        self.model
            .summary()
            .with_optimizer_slots(self.optimizer.slots())
    }

    /// The model, mutably (to set weights between two `fit` calls).
    pub fn model_mut(&mut self) -> &mut N {
        self.model
    }

    /// The loss.
    pub fn loss(&self) -> &L {
        &self.loss
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

    /// The metrics, in the order given.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// The names `evaluate` returns, in order: `loss`, then each metric
    /// (named by [`Metric::name_for`] the loss's targets).
    pub fn metric_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        core::iter::once("loss").chain(self.metrics.iter().map(|m| m.name_for(L::TARGET)))
    }

    /// Optimizer steps taken (Keras's `optimizer.iterations`).
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// The outputs for every sample of `x`, computed in batches of 32 shared
    /// among the threads (Keras's `model.predict`; prints nothing). A sample
    /// holding NaN or infinity gets NaN outputs, as in Keras (see
    /// [`Network::predict_one`]); the other samples are unaffected.
    pub fn predict(&self, x: &[N::Input]) -> Vec<N::Output> {
        self.predict_with_batch_size(x, 32)
    }

    /// [`Trainer::predict`] in batches of `batch_size` (0 counts as 1) on
    /// `threads` threads, the calling one included (see
    /// [`predict_with_threads`](crate::predict::predict_with_threads)): an
    /// error for 0 or more than [`MAX_THREADS`](super::MAX_THREADS).
    pub fn predict_with_threads(
        &self,
        x: &[N::Input],
        batch_size: usize,
        threads: usize,
    ) -> crate::Result<Vec<N::Output>> {
        crate::predict::predict_with_threads(&*self.model, x, batch_size, threads)
    }

    /// [`Trainer::predict`] in batches of `batch_size` (0 counts as 1).
    pub fn predict_with_batch_size(&self, x: &[N::Input], batch_size: usize) -> Vec<N::Output> {
        crate::predict::predict(&*self.model, x, batch_size)
    }

    /// MC Dropout: the mean of `samples` predictions of each input with
    /// every Dropout layer active, from `seed` (see
    /// [`crate::predict::predict_mc_dropout`]).
    pub fn predict_mc_dropout(
        &self,
        x: &[N::Input],
        samples: usize,
        seed: u64,
    ) -> crate::Result<Vec<N::Output>> {
        crate::predict::predict_mc_dropout(&*self.model, x, samples, seed)
    }

    /// The most probable class of each sample: the argmax of its outputs
    /// (the first on ties), or for a single output, 1 if it is above 0.5
    /// (Keras's former `predict_classes`).
    pub fn predict_classes(&self, x: &[N::Input]) -> Vec<usize> {
        crate::predict::predict_rows(&*self.model, x, 32, |row| match row {
            [p] => usize::from(*p > 0.5),
            _ => argmax(row),
        })
    }

    /// The batch buffers, holding at least `capacity` samples, on `threads`
    /// threads (checked), or without them on
    /// [`Pool::default_threads`](crate::pool::Pool::default_threads) (taken
    /// out of the trainer; give them back with [`Trainer::put_workspace`]).
    pub(crate) fn take_workspace_on(
        &mut self,
        capacity: usize,
        threads: Option<usize>,
    ) -> crate::Result<Workspace> {
        let threads = match threads {
            Some(t) => crate::pool::check_threads("threads", t)?,
            None => crate::pool::Pool::default_threads()?,
        };
        let capacity = capacity.max(1);
        Ok(match self.workspace.take() {
            Some(ws) if ws.capacity() >= capacity && ws.threads() == threads => ws,
            _ => Workspace::try_with_threads::<N>(capacity, threads)?,
        })
    }

    /// Keeps the batch buffers for the next call.
    pub(crate) fn put_workspace(&mut self, ws: Workspace) {
        self.workspace = Some(ws);
    }
}

impl<N: Network, L: Loss, O: Optimizer> fmt::Debug for Trainer<'_, N, L, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trainer")
            .field("model", &N::NAME)
            .field("loss", &self.loss)
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
