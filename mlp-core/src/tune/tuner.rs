//! [`Tuner`]: Keras Tuner's search loop, project folder and results.

use super::project::{OracleRecord, Project, Status, TrialRecord};
use super::random;
use super::space::{HyperParameters, Param, active_values};
use crate::history::History;
use crate::io::WeightsFile;
use crate::train::{Mode, ModelCheckpoint};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One trial as the code that trains it sees it: its id, folder and
/// hyperparameters, and the callbacks that record it for the tuner.
#[derive(Debug)]
pub struct Trial<'a> {
    id: &'a str,
    dir: PathBuf,
    hp: &'a HyperParameters,
    objective: &'a str,
}

impl Trial<'_> {
    /// `00`, `01`, ...
    pub fn id(&self) -> &str {
        self.id
    }

    /// The trial's folder in the project (`trial_<id>`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The trial's hyperparameters.
    pub fn hyperparameters(&self) -> &HyperParameters {
        self.hp
    }

    /// Where the trial's best weights are saved (`checkpoint.safetensors`).
    pub fn checkpoint_path(&self) -> PathBuf {
        self.dir.join("checkpoint.safetensors")
    }

    /// The callback that saves the weights of the trial's best epoch by the
    /// objective to [`Trial::checkpoint_path`] (Keras Tuner's
    /// `SaveBestEpoch`): pass it to `fit` so that
    /// [`Tuner::get_best_model`] can load the winner.
    pub fn save_best_epoch(&self) -> ModelCheckpoint {
        ModelCheckpoint::new(self.checkpoint_path())
            .monitor(self.objective)
            .save_best_only(true)
    }

    /// A [`TensorBoard`](crate::train::TensorBoard) callback writing this
    /// trial's run to `<root>/<trial id>/execution0` (as Keras Tuner moves a
    /// TensorBoard callback's folder), so that `tensorboard --logdir
    /// <root>` compares the trials; with the trial's hyperparameters for
    /// the HParams dashboard.
    #[cfg(feature = "tensorboard")]
    pub fn tensorboard(&self, root: impl AsRef<Path>) -> crate::train::TensorBoard {
        crate::train::TensorBoard::new(root.as_ref().join(self.id).join("execution0"))
            .hparams(self.hp.values(), self.id)
    }
}

/// Which algorithm proposes the trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    Random,
}

/// A hyperparameter search (Keras Tuner's `RandomSearch`), its project
/// folder and its results.
///
/// `search` takes two functions: `space` declares the hyperparameters
/// (with [`HyperParameters::get`]) and turns a trial's values into what the
/// second one needs; `run` builds the trial's model, a `network!` type
/// chosen from the values, and returns `fit`'s History, from which the
/// tuner reads the objective (its best epoch). Each trial's
/// hyperparameters, score and checkpoint are saved in
/// `<directory>/<project_name>/trial_<id>/`; a search started again on the
/// folder (without `overwrite`) skips the completed trials and runs the
/// others, with the values the first search would have drawn.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::metrics::Metric;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::Fit;
/// use mlp_core::tune::{Float, Tuner};
///
/// network! { struct Net { Input[1] -> Dense<2, softmax> } }
///
/// let dir = tempfile::tempdir().unwrap();
/// let x = [SVector::<f32, 1>::new(-1.0), SVector::<f32, 1>::new(1.0)];
/// let y = [0_u8, 1];
/// let mut tuner = Tuner::random_search("accuracy", 3, 42).directory(dir.path()).project_name("demo").verbose(false);
/// tuner.search(
///     |hp| hp.get(Float::log("learning_rate", 1e-3, 1.0)),
///     |&learning_rate, trial| {
///         let mut model = Net::new(0);
///         let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(learning_rate as f32), [Metric::Accuracy]);
///         trainer.fit(&x, &y, Fit::epochs(5).verbose(0).callback(trial.save_best_epoch()))
///     },
/// )?;
/// assert_eq!(tuner.trials().len(), 3);
/// let best: Box<Net> = tuner.get_best_model(0)?;
/// println!("{}", tuner.results_summary(1));
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Tuner {
    algorithm: Algorithm,
    objective: String,
    seed: u64,
    max_trials: usize,
    directory: PathBuf,
    project_name: String,
    overwrite: bool,
    verbose: bool,
    space: Vec<Param>,
    trials: Vec<TrialRecord>,
}

impl Tuner {
    /// Random search (Keras Tuner's `RandomSearch(objective=...,
    /// max_trials=..., seed=...)`): `max_trials` trials, each with values
    /// drawn at random. The objective is maximised if its name contains
    /// `acc`, minimised otherwise (as `EarlyStopping`'s `auto` mode).
    pub fn random_search(objective: &str, max_trials: usize, seed: u64) -> Self {
        Self {
            algorithm: Algorithm::Random,
            objective: objective.into(),
            seed,
            max_trials,
            directory: PathBuf::from("."),
            project_name: "untitled_project".into(),
            overwrite: false,
            verbose: true,
            space: Vec::new(),
            trials: Vec::new(),
        }
    }

    /// The folder holding the project (Keras Tuner's `directory`; default
    /// the current folder).
    pub fn directory(mut self, directory: impl Into<PathBuf>) -> Self {
        self.directory = directory.into();
        self
    }

    /// The project's folder name (default `untitled_project`).
    pub fn project_name(mut self, name: &str) -> Self {
        self.project_name = name.into();
        self
    }

    /// Empties the project folder before searching (Keras Tuner's
    /// `overwrite`; default false: a search resumes).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Prints a line per trial (default true).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// `<directory>/<project_name>`.
    pub fn project_dir(&self) -> PathBuf {
        self.directory.join(&self.project_name)
    }

    fn mode(&self) -> Mode {
        Mode::Auto.resolve(&self.objective)
    }

    /// Runs the search; see [`Tuner`].
    pub fn search<T>(
        &mut self,
        space: impl Fn(&mut HyperParameters) -> Result<T>,
        mut run: impl FnMut(&T, &mut Trial<'_>) -> Result<History>,
    ) -> Result<()> {
        let mut declared = HyperParameters::declaring();
        space(&mut declared)?;
        self.space = declared.space().to_vec();
        let oracle = OracleRecord {
            tuner: format!("{:?}", self.algorithm),
            objective: self.objective.clone(),
            seed: self.seed,
            space: self.space.clone(),
        };
        let (project, trials) = Project::open(&self.project_dir(), self.overwrite, &oracle)?;
        self.trials = trials;
        for index in 0..self.max_trials {
            let id = format!("{index:02}");
            let known = self.trials.iter().position(|t| t.trial_id == id);
            if let Some(i) = known
                && self.trials[i].status == Status::Completed
            {
                continue;
            }
            let values = match known {
                Some(i) => self.trials[i].hyperparameters.clone(),
                None => {
                    let tried: Vec<_> = self.trials.iter().map(|t| t.hyperparameters.clone()).collect();
                    match random::trial_values(&self.space, self.seed, index, &tried) {
                        Some(values) => active_values(&self.space, &values),
                        None => break,
                    }
                }
            };
            let mut record = TrialRecord {
                trial_id: id.clone(),
                hyperparameters: values.clone(),
                score: None,
                best_step: None,
                status: Status::Running,
                seconds: None,
            };
            project.save(&record)?;
            match known {
                Some(i) => self.trials[i] = record.clone(),
                None => self.trials.push(record.clone()),
            }
            let started = Instant::now();
            let mut hp = HyperParameters::with_values(&self.space, values);
            let input = space(&mut hp)?;
            let mut trial = Trial {
                id: &id,
                dir: project.trial_dir(&id),
                hp: &hp,
                objective: &self.objective,
            };
            let history = run(&input, &mut trial)?;
            let (best_step, score) = self.best_epoch(&history, &id)?;
            record.score = Some(score);
            record.best_step = Some(best_step);
            record.status = Status::Completed;
            record.seconds = Some(started.elapsed().as_secs_f64());
            project.save(&record)?;
            if self.verbose {
                println!("{}", trial_line(&record, &self.objective));
            }
            let slot = self.trials.iter_mut().find(|t| t.trial_id == id);
            *slot.expect("pushed above") = record;
        }
        Ok(())
    }

    fn best_epoch(&self, history: &History, id: &str) -> Result<(usize, f64)> {
        let Some(values) = history.get(&self.objective) else {
            let names: Vec<&str> = history.names().collect();
            return Err(Error::InvalidArgument {
                name: "objective",
                message: format!(
                    "trial {id}'s History has no `{}`; it holds: {}",
                    self.objective,
                    names.join(", ")
                ),
            });
        };
        let mode = self.mode();
        let mut best: Option<(usize, f64)> = None;
        for (i, &v) in values.iter().enumerate() {
            if mode.improves(v, best.map(|b| b.1), 0.0) {
                best = Some((i, v));
            }
        }
        best.ok_or_else(|| Error::InvalidArgument {
            name: "objective",
            message: format!("trial {id}: no finite `{}` in its History", self.objective),
        })
    }

    /// Every trial, in id order (completed ones with their score).
    pub fn trials(&self) -> &[TrialRecord] {
        &self.trials
    }

    /// The `n` best completed trials, best first (Keras Tuner's
    /// `oracle.get_best_trials`).
    pub fn get_best_trials(&self, n: usize) -> Vec<&TrialRecord> {
        let mut done: Vec<&TrialRecord> = self.trials.iter().filter(|t| t.score.is_some()).collect();
        let max = self.mode() == Mode::Max;
        done.sort_by(|a, b| {
            let (a, b) = (a.score.unwrap_or(f64::NAN), b.score.unwrap_or(f64::NAN));
            let order = a.total_cmp(&b);
            if max { order.reverse() } else { order }
        });
        done.truncate(n);
        done
    }

    /// The hyperparameters of the `n` best trials, best first (Keras
    /// Tuner's `get_best_hyperparameters`): pass one to the `space`
    /// function to rebuild the winner.
    pub fn get_best_hyperparameters(&self, n: usize) -> Vec<HyperParameters> {
        self.get_best_trials(n)
            .into_iter()
            .map(|t| HyperParameters::with_values(&self.space, t.hyperparameters.clone()))
            .collect()
    }

    /// The model of the `rank`-th best trial (0: the best), its weights read
    /// from the trial's checkpoint (Keras Tuner's `get_best_models()[rank]`).
    /// `M` is the `network!` type of that trial's hyperparameters: a
    /// different architecture is an error naming the layer and both shapes.
    pub fn get_best_model<M: WeightsFile>(&self, rank: usize) -> Result<Box<M>> {
        let best = self.get_best_trials(rank + 1);
        let Some(trial) = best.get(rank) else {
            return Err(Error::InvalidArgument {
                name: "rank",
                message: format!("there are {} completed trials, no rank {rank}", best.len()),
            });
        };
        let path = self
            .project_dir()
            .join(format!("trial_{}", trial.trial_id))
            .join("checkpoint.safetensors");
        let mut model = M::new_zeroed();
        model.load_weights(&path)?;
        Ok(model)
    }

    /// Keras Tuner's `results_summary(num_trials)`: the folder, the
    /// objective, then the `num_trials` best trials with their
    /// hyperparameters and score.
    pub fn results_summary(&self, num_trials: usize) -> String {
        let mut s = String::new();
        let direction = if self.mode() == Mode::Max { "max" } else { "min" };
        let _ = writeln!(s, "Results summary");
        let _ = writeln!(s, "Results in {}", self.project_dir().display());
        let _ = writeln!(s, "Showing {num_trials} best trials");
        let _ = writeln!(s, "Objective(name=\"{}\", direction=\"{direction}\")", self.objective);
        for t in self.get_best_trials(num_trials) {
            let _ = writeln!(s, "\nTrial {} summary", t.trial_id);
            let _ = writeln!(s, "Hyperparameters:");
            for (name, value) in &t.hyperparameters {
                let _ = writeln!(s, "{name}: {value}");
            }
            if let Some(score) = t.score {
                let _ = writeln!(s, "Score: {score}");
            }
        }
        s
    }
}

/// `trial 03: n_hidden=2 n_neurons=75 ... val_accuracy 0.8642 (epoch 7) 41.2 s`.
pub(crate) fn trial_line(t: &TrialRecord, objective: &str) -> String {
    let hp: Vec<String> = t.hyperparameters.iter().map(|(n, v)| format!("{n}={v}")).collect();
    format!(
        "trial {}: {} {objective} {:.4} (epoch {}) {:.1} s",
        t.trial_id,
        hp.join(" "),
        t.score.unwrap_or(f64::NAN),
        t.best_step.map_or(0, |e| e + 1),
        t.seconds.unwrap_or(0.0)
    )
}
