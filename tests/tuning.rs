//! The tuner's workflow on a small model: a search resumes from its project
//! folder (a completed trial is not run again, a killed one is, and the
//! values are those a search run at once draws), `overwrite` starts again,
//! another search on the folder is refused, Hyperband promotes trials from
//! their checkpoint, and the best model loads from its checkpoint.

use mlp::history::History;
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Fit;
use mlp::tune::{Float, HyperParameters, Int, Status, Trial, TrialRecord, Tuner, declaration};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

network! {
    /// A small classifier.
    struct Small { Input[2] -> Dense<4, relu> -> Dense<2, softmax> }
}

fn data() -> (Vec<SVector<f32, 2>>, Vec<u8>) {
    let x: Vec<_> = (0..32)
        .map(|i| {
            let t = i as f32 * 0.41;
            SVector::<f32, 2>::new(t.sin(), (t * 1.3).cos())
        })
        .collect();
    let y = x.iter().map(|v| u8::from(v[0] > 0.0)).collect();
    (x, y)
}

fn space(hp: &mut HyperParameters) -> mlp::Result<(f64, i64)> {
    Ok((
        hp.get(Float::log("learning_rate", 1e-3, 1.0))?,
        hp.get(Int::new("seed", 0, 1000))?,
    ))
}

/// Runs a random search of `trials` trials on `dir`, returning the ids run.
fn search(dir: &Path, trials: usize, overwrite: bool) -> mlp::Result<(Tuner, Vec<String>)> {
    let tuner = Tuner::random_search("val_accuracy", trials, 7)
        .directory(dir)
        .project_name("p")
        .overwrite(overwrite)
        .verbose(false);
    run(tuner, None)
}

/// Trains [`Small`] for a trial (`epochs`, or Hyperband's budget), on the
/// trial's threads, from the checkpoint it continues, saving its own.
fn train(
    &(learning_rate, seed): &(f64, i64),
    trial: &mut Trial<'_>,
    epochs: usize,
) -> mlp::Result<History> {
    let (x, y) = data();
    let mut model = Small::new(seed as u64);
    trial.load_resumed_weights(&mut *model)?;
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(learning_rate as f32),
        [Metric::Accuracy],
    );
    trainer.fit(
        &x,
        &y,
        Fit::epochs(trial.epochs(epochs))
            .initial_epoch(trial.initial_epoch())
            .threads(trial.threads())
            .verbose(0)
            .validation_data(&x, &y)
            .callback(trial.save_best_epoch()),
    )
}

/// Runs `tuner`'s search on [`Small`], returning the ids run, in id order;
/// the trial `fail` returns an error instead of training.
fn run(tuner: Tuner, fail: Option<&str>) -> mlp::Result<(Tuner, Vec<String>)> {
    let (tuner, ran) = run_threads(tuner, fail)?;
    Ok((tuner, ran.into_iter().map(|(id, _)| id).collect()))
}

/// [`run`], with the threads each trial was given.
fn run_threads(mut tuner: Tuner, fail: Option<&str>) -> mlp::Result<(Tuner, Vec<(String, usize)>)> {
    let ran = Mutex::new(Vec::new());
    tuner.search(space, |values, trial| {
        ran.lock()
            .unwrap()
            .push((trial.id().to_owned(), trial.threads()));
        if fail == Some(trial.id()) {
            return Err(mlp::Error::InvalidArgument {
                name: "trial",
                message: format!("trial {} fails", trial.id()),
            });
        }
        train(values, trial, 3)
    })?;
    let mut ran = ran.into_inner().unwrap();
    ran.sort_by_key(|(id, _)| (id.len(), id.clone()));
    Ok((tuner, ran))
}

#[test]
fn a_search_resumes_where_it_stopped() -> mlp::Result<()> {
    let once = tempfile::tempdir().unwrap();
    let (all, ran) = search(once.path(), 4, false)?;
    assert_eq!(ran, ["00", "01", "02", "03"]);

    let split = tempfile::tempdir().unwrap();
    let (_, ran) = search(split.path(), 2, false)?;
    assert_eq!(ran, ["00", "01"]);
    // As if killed during trial 02: its record says RUNNING.
    let path = split.path().join("p/trial_02/trial.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut running = all.trials()[2].clone();
    running.status = Status::Running;
    running.score = None;
    std::fs::write(&path, serde_json::to_string(&running).unwrap()).unwrap();
    let (resumed, ran) = search(split.path(), 4, false)?;
    assert_eq!(ran, ["02", "03"], "completed trials are not run again");
    let values = |t: &Tuner| {
        t.trials()
            .iter()
            .map(|r| r.hyperparameters.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(values(&resumed), values(&all));
    assert!(
        resumed
            .trials()
            .iter()
            .all(|t| t.status == Status::Completed)
    );

    // overwrite: everything again.
    let (_, ran) = search(split.path(), 2, true)?;
    assert_eq!(ran, ["00", "01"]);

    // Another search on the folder is refused, naming the difference.
    let other = Tuner::random_search("val_loss", 2, 7)
        .directory(split.path())
        .project_name("p");
    let message = {
        let mut other = other;
        other
            .search(space, |_, _| unreachable!())
            .unwrap_err()
            .to_string()
    };
    assert!(
        message.contains("another search") && message.contains("overwrite"),
        "{message}"
    );

    // The best trial's model loads, with the best score's weights.
    let best = all.get_best_trials(1)[0].clone();
    let mut model: Box<Small> = all.get_best_model(0)?;
    let (x, y) = data();
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::default(),
        [Metric::Accuracy],
    );
    let accuracy = trainer.evaluate(&x, &y)?["accuracy"];
    assert_eq!(accuracy, best.score.unwrap());
    assert!(
        all.results_summary(2)
            .contains(&format!("Trial {} summary", best.trial_id))
    );
    assert!(
        declaration::<Small>("Best")?.contains("Input[2] -> Dense<4, relu> -> Dense<2, softmax>")
    );
    Ok(())
}

#[test]
fn hyperband_promotes_from_checkpoints() -> mlp::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = data();
    let mut tuner = Tuner::hyperband("val_accuracy", 9, 3, 1, 3)
        .directory(dir.path())
        .verbose(false);
    let promoted = AtomicUsize::new(0);
    tuner.search(space, |&(learning_rate, seed), trial| {
        let mut model = Small::new(seed as u64);
        if trial.load_resumed_weights(&mut *model)? {
            promoted.fetch_add(1, Ordering::Relaxed);
            assert!(trial.initial_epoch() > 0);
        }
        let mut trainer = model.compile(
            SparseCategoricalCrossentropy,
            Sgd::new(learning_rate as f32),
            [Metric::Accuracy],
        );
        let options = Fit::epochs(trial.epochs(100))
            .initial_epoch(trial.initial_epoch())
            .verbose(0)
            .validation_data(&x, &y)
            .callback(trial.save_best_epoch());
        trainer.fit(&x, &y, options)
    })?;
    let epochs: Vec<_> = tuner
        .trials()
        .iter()
        .map(|t| (t.epochs.unwrap(), t.initial_epoch.unwrap()))
        .collect();
    let promoted = promoted.into_inner();
    assert_eq!(
        promoted,
        tuner
            .trials()
            .iter()
            .filter(|t| t.resumed_from.is_some())
            .count()
    );
    assert!(
        promoted > 0 && epochs.iter().all(|&(e, i)| e <= 9 && i < e),
        "{epochs:?}"
    );
    Ok(())
}

/// The trials as recorded, without their times (which differ between runs).
fn outcome(tuner: &Tuner) -> Vec<TrialRecord> {
    tuner
        .trials()
        .iter()
        .map(|t| TrialRecord {
            seconds: None,
            ..t.clone()
        })
        .collect()
}

/// Every trial's checkpoint, byte for byte.
fn checkpoints(tuner: &Tuner) -> Vec<Vec<u8>> {
    tuner
        .trials()
        .iter()
        .map(|t| {
            let dir = tuner.project_dir().join(format!("trial_{}", t.trial_id));
            std::fs::read(dir.join("checkpoint.safetensors")).unwrap()
        })
        .collect()
}

/// The three tuners on `dir`, with `parallel` trials at once.
fn tuners(dir: &Path, parallel: usize) -> [Tuner; 3] {
    [
        Tuner::random_search("val_accuracy", 6, 7),
        Tuner::hyperband("val_accuracy", 9, 3, 1, 3),
        // 2 parameters: 6 random trials, then 3 the Gaussian process proposes.
        Tuner::bayesian_optimization("val_accuracy", 9, 1e-4, 2.6, 5),
    ]
    .map(|t| {
        t.directory(dir)
            .project_name("p")
            .parallel_trials(parallel)
            .verbose(false)
    })
}

/// The number of threads a trial running alone gets.
fn all_threads() -> usize {
    match std::env::var("MLP_NUM_THREADS") {
        Ok(n) if !n.trim().is_empty() => n.trim().parse().unwrap(),
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

#[test]
fn parallel_trials_train_the_trials_of_one_at_a_time() -> mlp::Result<()> {
    for which in 0..3 {
        let one = tempfile::tempdir().unwrap();
        let tuner = tuners(one.path(), 1).into_iter().nth(which).unwrap();
        let (alone, ran) = run_threads(tuner, None)?;
        assert!(ran.iter().all(|&(_, threads)| threads == all_threads()));
        for parallel in [2, 3] {
            let dir = tempfile::tempdir().unwrap();
            let tuner = tuners(dir.path(), parallel).into_iter().nth(which).unwrap();
            let (side_by_side, ran) = run_threads(tuner, None)?;
            assert_eq!(
                outcome(&side_by_side),
                outcome(&alone),
                "{parallel} at once"
            );
            assert_eq!(checkpoints(&side_by_side), checkpoints(&alone));
            assert_eq!(ran.len(), alone.trials().len());
            if which == 2 {
                // The proposed trials wait for every score, and run alone.
                assert!(ran[6..].iter().all(|&(_, t)| t == all_threads()), "{ran:?}");
            }
        }
    }
    Ok(())
}

#[test]
fn trials_run_side_by_side_on_a_share_of_the_threads() -> mlp::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let started = (Mutex::new(Vec::<(String, usize)>::new()), Condvar::new());
    let mut tuner = Tuner::random_search("val_accuracy", 4, 7)
        .directory(dir.path())
        .parallel_trials(2)
        .verbose(false);
    tuner.search(space, |values, trial| {
        let (list, changed) = &started;
        list.lock()
            .unwrap()
            .push((trial.id().to_owned(), trial.threads()));
        changed.notify_all();
        if trial.id() == "00" {
            // Trial 01 starts while 00 runs (or the test fails after 60 s).
            let list = changed
                .wait_timeout_while(list.lock().unwrap(), Duration::from_secs(60), |l| {
                    !l.iter().any(|(id, _)| id == "01")
                })
                .unwrap()
                .0;
            assert!(list.iter().any(|(id, _)| id == "01"), "01 did not start");
        }
        train(values, trial, 2)
    })?;
    let mut list = started.0.into_inner().unwrap();
    list.sort();
    let threads: Vec<usize> = list.iter().map(|&(_, t)| t).collect();
    assert_eq!(threads.len(), 4);
    // The first two share the threads (at least one each).
    assert_eq!(threads[0] + threads[1], all_threads().max(2), "{list:?}");
    assert!(threads[0].abs_diff(threads[1]) <= 1);
    assert_eq!(
        tuner
            .parallel_trials(0)
            .search(space, |_, _| unreachable!())
            .unwrap_err()
            .to_string(),
        "invalid argument `parallel_trials`: is 0; at least one trial must run at a time"
    );
    Ok(())
}

#[test]
fn a_parallel_search_stopped_by_an_error_resumes() -> mlp::Result<()> {
    let whole = tempfile::tempdir().unwrap();
    let [random, ..] = tuners(whole.path(), 1);
    let (all, _) = run(random, None)?;

    let dir = tempfile::tempdir().unwrap();
    let [random, ..] = tuners(dir.path(), 2);
    let err = run(random, Some("03")).unwrap_err().to_string();
    assert!(err.contains("trial 03 fails"), "{err}");
    // Every record is whole; the failed trial is still running.
    let record = |id: &str| -> TrialRecord {
        let path = dir.path().join(format!("p/trial_{id}/trial.json"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    assert_eq!(record("03").status, Status::Running);
    for id in ["00", "01", "02"] {
        assert_eq!(record(id).status, Status::Completed, "trial {id}");
    }

    let [random, ..] = tuners(dir.path(), 2);
    let (resumed, ran) = run(random, None)?;
    assert_eq!(ran[0], "03", "{ran:?}");
    assert!(ran.iter().all(|id| id.as_str() >= "03"), "{ran:?}");
    assert_eq!(outcome(&resumed), outcome(&all));
    assert_eq!(checkpoints(&resumed), checkpoints(&all));
    Ok(())
}

#[test]
fn a_panicking_trial_panics_the_search_once_the_others_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut tuner = Tuner::random_search("val_accuracy", 4, 7)
        .directory(dir.path())
        .project_name("p")
        .parallel_trials(2)
        .verbose(false);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tuner.search(space, |values, trial| {
            assert_ne!(trial.id(), "01", "trial 01 panics");
            train(values, trial, 3)
        })
    }))
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("trial 01 panics"), "{message}");
    // Trial 00 ran beside it and was recorded.
    let path = dir.path().join("p/trial_00/trial.json");
    let record: TrialRecord = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(record.status, Status::Completed);
}
