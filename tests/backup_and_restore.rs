//! `BackupAndRestore` survives SIGKILL: a training process killed in the
//! middle of an epoch, started again with the same backup folder, ends with
//! the same weights and History, bit for bit, as a run never interrupted.
//!
//! The training runs in child processes (this test binary again, running
//! the ignored test `backup_child`), so that one can be killed.

use mlp::loss::MeanSquaredError;
use mlp::optim::Adam;
use mlp::prelude::*;
use mlp::train::{BackupAndRestore, Fit};
use std::path::Path;

mod common {
    pub mod sigkill;
}
use common::sigkill::{Pace, child_paths, kill, killed_and_resumed, uninterrupted, wait_until};

network! {
    struct Regressor { Input[8] -> Dense<64, relu> -> Dense<32, relu> -> Dense<1> }
}

const EPOCHS: usize = 8;

/// The training run: 8 epochs of 20 batches with Adam, backed up into
/// `$MLP_BACKUP_DIR`; the final weights and the History go to
/// `$MLP_BACKUP_OUT`.
#[test]
#[ignore = "run by killed_run_resumes_to_the_same_weights in a child process"]
fn backup_child() {
    let (dir, out) = child_paths();
    let x: Vec<SVector<f32, 8>> = (0..640)
        .map(|i| SVector::<f32, 8>::from_fn(|j, _| (((i * 5 + j * 11) % 23) as f32 / 23.0) - 0.5))
        .collect();
    let y: Vec<SVector<f32, 1>> = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(v[0] * v[1] + v[2] - v[3] * v[4]))
        .collect();
    let mut model = Regressor::new(11);
    let mut trainer = model.compile(MeanSquaredError, Adam::new(0.003), []);
    let backup = BackupAndRestore::new(dir.join("backup"));
    // As Keras's `model.fit(..., callbacks=[BackupAndRestore(dir), ...])`.
    let options = Fit::epochs(EPOCHS)
        .batch_size(32)
        .seed(5)
        .verbose(0)
        .callback(backup.clone())
        .callback(Pace(Some(dir.join("progress"))));
    let history = trainer.fit(&x, &y, options).unwrap();
    assert!(!backup.path().exists());
    let bits: Vec<String> = model
        .params()
        .iter()
        .map(|v| v.to_bits().to_string())
        .collect();
    let losses: Vec<String> = history
        .get("loss")
        .unwrap()
        .iter()
        .map(|v| v.to_bits().to_string())
        .collect();
    std::fs::write(
        out,
        format!(
            "{}\n{}\n{:?}\n",
            bits.join(","),
            losses.join(","),
            history.epoch
        ),
    )
    .unwrap();
}

/// The next epoch recorded in the backup file, if there is one.
fn backed_up_epoch(dir: &Path) -> Option<usize> {
    let bytes = std::fs::read(dir.join("backup/latest.mlpstate")).ok()?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).ok()?;
    header.metadata().as_ref()?.get("epoch")?.parse().ok()
}

#[test]
fn killed_run_resumes_to_the_same_weights() {
    let tmp = tempfile::tempdir().unwrap();
    // The reference: one run, never interrupted.
    let reference = uninterrupted("backup_child", tmp.path());
    // The same run, killed with SIGKILL some batches into its fourth epoch
    // (epoch 3, 0-based), then started again: it restores epoch 3's start
    // and finishes.
    let resumed = killed_and_resumed("backup_child", tmp.path(), |dir, run, out| {
        let progress = dir.join("progress");
        wait_until(run, "a backup of epoch 3", || {
            backed_up_epoch(dir) == Some(3)
        });
        let _ = std::fs::remove_file(&progress);
        wait_until(
            run,
            "batch 5 of the fourth epoch",
            || matches!(std::fs::read_to_string(&progress).as_deref(), Ok(p) if p.starts_with("batch 5")),
        );
        kill(run, out);
        assert_eq!(
            backed_up_epoch(dir),
            Some(3),
            "the backup is the end of epoch 2"
        );
    });
    assert!(
        resumed == reference,
        "weights or history differ after the restart"
    );
    assert!(resumed.ends_with(&format!("{:?}\n", (0..EPOCHS).collect::<Vec<_>>())));
}
