//! [`BackupAndRestore`]: Keras's `keras.callbacks.BackupAndRestore`, so that
//! a run killed in the middle (a crash, a pre-empted machine, SIGKILL) starts
//! again from its last backup and ends as if it had never stopped.

use super::{Callback, CallbackContext};
use crate::history::History;
use crate::loss::{Loss, TargetFor};
use crate::network::Network;
use crate::optim::Optimizer;
use crate::train::state::{OptimizerInfo, TrainingState, encode_state};
use crate::train::{Fit, Logs, Trainer};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Keras's `BackupAndRestore(backup_dir)`: at the end of every epoch the
/// whole training state (weights, optimizer state and step count, the
/// History, the next epoch and the shuffling seed; see
/// [`TrainingState`]) is written to `backup_dir/latest.mlpstate`, whole or
/// not at all; when training begins and a backup exists, training restores
/// it and continues with the epoch after it; when training ends normally,
/// the backup is deleted (unless [`BackupAndRestore::delete_checkpoint`] is
/// false).
///
/// Shuffling depends only on the seed and the epoch, so the resumed run
/// sees the same batches as an uninterrupted one, and ends with the same
/// weights and History, bit for bit (a test kills a training process with
/// SIGKILL in the middle of an epoch and checks this).
///
/// Because restoring needs the optimizer's state, which a callback does
/// not own, it runs through [`Trainer::fit_with_backup`] rather than in the
/// list of callbacks.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::MeanSquaredError;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::{BackupAndRestore, Fit};
///
/// network! { struct Net { Input[1] -> Dense<4, tanh> -> Dense<1> } }
///
/// let x: Vec<SVector<f32, 1>> = (0..16).map(|i| SVector::<f32, 1>::new(i as f32 / 16.0)).collect();
/// let y: Vec<SVector<f32, 1>> = x.iter().map(|v| SVector::<f32, 1>::new(v[0] * v[0])).collect();
/// let dir = tempfile::tempdir().map_err(|e| mlp_core::Error::Io { path: ".".into(), source: e })?;
/// let backup = BackupAndRestore::new(dir.path().join("backup"));
///
/// let mut model = Net::new(1);
/// let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.1).momentum(0.9), []);
/// let history = trainer.fit_with_backup(&x, &y, Fit::epochs(3).batch_size(4).verbose(0), &backup)?;
/// assert_eq!(history.len(), 3);
/// assert!(!backup.path().exists(), "deleted once training ended");
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct BackupAndRestore {
    backup_dir: PathBuf,
    delete_checkpoint: bool,
}

impl BackupAndRestore {
    /// Backs up into the folder `backup_dir` (created if missing).
    pub fn new(backup_dir: impl Into<PathBuf>) -> Self {
        Self {
            backup_dir: backup_dir.into(),
            delete_checkpoint: true,
        }
    }

    /// Whether the backup is deleted when training ends normally (default
    /// true, as Keras).
    pub fn delete_checkpoint(mut self, delete: bool) -> Self {
        self.delete_checkpoint = delete;
        self
    }

    /// The backup file: `backup_dir/latest.mlpstate`.
    pub fn path(&self) -> PathBuf {
        self.backup_dir.join("latest.mlpstate")
    }
}

/// The callback that writes the backup at the end of each epoch.
struct Writer {
    path: PathBuf,
    loss: &'static str,
    optimizer: OptimizerInfo,
    seed: u64,
    history: History,
}

impl<N: Network> Callback<N> for Writer {
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        logs: &Logs,
    ) -> Result<()> {
        self.history.params = *ctx.params();
        self.history.push_epoch(epoch, &logs.as_pairs());
        let state = TrainingState::new(epoch + 1, self.seed, self.history.clone());
        let bytes = encode_state(
            ctx.model(),
            self.loss,
            &self.optimizer,
            ctx.optimizer_state(),
            ctx.iterations(),
            &state,
        )?;
        crate::fs::write_atomic(&self.path, &bytes)
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })
}

impl<N: Network, L: Loss, O: Optimizer> Trainer<'_, N, L, O> {
    /// [`Trainer::fit`] with [`BackupAndRestore`]: restores the backup if
    /// one exists (its epoch and seed replace `options`' `initial_epoch`
    /// and seed), backs up at the end of every epoch, deletes the backup
    /// when training ends normally, and returns the History of the whole
    /// run, the epochs before the restart included.
    pub fn fit_with_backup<Y: TargetFor<L, N::Output>>(
        &mut self,
        x: &[N::Input],
        y: &[Y],
        mut options: Fit<'_, N, Y>,
        backup: &BackupAndRestore,
    ) -> Result<History> {
        create_dir(&backup.backup_dir)?;
        let path = backup.path();
        let restored = if path.exists() {
            let state = self.load_state(&path)?;
            options.initial_epoch = state.epoch;
            options.seed = state.seed;
            Some(state)
        } else {
            None
        };
        options.callbacks.push(Box::new(Writer {
            path: path.clone(),
            loss: L::NAME,
            optimizer: OptimizerInfo::of(&self.optimizer),
            seed: options.seed,
            history: restored
                .as_ref()
                .map_or_else(History::default, |s| s.history.clone()),
        }));
        let rest = self.fit(x, y, options)?;
        if backup.delete_checkpoint && path.exists() {
            std::fs::remove_file(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
        }
        Ok(match restored {
            Some(state) => state.continue_with(rest),
            None => rest,
        })
    }
}
