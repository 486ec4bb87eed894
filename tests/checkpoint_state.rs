//! `ModelCheckpoint::save_weights_only(false)` saves the whole training
//! state: a checkpoint written in the middle of a run loads with
//! `load_state` (or is restored by `BackupAndRestore` as a callback), and
//! the run resumed from it ends with the same weights and History, bit for
//! bit, as the uninterrupted run.

use mlp::history::History;
use mlp::loss::MeanSquaredError;
use mlp::optim::{Adam, Optimizer, Sgd};
use mlp::prelude::*;
use mlp::train::{
    BackupAndRestore, Callback, CallbackContext, Fit, ModelCheckpoint, SaveFreq, TrainingState,
};
use std::path::Path;

network! {
    struct Regressor { Input[4] -> Dense<32, relu> -> Dense<16, tanh> -> Dense<1> }
}

const SEED: u64 = 9;
const EPOCHS: usize = 8;

fn data() -> (Vec<SVector<f32, 4>>, Vec<SVector<f32, 1>>) {
    let x: Vec<SVector<f32, 4>> = (0..200)
        .map(|i| SVector::<f32, 4>::from_fn(|j, _| (((i * 7 + j * 5) % 17) as f32 / 17.0) - 0.5))
        .collect();
    let y = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(v[0] * v[1] - v[2] + 0.5 * v[3]))
        .collect();
    (x, y)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn options<'a>() -> Fit<'a, Regressor, MeanSquaredError> {
    Fit::epochs(EPOCHS)
        .batch_size(16)
        .seed(SEED)
        .validation_split(0.25)
        .verbose(0)
}

/// The uninterrupted run with a whole-state checkpoint after every epoch
/// in `dir`; returns its final weights and History.
fn straight<O: Optimizer + Clone>(optimizer: &O, dir: &Path) -> (Vec<f32>, History) {
    let (x, y) = data();
    let mut model = Regressor::new(3);
    let mut trainer = model.compile(MeanSquaredError, optimizer.clone(), []);
    let checkpoint =
        ModelCheckpoint::new(dir.join("state-{epoch:02}.mlpstate")).save_weights_only(false);
    let history = trainer.fit(&x, &y, options().callback(checkpoint)).unwrap();
    drop(trainer);
    (model.params().to_vec(), history)
}

fn checkpoint_resumes_exactly<O: Optimizer + Clone>(optimizer: O) {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let (weights, full) = straight(&optimizer, dir.path());
    // Written at the end of the fourth epoch (epoch 3, 0-based): the state
    // at the start of epoch 4.
    let mid = dir.path().join("state-04.mlpstate");

    // Through `load_state`, into a new model and trainer.
    let mut resumed = Regressor::new_zeroed();
    let mut trainer = resumed.compile(MeanSquaredError, optimizer.clone(), []);
    let state = trainer.load_state(&mid).unwrap();
    assert_eq!((state.epoch, state.seed, state.history.len()), (4, SEED, 4));
    let rest = trainer
        .fit(
            &x,
            &y,
            options().seed(state.seed).initial_epoch(state.epoch),
        )
        .unwrap();
    let history = state.continue_with(rest);
    drop(trainer);
    assert_eq!(bits(resumed.params()), bits(&weights), "weights differ");
    assert_eq!(history, full, "histories differ");

    // Through `BackupAndRestore` given as a plain callback: the checkpoint
    // copied to where it looks for its backup.
    let backup = BackupAndRestore::new(dir.path().join("backup"));
    std::fs::create_dir_all(dir.path().join("backup")).unwrap();
    std::fs::copy(&mid, backup.path()).unwrap();
    let mut restored = Regressor::new(99); // Other weights: all are restored.
    let mut trainer = restored.compile(MeanSquaredError, optimizer, []);
    let history = trainer
        .fit(&x, &y, options().seed(1234).callback(backup.clone()))
        .unwrap();
    assert_eq!(trainer.iterations(), EPOCHS as u64 * 10);
    drop(trainer);
    assert_eq!(bits(restored.params()), bits(&weights), "weights differ");
    assert_eq!(
        history, full,
        "the whole run's History, restored epochs first"
    );
    assert!(!backup.path().exists(), "deleted at the end");
}

#[test]
fn sgd_momentum_checkpoint_resumes_exactly() {
    checkpoint_resumes_exactly(Sgd::new(0.05).momentum(0.9).nesterov(true));
}

#[test]
fn adam_checkpoint_resumes_exactly() {
    checkpoint_resumes_exactly(Adam::new(0.003));
}

#[test]
fn whole_state_every_n_batches_is_refused() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let mut model = Regressor::new(3);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    let checkpoint = ModelCheckpoint::new(dir.path().join("s.mlpstate"))
        .save_weights_only(false)
        .save_freq(SaveFreq::Batches(3));
    let err = trainer
        .fit(&x, &y, options().callback(checkpoint))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("save_freq") && err.contains("epoch ends only"),
        "{err}"
    );
}

/// Restores the bytes it holds in `on_epoch_end`, where it is too late.
struct LateRestore(Vec<u8>);

impl<N: Network> Callback<N> for LateRestore {
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        _epoch: usize,
        _logs: &mlp::train::Logs,
    ) -> mlp::Result<()> {
        ctx.restore_state_from_bytes(&self.0, "late.mlpstate")
            .map(|_| ())
    }
}

#[test]
fn restoring_after_the_run_began_is_an_error_and_changes_nothing() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    straight(&Sgd::new(0.01), dir.path());
    let bytes = std::fs::read(dir.path().join("state-02.mlpstate")).unwrap();
    let mut model = Regressor::new(3);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    let err = trainer
        .fit(
            &x,
            &y,
            options().with_epochs(1).callback(LateRestore(bytes)),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("late.mlpstate") && err.contains("on_train_begin"),
        "{err}"
    );
}

#[test]
fn a_backup_of_another_optimizer_is_refused_naming_both() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    straight(&Sgd::new(0.01).momentum(0.9), dir.path());
    let backup = BackupAndRestore::new(dir.path());
    std::fs::copy(dir.path().join("state-03.mlpstate"), backup.path()).unwrap();
    let mut model = Regressor::new(3);
    let before = model.params().to_vec();
    let mut trainer = model.compile(MeanSquaredError, Adam::new(0.001), []);
    let err = trainer
        .fit(&x, &y, options().callback(backup))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("optimizer `sgd`") && err.contains("`adam`"),
        "{err}"
    );
    drop(trainer);
    assert_eq!(bits(model.params()), bits(&before), "nothing changed");
}

network! {
    /// The network of the `state_file` fuzz target.
    struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
}

/// Writes the seeds of the `state_file` and `backup_restore` fuzz targets:
/// real training-state files of `Tiny`, after 2 epochs with Adam and with
/// SGD and momentum
/// (`cargo test --test checkpoint_state -- --ignored write_fuzz_seeds`).
#[test]
#[ignore = "writes fuzz/seeds/state_file and fuzz/seeds/backup_restore; run by hand"]
fn write_fuzz_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/state_file");
    std::fs::create_dir_all(&dir).unwrap();
    let x: Vec<SVector<f32, 2>> = (0..12)
        .map(|i| SVector::<f32, 2>::new(i as f32 / 12.0, 1.0 - i as f32 / 6.0))
        .collect();
    let y: Vec<SVector<f32, 1>> = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(v[0] - v[1]))
        .collect();
    let fit = || Fit::epochs(2).batch_size(4).seed(3).verbose(0);
    let mut model = Tiny::new(1);
    let mut trainer = model.compile(MeanSquaredError, Adam::new(0.01), []);
    let history = trainer.fit(&x, &y, fit().validation_split(0.25)).unwrap();
    trainer
        .save_state(
            dir.join("tiny-adam.mlpstate"),
            &TrainingState::new(2, 3, history),
        )
        .unwrap();
    let mut model = Tiny::new(1);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.05).momentum(0.9), []);
    let history = trainer.fit(&x, &y, fit()).unwrap();
    trainer
        .save_state(
            dir.join("tiny-sgd-momentum.mlpstate"),
            &TrainingState::new(2, 3, history),
        )
        .unwrap();
    let backup = dir.with_file_name("backup_restore");
    std::fs::create_dir_all(&backup).unwrap();
    for name in ["tiny-adam.mlpstate", "tiny-sgd-momentum.mlpstate"] {
        std::fs::copy(dir.join(name), backup.join(name)).unwrap();
    }
}
