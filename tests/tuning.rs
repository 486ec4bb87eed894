//! The tuner's workflow on a small model: a search resumes from its project
//! folder (a completed trial is not run again, a killed one is, and the
//! values are those a search run at once draws), `overwrite` starts again,
//! another search on the folder is refused, Hyperband promotes trials from
//! their checkpoint, and the best model loads from its checkpoint.

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Fit;
use mlp::tune::{Float, HyperParameters, Int, Status, Tuner, declaration};
use std::path::Path;

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
    let (x, y) = data();
    let mut tuner = Tuner::random_search("val_accuracy", trials, 7)
        .directory(dir)
        .project_name("p")
        .overwrite(overwrite)
        .verbose(false);
    let mut ran = Vec::new();
    tuner.search(space, |&(learning_rate, seed), trial| {
        ran.push(trial.id().to_owned());
        let mut model = Small::new(seed as u64);
        let mut trainer = model.compile(
            SparseCategoricalCrossentropy,
            Sgd::new(learning_rate as f32),
            [Metric::Accuracy],
        );
        trainer.fit(
            &x,
            &y,
            Fit::epochs(3)
                .verbose(0)
                .validation_data(&x, &y)
                .callback(trial.save_best_epoch()),
        )
    })?;
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
    let mut promoted = 0;
    tuner.search(space, |&(learning_rate, seed), trial| {
        let mut model = Small::new(seed as u64);
        if trial.load_resumed_weights(&mut *model)? {
            promoted += 1;
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
