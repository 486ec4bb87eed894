//! A tuner's project folder on arbitrary bytes: a search resumes from a
//! folder whose `trial.json` (the first input byte picks which file: a
//! trial's or `oracle.json`) holds the rest of the input. The search
//! returns `Ok` or `Err`, never panics, and an `Ok` search ran or kept every
//! trial it was asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::history::{History, HistoryParams};
use mlp_core::tune::{Float, HyperParameters, Int, Tuner};

fn space(hp: &mut HyperParameters) -> mlp_core::Result<(f64, i64)> {
    Ok((
        hp.get(Float::log("learning_rate", 1e-3, 1.0))?,
        hp.get(Int::new("units", 1, 8))?,
    ))
}

/// A trial's History without training: one epoch whose score depends on
/// the values drawn.
fn run(&(rate, units): &(f64, i64)) -> History {
    let mut history = History::new(HistoryParams {
        epochs: 1,
        steps: 1,
        samples: 1,
        batch_size: 1,
        verbose: 0,
    });
    let score = rate * units as f64;
    history.push_epoch(0, &[("loss", 1.0 - score), ("val_accuracy", score)]);
    history
}

fn tuner(dir: &std::path::Path, which: u8) -> Tuner {
    let tuner = match which % 3 {
        0 => Tuner::random_search("val_accuracy", 3, 1),
        1 => Tuner::hyperband("val_accuracy", 3, 3, 1, 1),
        _ => Tuner::bayesian_optimization("val_accuracy", 3, 1e-4, 2.6, 1),
    };
    tuner.directory(dir).project_name("p").verbose(false)
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut first = tuner(dir.path(), which);
    first
        .search(space, |values, _| Ok(run(values)))
        .expect("a fresh search");
    let project = dir.path().join("p");
    let target = if which & 0x80 != 0 {
        project.join("oracle.json")
    } else {
        let trial = std::fs::read_dir(&project)
            .expect("the project folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("trial.json").exists())
            .min()
            .expect("a trial folder");
        trial.join("trial.json")
    };
    std::fs::write(&target, bytes).expect("the file written");
    let mut resumed = tuner(dir.path(), which);
    if resumed
        .search(space, |values, _| Ok(run(values)))
        .is_ok()
    {
        assert!(!resumed.trials().is_empty());
        let _ = resumed.results_summary(3);
        let _ = resumed.get_best_hyperparameters(1);
    }
});
