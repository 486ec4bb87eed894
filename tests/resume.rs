//! Resume is exact: 10 epochs in one run, and 5 epochs + `save_state` +
//! `load_state` into a new model and trainer + 5 more, give bit-identical
//! weights and History, for SGD with momentum and for Adam, on one thread
//! and on two (each thread count in its own process, as `MLP_NUM_THREADS`
//! is read when the trainer's buffers are made).

use mlp::loss::MeanSquaredError;
use mlp::optim::{Adam, Optimizer, Sgd};
use mlp::prelude::*;
use mlp::train::{Fit, TrainingState};
use std::process::Command;

network! {
    /// Over 32,768 parameters, so that the optimizer's state spans two of
    /// the chunks the update is split into.
    struct Regressor { Input[8] -> Dense<256, relu> -> Dense<128, relu> -> Dense<1> }
}

const SEED: u64 = 42;

fn data() -> (Vec<SVector<f32, 8>>, Vec<SVector<f32, 1>>) {
    let x: Vec<SVector<f32, 8>> = (0..600)
        .map(|i| SVector::<f32, 8>::from_fn(|j, _| (((i * 7 + j * 13) % 29) as f32 / 29.0) - 0.5))
        .collect();
    let y = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(v[0] * v[1] - 0.5 * v[2] + v[3].abs()))
        .collect();
    (x, y)
}

fn options<'a>(epochs: usize) -> Fit<'a, Regressor, MeanSquaredError> {
    Fit::epochs(epochs)
        .batch_size(32)
        .seed(SEED)
        .validation_split(0.2)
        .verbose(0)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Runs the comparison for one optimizer; returns the final loss.
fn resume_is_exact<O: Optimizer + Clone>(optimizer: O) -> f64 {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.mlpstate");

    let mut straight = Regressor::new(7);
    let full = {
        let mut trainer = straight.compile(MeanSquaredError, optimizer.clone(), []);
        trainer.fit(&x, &y, options(10)).unwrap()
    };

    let mut first = Regressor::new(7);
    {
        let mut trainer = first.compile(MeanSquaredError, optimizer.clone(), []);
        let history = trainer.fit(&x, &y, options(5)).unwrap();
        trainer
            .save_state(&path, &TrainingState::new(5, SEED, history))
            .unwrap();
    }
    drop(first);

    let mut resumed = Regressor::new_zeroed();
    let mut trainer = resumed.compile(MeanSquaredError, optimizer, []);
    let state = trainer.load_state(&path).unwrap();
    assert_eq!((state.epoch, state.seed, state.history.len()), (5, SEED, 5));
    let rest = trainer
        .fit(
            &x,
            &y,
            options(10).seed(state.seed).initial_epoch(state.epoch),
        )
        .unwrap();
    assert_eq!(trainer.iterations(), 10 * 15);
    let history = state.continue_with(rest);
    drop(trainer);

    assert_eq!(
        bits(resumed.params()),
        bits(straight.params()),
        "weights differ"
    );
    assert_eq!(history, full, "histories differ");
    let loss = full.get("loss").unwrap();
    assert!(loss[9] < loss[0], "training learned: {loss:?}");
    loss[9]
}

/// The body, run in a child process with `MLP_NUM_THREADS` set.
#[test]
#[ignore = "run by resume_is_exact_on_one_and_two_threads in a child process"]
fn resume_child() {
    let threads: usize = std::env::var("MLP_NUM_THREADS").unwrap().parse().unwrap();
    assert_eq!(mlp::__internal::Pool::default_threads().unwrap(), threads);
    let sgd = resume_is_exact(Sgd::new(0.01).momentum(0.9));
    let adam = resume_is_exact(Adam::new(0.001));
    println!("threads {threads}: final loss SGD+momentum {sgd}, Adam {adam}");
}

#[test]
fn resume_is_exact_on_one_and_two_threads() {
    for threads in ["1", "2"] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "resume_child", "--nocapture"])
            .env("MLP_NUM_THREADS", threads)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{threads} thread(s):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout.lines().find(|l| l.starts_with("threads")).unwrap();
        eprintln!("{line}");
    }
}
