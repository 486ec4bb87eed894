//! Callbacks: code that runs at the start and end of training, of each epoch
//! and of each batch, sees the logs and the model, and can stop training
//! (Keras's `keras.callbacks`). Built in: [`EarlyStopping`],
//! [`TerminateOnNaN`], [`CsvLogger`], [`ModelCheckpoint`],
//! [`LearningRateScheduler`], [`ReduceLrOnPlateau`].
//!
//! A callback is generic over the model it sees, and every one built in
//! works on chains and graphs alike.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::SparseCategoricalCrossentropy;
//! use mlp_core::optim::Sgd;
//! use mlp_core::train::{Callback, CallbackContext, Fit, Logs};
//!
//! network! { struct Net { Input[1] -> Dense<2, softmax> } }
//!
//! /// Stops once the training loss falls under a threshold.
//! struct StopBelow(f64);
//!
//! impl<N: Model> Callback<N> for StopBelow {
//!     fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, N>, _epoch: usize, logs: &Logs) -> mlp_core::Result<()> {
//!         if logs["loss"] < self.0 {
//!             ctx.stop_training();
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let x = [SVector::<f32, 1>::new(-1.0), SVector::<f32, 1>::new(1.0)];
//! let y = [0_u8, 1];
//! let mut model = Net::new(1);
//! let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.5), []);
//! let history = trainer.fit(&x, &y, Fit::epochs(1000).verbose(0).callback(StopBelow(0.1)))?;
//! assert!(history.len() < 1000);
//! assert!(history.get("loss").unwrap().last().unwrap() < &0.1);
//! # Ok::<(), mlp_core::Error>(())
//! ```

mod backup_and_restore;
mod csv_logger;
mod early_stopping;
mod learning_rate_scheduler;
mod model_checkpoint;
mod reduce_lr_on_plateau;
mod terminate_on_nan;

pub use backup_and_restore::BackupAndRestore;
pub use csv_logger::CsvLogger;
pub use early_stopping::{EarlyStopping, Mode};
pub use learning_rate_scheduler::LearningRateScheduler;
pub use model_checkpoint::{ModelCheckpoint, SaveFreq};
pub use reduce_lr_on_plateau::ReduceLrOnPlateau;
pub use terminate_on_nan::TerminateOnNaN;

use super::Logs;
use super::settings::describe;
use super::state::{OptimizerInfo, TrainingState, decode_state, encode_state};
use crate::history::{History, HistoryParams};
use crate::model::Model;
use crate::optim::Optimizer;
use crate::{Error, Result};
use std::path::Path;

/// What a callback sees besides the logs: the model (to read, save or
/// restore its parameters), the optimizer's learning rate (to read or set),
/// the run's parameters, the History so far, the way to stop, and the whole
/// training state (to save it, or in `on_train_begin` to restore it, as
/// [`BackupAndRestore`] does).
#[derive(Debug)]
pub struct CallbackContext<'a, N> {
    model: &'a mut N,
    optimizer: &'a mut dyn Optimizer,
    params: &'a HistoryParams,
    stop: &'a mut bool,
    iterations: &'a mut u64,
    optimizer_state: &'a mut [f32],
    run: Run<'a>,
}

/// What `fit` shows callbacks of the run beside the trainer's state.
#[derive(Debug)]
pub(crate) struct Run<'a> {
    /// The loss, with its settings (what a whole-state save records).
    pub(crate) loss: &'a dyn core::fmt::Debug,
    /// The shuffling seed in effect.
    pub(crate) seed: u64,
    /// The History so far (restored epochs included).
    pub(crate) history: &'a History,
    /// Where a restored state goes (only in `on_train_begin`).
    pub(crate) resume: Option<&'a mut Option<TrainingState>>,
    /// The names the logs at each epoch's end will hold.
    pub(crate) epoch_log_names: &'a [String],
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        loss: &'a dyn core::fmt::Debug,
        seed: u64,
        history: &'a History,
        epoch_log_names: &'a [String],
    ) -> Self {
        Self {
            loss,
            seed,
            history,
            resume: None,
            epoch_log_names,
        }
    }

    /// The same, letting a callback restore a state into `resume`.
    pub(crate) fn resuming(mut self, resume: &'a mut Option<TrainingState>) -> Self {
        self.resume = Some(resume);
        self
    }
}

impl<'a, N: Model> CallbackContext<'a, N> {
    /// A context over `model`, chain or graph.
    pub(crate) fn new(
        model: &'a mut N,
        optimizer: &'a mut dyn Optimizer,
        params: &'a HistoryParams,
        stop: &'a mut bool,
        (iterations, optimizer_state): (&'a mut u64, &'a mut [f32]),
        run: Run<'a>,
    ) -> Self {
        Self {
            model,
            optimizer,
            params,
            stop,
            iterations,
            optimizer_state,
            run,
        }
    }

    /// The model's parameters, all of them as one slice, layer after layer
    /// (what [`EarlyStopping`] keeps and restores).
    pub fn weights(&self) -> &[f32] {
        self.model.params()
    }

    /// The model's parameters, mutably.
    pub fn weights_mut(&mut self) -> &mut [f32] {
        self.model.params_mut()
    }

    /// Writes the model's weights file to `path` (its `save_weights`:
    /// safetensors, whole or not at all).
    pub fn save_weights(&self, path: &Path) -> Result<()> {
        crate::io::WeightsFile::save_weights(&*self.model, path)
    }

    /// The bytes of a whole training-state file to resume at `next_epoch`
    /// (the same as [`CallbackContext::state_to_bytes`]).
    pub fn training_state(&self, next_epoch: usize) -> Result<Vec<u8>> {
        self.state_to_bytes(next_epoch)
    }

    /// The bytes of a training-state file (see [`TrainingState`]) of the
    /// run as it stands, to resume at epoch `next_epoch` (0-based): the
    /// weights, the optimizer's state and step count, the History so far
    /// and the seed. [`Trainer::load_state`](super::Trainer::load_state)
    /// reads it, and so does [`CallbackContext::restore_state_from_bytes`].
    pub fn state_to_bytes(&self, next_epoch: usize) -> Result<Vec<u8>> {
        let state = TrainingState::new(next_epoch, self.run.seed, self.run.history.clone());
        encode_state(
            &*self.model,
            &describe(self.run.loss),
            &OptimizerInfo::of(&*self.optimizer),
            self.optimizer_state,
            *self.iterations,
            &state,
        )
    }

    /// In `on_train_begin` only: restores the weights, the optimizer's
    /// state and step count from training-state bytes (named `source_name`
    /// in errors), checked as [`Trainer::load_state`](super::Trainer::load_state)
    /// checks them, and makes `fit` continue from the state's epoch with
    /// its seed, after its History (so `fit` returns the History of the
    /// whole run). Nothing changes unless every check passes. An error
    /// anywhere else: the run has begun.
    pub fn restore_state_from_bytes(
        &mut self,
        bytes: &[u8],
        source_name: &str,
    ) -> Result<TrainingState> {
        let Some(resume) = self.run.resume.as_deref_mut() else {
            return Err(Error::InvalidArgument {
                name: "restore_state_from_bytes",
                message: format!(
                    "restoring `{source_name}` is only possible in `on_train_begin`, before the \
                     first epoch"
                ),
            });
        };
        let decoded = decode_state(
            &*self.model,
            &describe(self.run.loss),
            &*self.optimizer,
            bytes,
            source_name,
        )?;
        let state = decoded.apply(self.model, self.optimizer_state, self.iterations);
        *resume = Some(state.clone());
        Ok(state)
    }
}

impl<'a, N> CallbackContext<'a, N> {
    /// The learning rate the optimizer's next step uses (Keras's
    /// `model.optimizer.learning_rate`: a schedule's value at the current
    /// step count).
    pub fn learning_rate(&self) -> f32 {
        self.optimizer.learning_rate(*self.iterations)
    }

    /// Sets the optimizer's learning rate (Keras's
    /// `model.optimizer.learning_rate = rate`), for the steps that follow.
    ///
    /// An error if `rate` is NaN, infinite or negative, or if the optimizer
    /// was built with a schedule rather than a constant `f32` (Keras raises
    /// `TypeError` then: "its learning rate is not settable").
    pub fn set_learning_rate(&mut self, rate: f32) -> Result<()> {
        crate::optim::validate::non_negative("the optimizer", "learning_rate", rate)?;
        let name = self.optimizer.name();
        match self.optimizer.learning_rate_mut() {
            Some(r) => {
                *r = rate;
                Ok(())
            }
            None => Err(Error::InvalidArgument {
                name: "learning_rate",
                message: format!(
                    "the optimizer `{name}` was built with a learning-rate schedule, so its \
                     learning rate cannot be set (to {rate}); build it with a constant f32 rate \
                     to let a callback change it"
                ),
            }),
        }
    }

    /// The optimizer's state buffers as the trainer keeps them (see
    /// [`TrainingState`] for their layout in a file): what a callback saving
    /// the whole training state needs.
    pub fn optimizer_state(&self) -> &[f32] {
        self.optimizer_state
    }

    /// The shuffling seed of this run (epoch `e`'s order is a function of
    /// the seed and `e` only): with the epoch, the whole RNG state.
    pub fn seed(&self) -> u64 {
        self.run.seed
    }

    /// The History so far: in `on_epoch_end`, up to and including the epoch
    /// that ends; after a restore, the restored epochs first.
    pub fn history(&self) -> &History {
        self.run.history
    }

    /// The model being trained.
    pub fn model(&self) -> &N {
        self.model
    }

    /// The model being trained, to change its parameters (as
    /// [`EarlyStopping`] restores the best ones).
    pub fn model_mut(&mut self) -> &mut N {
        self.model
    }

    /// How the run was set up (Keras's `callback.params`).
    pub fn params(&self) -> &HistoryParams {
        self.params
    }

    /// The names the logs at each epoch's end will hold: `loss` and the
    /// metrics, the same with `val_` where `fit` has validation data, and
    /// `learning_rate` where a callback adds it. Known from
    /// `on_train_begin` on, so that a callback can refuse a name it
    /// monitors before the first step rather than after an epoch.
    pub fn epoch_log_names(&self) -> &[String] {
        self.run.epoch_log_names
    }

    /// An error unless the epoch's logs will hold `monitor` (for the
    /// callback `who`): see [`monitored`].
    pub(crate) fn check_monitor(&self, who: &str, monitor: &str) -> Result<()> {
        let names = self.epoch_log_names().iter().map(String::as_str);
        if names.clone().any(|n| n == monitor) {
            return Ok(());
        }
        Err(missing_monitor(who, monitor, names))
    }

    /// Optimizer steps taken so far (Keras's `optimizer.iterations`).
    pub fn iterations(&self) -> u64 {
        *self.iterations
    }

    /// Asks `fit` to stop (Keras's `model.stop_training = True`). Asked
    /// during a batch, the current batch ends the epoch, which is then
    /// validated and recorded as usual.
    pub fn stop_training(&mut self) {
        *self.stop = true;
    }

    /// True once a callback asked to stop.
    pub fn stop_requested(&self) -> bool {
        *self.stop
    }
}

/// Code called by `fit` at each stage (Keras's `keras.callbacks.Callback`).
/// Every method does nothing by default; an `Err` stops `fit` and is returned
/// by it. Epoch and batch numbers are 0-based, as in Keras.
pub trait Callback<N> {
    /// Before the first epoch.
    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, N>) -> Result<()> {
        let _ = ctx;
        Ok(())
    }

    /// After the last epoch (not called when `fit` fails), with the last
    /// epoch's logs.
    fn on_train_end(&mut self, ctx: &mut CallbackContext<'_, N>, logs: &Logs) -> Result<()> {
        let _ = (ctx, logs);
        Ok(())
    }

    /// At the start of epoch `epoch`.
    fn on_epoch_begin(&mut self, ctx: &mut CallbackContext<'_, N>, epoch: usize) -> Result<()> {
        let _ = (ctx, epoch);
        Ok(())
    }

    /// At the end of epoch `epoch`, after validation: `logs` holds `loss`,
    /// the metrics, and `val_loss` and the `val_` metrics if validating.
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let _ = (ctx, epoch, logs);
        Ok(())
    }

    /// Before training batch `batch` of the current epoch (Keras's
    /// `on_train_batch_begin`).
    fn on_batch_begin(&mut self, ctx: &mut CallbackContext<'_, N>, batch: usize) -> Result<()> {
        let _ = (ctx, batch);
        Ok(())
    }

    /// After training batch `batch` (Keras's `on_train_batch_end`): `logs`
    /// holds the running means of the epoch so far (`loss`, the metrics).
    /// When the batch's loss was not finite, `loss` is NaN or infinite and
    /// the update was not applied; stopping here ends `fit` normally instead
    /// of with [`Error::Diverged`](crate::Error::Diverged).
    fn on_batch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let _ = (ctx, batch, logs);
        Ok(())
    }

    /// Whether `fit` adds the optimizer's learning rate to each epoch's
    /// logs (and so to the [`History`](crate::history::History)) as
    /// `learning_rate`, before `on_epoch_end`: Keras 3's
    /// `LearningRateScheduler` and `ReduceLROnPlateau` add it to the logs
    /// (and nothing else does), so theirs return `true`. `false` by default.
    fn logs_learning_rate(&self) -> bool {
        false
    }
}

macro_rules! forward_callback {
    ($($ty:ty),*) => {$(
        impl<N, C: Callback<N> + ?Sized> Callback<N> for $ty {
            fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, N>) -> Result<()> {
                (**self).on_train_begin(ctx)
            }
            fn on_train_end(&mut self, ctx: &mut CallbackContext<'_, N>, logs: &Logs) -> Result<()> {
                (**self).on_train_end(ctx, logs)
            }
            fn on_epoch_begin(&mut self, ctx: &mut CallbackContext<'_, N>, epoch: usize) -> Result<()> {
                (**self).on_epoch_begin(ctx, epoch)
            }
            fn on_epoch_end(&mut self, ctx: &mut CallbackContext<'_, N>, epoch: usize, logs: &Logs) -> Result<()> {
                (**self).on_epoch_end(ctx, epoch, logs)
            }
            fn on_batch_begin(&mut self, ctx: &mut CallbackContext<'_, N>, batch: usize) -> Result<()> {
                (**self).on_batch_begin(ctx, batch)
            }
            fn on_batch_end(&mut self, ctx: &mut CallbackContext<'_, N>, batch: usize, logs: &Logs) -> Result<()> {
                (**self).on_batch_end(ctx, batch, logs)
            }
            fn logs_learning_rate(&self) -> bool {
                (**self).logs_learning_rate()
            }
        }
    )*};
}

forward_callback!(&mut C, Box<C>);

/// The error for a callback `who` that monitors `monitor`, which logs
/// holding `names` lack.
pub(crate) fn missing_monitor<'n>(
    who: &str,
    monitor: &str,
    names: impl Iterator<Item = &'n str>,
) -> Error {
    let names: Vec<&str> = names.collect();
    let hint = if monitor.starts_with("val_") && !names.iter().any(|n| n.starts_with("val_")) {
        " (a `val_` value needs validation data: `Fit::validation_data` or `validation_split`)"
    } else {
        ""
    };
    Error::InvalidArgument {
        name: "monitor",
        message: format!(
            "{who} monitors `{monitor}`, which is not in the logs{hint}; they hold: {}",
            names.join(", ")
        ),
    }
}

/// The monitored value in `logs`, or [`missing_monitor`]'s error.
pub(crate) fn monitored(who: &str, monitor: &str, logs: &Logs) -> Result<f64> {
    logs.get(monitor)
        .ok_or_else(|| missing_monitor(who, monitor, logs.names()))
}
