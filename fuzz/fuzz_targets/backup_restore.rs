//! `BackupAndRestore`'s restore on arbitrary bytes, and the saves that
//! follow it: the bytes are the backup found at the start of `fit`; a
//! refused backup is an error that changes nothing (weights, step count),
//! an accepted one resumes the run, which saves its backup again at the end
//! of every epoch (a History name listed twice used to be accepted here and
//! to panic in that save). Most inputs go through a callback that restores
//! from the bytes in memory, as `BackupAndRestore` does after reading its
//! file; one in eight through `BackupAndRestore` itself on a temporary
//! folder (file reads, atomic writes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cell::Cell;
use mlp_core::loss::MeanSquaredError;
use mlp_core::optim::Adam;
use mlp_core::prelude::*;
use mlp_core::train::{BackupAndRestore, Callback, CallbackContext, Fit, Logs};

// The network of the seeds (fuzz/seeds/backup_restore, written by
// `cargo test --test checkpoint_state -- --ignored write_fuzz_seeds`).
network! { struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> } }

/// Restores from `0` in `on_train_begin` (and records in `1` whether that
/// was refused) and saves the whole state at the end of every epoch, as
/// `BackupAndRestore` does.
struct Restore<'a>(&'a [u8], &'a Cell<bool>);

impl<N: Network> Callback<N> for Restore<'_> {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, N>) -> mlp_core::Result<()> {
        let restored = ctx.restore_state_from_bytes(self.0, "fuzz");
        self.1.set(restored.is_err());
        restored.map(|_| ())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        _logs: &Logs,
    ) -> mlp_core::Result<()> {
        ctx.state_to_bytes(epoch + 1).map(|_| ())
    }
}

fuzz_target!(|data: &[u8]| {
    let x: Vec<SVector<f32, 2>> = (0..8)
        .map(|i| SVector::<f32, 2>::new(i as f32 / 8.0, 1.0 - i as f32 / 4.0))
        .collect();
    let y: Vec<SVector<f32, 1>> = x.iter().map(|v| SVector::<f32, 1>::new(v[0] - v[1])).collect();
    let mut model = Tiny::new(1);
    let before = model.params().to_vec();
    let mut trainer = model.compile(MeanSquaredError, Adam::new(0.01), []);
    // At most 4 epochs whatever epoch the state says it reached.
    let options = Fit::epochs(4).batch_size(4).verbose(0);
    let refused = Cell::new(false);
    let result = if data.len() % 8 == 0 {
        let dir = tempfile::tempdir().unwrap();
        let backup = BackupAndRestore::new(dir.path());
        std::fs::write(backup.path(), data).unwrap();
        trainer.fit(&x, &y, options.callback(backup))
    } else {
        trainer.fit(&x, &y, options.callback(Restore(data, &refused)))
    };
    if refused.get() {
        assert!(result.is_err());
        assert_eq!(trainer.model().params(), before.as_slice());
        assert_eq!(trainer.iterations(), 0);
    }
    assert!(trainer.model().params().iter().all(|v| v.is_finite()));
});
