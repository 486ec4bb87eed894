//! `BackupAndRestore` survives SIGKILL: a training process killed in the
//! middle of an epoch, started again with the same backup folder, ends with
//! the same weights and History, bit for bit, as a run never interrupted.
//!
//! The training runs in child processes (this test binary again, running
//! the ignored test `backup_child`), so that one can be killed.

use mlp::loss::MeanSquaredError;
use mlp::optim::Adam;
use mlp::prelude::*;
use mlp::train::{BackupAndRestore, Callback, CallbackContext, Fit, Logs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

network! {
    struct Regressor { Input[8] -> Dense<64, relu> -> Dense<32, relu> -> Dense<1> }
}

const EPOCHS: usize = 8;

/// Slows each batch down, so that an epoch lasts long enough to be killed
/// in the middle, and records the epoch and batch reached in `progress`.
struct Pace(PathBuf);

impl<N: Network> Callback<N> for Pace {
    fn on_batch_end(
        &mut self,
        _ctx: &mut CallbackContext<'_, N>,
        batch: usize,
        _logs: &Logs,
    ) -> mlp::Result<()> {
        std::thread::sleep(Duration::from_millis(15));
        let _ = std::fs::write(&self.0, format!("batch {batch}"));
        Ok(())
    }
}

/// The training run: 8 epochs of 20 batches with Adam, backed up into
/// `$MLP_BACKUP_DIR`; the final weights and the History go to
/// `$MLP_BACKUP_OUT`.
#[test]
#[ignore = "run by killed_run_resumes_to_the_same_weights in a child process"]
fn backup_child() {
    let dir = PathBuf::from(std::env::var("MLP_BACKUP_DIR").unwrap());
    let out = PathBuf::from(std::env::var("MLP_BACKUP_OUT").unwrap());
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
        .callback(Pace(dir.join("progress")));
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

fn child(dir: &Path, out: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "backup_child", "--nocapture"])
        .env("MLP_BACKUP_DIR", dir)
        .env("MLP_BACKUP_OUT", out)
        .env("MLP_NUM_THREADS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
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
    let straight_dir = tmp.path().join("straight");
    std::fs::create_dir_all(&straight_dir).unwrap();
    let straight_out = tmp.path().join("straight.txt");
    assert!(
        child(&straight_dir, &straight_out)
            .wait()
            .unwrap()
            .success()
    );
    let reference = std::fs::read_to_string(&straight_out).unwrap();

    // The same run, killed with SIGKILL in the middle of its fourth epoch.
    let dir = tmp.path().join("killed");
    std::fs::create_dir_all(&dir).unwrap();
    let out = tmp.path().join("killed.txt");
    let mut run = child(&dir, &out);
    let start = Instant::now();
    while backed_up_epoch(&dir) != Some(3) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no backup of epoch 3 appeared"
        );
        assert!(
            run.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // Some batches into the fourth epoch (epoch 3, 0-based).
    let progress = dir.join("progress");
    let _ = std::fs::remove_file(&progress);
    while !matches!(std::fs::read_to_string(&progress).as_deref(), Ok(p) if p.starts_with("batch 5"))
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the fourth epoch did not progress"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    run.kill().unwrap(); // SIGKILL on Unix.
    let status = run.wait().unwrap();
    assert!(!status.success(), "killed: {status:?}");
    assert!(!out.exists(), "the killed run did not finish");
    assert_eq!(
        backed_up_epoch(&dir),
        Some(3),
        "the backup is the end of epoch 2"
    );

    // Started again: restores epoch 3's start and finishes.
    assert!(child(&dir, &out).wait().unwrap().success());
    let resumed = std::fs::read_to_string(&out).unwrap();
    assert!(
        resumed == reference,
        "weights or history differ after the restart"
    );
    assert!(resumed.ends_with(&format!("{:?}\n", (0..EPOCHS).collect::<Vec<_>>())));
}
