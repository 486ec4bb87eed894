//! [`BackupAndRestore`]: Keras's `keras.callbacks.BackupAndRestore`, so that
//! a run killed in the middle (a crash, a pre-empted machine, SIGKILL) starts
//! again from its last backup and ends as if it had never stopped.

use super::{Callback, CallbackContext};
use crate::model::Model;
use crate::train::Logs;
use crate::{Error, Result};
use std::path::PathBuf;

/// Keras's `BackupAndRestore(backup_dir)`, given to `fit` as any callback:
/// at the end of every epoch the whole training state (weights, optimizer
/// state and step count, the History, the next epoch and the shuffling
/// seed; see [`TrainingState`](crate::train::TrainingState)) is written to
/// `backup_dir/latest.mlpstate`, whole or not at all; when training begins
/// and a backup exists, it is restored and training continues with the
/// epoch after it; when training ends normally, the backup is deleted
/// (unless [`BackupAndRestore::delete_checkpoint`] is false).
///
/// Shuffling depends only on the seed and the epoch, so the resumed run
/// sees the same batches as an uninterrupted one, and ends with the same
/// weights and History, bit for bit (a test kills a training process with
/// SIGKILL in the middle of an epoch and checks this). After a restore,
/// `fit` returns the History of the whole run, the epochs before the
/// restart included (Keras's returns only the epochs run after it).
///
/// The backup is restored in `on_train_begin`, so the callbacks before it
/// in the list see the model before the restore there; put it first. As in
/// Keras, a backup whose model, loss or optimizer differs from the run's is
/// an error (naming what differs), not silently ignored. Only
/// `save_freq="epoch"` is supported: a run killed in the middle of an epoch
/// repeats that epoch from its start.
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
/// let path = backup.path();
///
/// let mut model = Net::new(1);
/// let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.1).momentum(0.9), []);
/// let history = trainer.fit(&x, &y, Fit::epochs(3).batch_size(4).verbose(0).callback(backup))?;
/// assert_eq!(history.len(), 3);
/// assert!(!path.exists(), "deleted once training ended");
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

    setters! {
        /// Whether the backup is deleted when training ends normally (default
        /// true, as Keras).
        delete_checkpoint: bool,
    }

    /// The backup file: `backup_dir/latest.mlpstate`.
    pub fn path(&self) -> PathBuf {
        self.backup_dir.join("latest.mlpstate")
    }
}

impl<N: Model> Callback<N> for BackupAndRestore {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, N>) -> Result<()> {
        std::fs::create_dir_all(&self.backup_dir).map_err(|source| Error::Io {
            path: self.backup_dir.clone(),
            source,
        })?;
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(Error::Io { path, source }),
        };
        ctx.restore_state_from_bytes(&bytes, &path.display().to_string())?;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        _logs: &Logs,
    ) -> Result<()> {
        crate::fs::write_atomic(self.path(), &ctx.state_to_bytes(epoch + 1)?)
    }

    fn on_train_end(&mut self, _ctx: &mut CallbackContext<'_, N>, _logs: &Logs) -> Result<()> {
        let path = self.path();
        if self.delete_checkpoint && path.exists() {
            std::fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
        }
        Ok(())
    }
}
