//! [`Tuner`]: Keras Tuner's search loop, project folder and results.

use super::oracle::{Algorithm, Oracle};
use super::project::{OracleRecord, Project, TrialRecord};
use super::schedule::{DEFAULT_PARALLEL_TRIALS, Schedule, TrialContext};
use super::space::{HyperParameters, Param};
use crate::history::History;
use crate::io::WeightsFile;
use crate::train::{Mode, ModelCheckpoint};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One trial as the code that trains it sees it: its id, folder and
/// hyperparameters, and the callbacks that record it for the tuner.
#[derive(Debug)]
pub struct Trial<'a> {
    pub(super) id: &'a str,
    pub(super) dir: PathBuf,
    pub(super) hp: &'a HyperParameters,
    pub(super) objective: &'a str,
    pub(super) epochs: Option<usize>,
    pub(super) initial_epoch: usize,
    pub(super) resume_from: Option<PathBuf>,
    pub(super) threads: usize,
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

    /// The epochs `fit` trains up to: Hyperband's budget for this trial,
    /// else `default` (pass it to [`Fit::epochs`](crate::train::Fit::epochs),
    /// as Keras Tuner sets `fit`'s `epochs`).
    pub fn epochs(&self, default: usize) -> usize {
        self.epochs.unwrap_or(default)
    }

    /// The epoch `fit` starts at (Hyperband's promoted trials continue
    /// where the trial they resume stopped; 0 otherwise): pass it to
    /// [`Fit::initial_epoch`](crate::train::Fit::initial_epoch).
    pub fn initial_epoch(&self) -> usize {
        self.initial_epoch
    }

    /// For a trial that Hyperband promoted, loads the weights of the trial
    /// it continues (that trial's checkpoint) into `model` and returns
    /// true; otherwise leaves `model` as it is and returns false.
    pub fn load_resumed_weights<M: WeightsFile>(&self, model: &mut M) -> Result<bool> {
        match &self.resume_from {
            Some(path) => model.load_weights(path).map(|()| true),
            None => Ok(false),
        }
    }

    /// The threads this trial may train on: pass it to
    /// [`Fit::threads`](crate::train::Fit::threads). A trial that runs
    /// beside others gets its share of the search's threads
    /// ([`Tuner::parallel_trials`]); one that runs alone gets them all. A
    /// trial's results do not depend on it (training is bit for bit the same
    /// on any number of threads), only its time does.
    pub fn threads(&self) -> usize {
        self.threads
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
/// Trials can run side by side ([`Tuner::parallel_trials`]; default one
/// at a time): pass [`Trial::threads`] to
/// [`Fit::threads`](crate::train::Fit::threads) so that each trains on its
/// share (without it, every trial would start a thread per core).
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
///         let options = Fit::epochs(5).threads(trial.threads()).verbose(0);
///         trainer.fit(&x, &y, options.callback(trial.save_best_epoch()))
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
    directory: PathBuf,
    project_name: String,
    overwrite: bool,
    verbose: bool,
    parallel_trials: Option<usize>,
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
            algorithm: Algorithm::Random { max_trials },
            objective: objective.into(),
            seed,
            directory: PathBuf::from("."),
            project_name: "untitled_project".into(),
            overwrite: false,
            verbose: true,
            parallel_trials: None,
            space: Vec::new(),
            trials: Vec::new(),
        }
    }

    /// Hyperband (Keras Tuner's `Hyperband(objective=..., max_epochs=...,
    /// factor=..., hyperband_iterations=..., seed=...)`, Li et al. 2018):
    /// brackets of random trials trained for a few epochs, the best of
    /// each round promoted to `factor` times the epochs, continuing from
    /// its checkpoint ([`Trial::epochs`], [`Trial::initial_epoch`],
    /// [`Trial::load_resumed_weights`]); `hyperband_iterations` sweeps of
    /// all brackets. The schedule is Keras Tuner 1.4.8's, trial for trial.
    pub fn hyperband(
        objective: &str,
        max_epochs: usize,
        factor: usize,
        hyperband_iterations: usize,
        seed: u64,
    ) -> Self {
        Self {
            algorithm: Algorithm::Hyperband {
                max_epochs,
                factor,
                iterations: hyperband_iterations,
            },
            ..Self::random_search(objective, 0, seed)
        }
    }

    /// Bayesian optimisation (Keras Tuner's `BayesianOptimization(objective=...,
    /// max_trials=..., alpha=..., beta=..., seed=...)`; Keras Tuner's
    /// defaults are `alpha = 1e-4`, `beta = 2.6`): random trials until
    /// `max(3 x parameters, 3)` have completed, then each trial at the
    /// minimum of the upper confidence bound `mu - beta * sigma` of a
    /// Gaussian process (Matérn 5/2, `alpha` on its diagonal) fitted to the
    /// scores so far.
    pub fn bayesian_optimization(
        objective: &str,
        max_trials: usize,
        alpha: f64,
        beta: f64,
        seed: u64,
    ) -> Self {
        Self {
            algorithm: Algorithm::Bayesian {
                max_trials,
                alpha,
                beta,
            },
            ..Self::random_search(objective, 0, seed)
        }
    }

    setters! {
        /// The folder holding the project (Keras Tuner's `directory`; default
        /// the current folder).
        directory: impl Into<PathBuf> => Into::into,
        /// The project's folder name (default `untitled_project`).
        project_name: &str => Into::into,
        /// Empties the project folder before searching (Keras Tuner's
        /// `overwrite`; default false: a search resumes).
        overwrite: bool,
        /// Prints a line per trial (default true).
        verbose: bool,
        /// How many trials run at once (Keras Tuner's distributed workers, on
        /// one machine); default: one at a time, on every thread. The search's
        /// threads (`MLP_NUM_THREADS`, else every core) are shared among the
        /// trials running ([`Trial::threads`]). The trials, their scores and
        /// the winner are the same for any number: a trial that depends on
        /// others' scores (a Hyperband promotion, a Bayesian proposal) waits for
        /// them. 0 is an error when the search starts. On the book's search on
        /// a quiet 2-core Xeon, one trial at a time on two threads was 1.47x
        /// faster than two at a time on one thread each (`docs/tuning.md`),
        /// hence the default; trials of even sizes on more cores may gain.
        parallel_trials: usize => Some,
    }

    /// `<directory>/<project_name>`.
    pub fn project_dir(&self) -> PathBuf {
        self.directory.join(&self.project_name)
    }

    fn mode(&self) -> Mode {
        Mode::Auto.resolve(&self.objective)
    }

    /// Runs the search; see [`Tuner`]. Up to
    /// [`parallel_trials`](Tuner::parallel_trials) trials run at once, each
    /// on its own thread, so `space` and `run` are called from several
    /// threads (hence `Sync`).
    pub fn search<T>(
        &mut self,
        space: impl Fn(&mut HyperParameters) -> Result<T> + Sync,
        run: impl Fn(&T, &mut Trial<'_>) -> Result<History> + Sync,
    ) -> Result<()> {
        let mut declared = HyperParameters::declaring();
        space(&mut declared)?;
        self.space = declared.space().to_vec();
        let threads = crate::pool::Pool::default_threads()?;
        let workers = match self.parallel_trials {
            Some(0) => {
                return Err(Error::InvalidArgument {
                    name: "parallel_trials",
                    message: "is 0; at least one trial must run at a time".into(),
                });
            }
            Some(n) => n,
            None => DEFAULT_PARALLEL_TRIALS,
        };
        let oracle = OracleRecord {
            tuner: self.algorithm.name(),
            objective: self.objective.clone(),
            seed: self.seed,
            space: self.space.clone(),
        };
        let (project, trials) = Project::open(&self.project_dir(), self.overwrite, &oracle)?;
        self.trials = trials;
        let context = TrialContext {
            project: &project,
            space: &self.space,
            objective: &self.objective,
            mode: self.mode(),
            hyperband: matches!(self.algorithm, Algorithm::Hyperband { .. }),
        };
        let oracle = Oracle::new(
            self.algorithm,
            &self.space,
            self.seed,
            context.mode == Mode::Max,
        )?;
        let schedule = Schedule {
            algorithm: self.algorithm,
            oracle,
            workers,
            threads,
            verbose: self.verbose,
        };
        schedule.run(&context, &mut self.trials, &space, &run)
    }

    /// Every trial, in id order (completed ones with their score).
    pub fn trials(&self) -> &[TrialRecord] {
        &self.trials
    }

    /// The `n` best completed trials, best first (Keras Tuner's
    /// `oracle.get_best_trials`).
    pub fn get_best_trials(&self, n: usize) -> Vec<&TrialRecord> {
        let mut done: Vec<&TrialRecord> =
            self.trials.iter().filter(|t| t.score.is_some()).collect();
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
        let direction = if self.mode() == Mode::Max {
            "max"
        } else {
            "min"
        };
        let _ = writeln!(s, "Results summary");
        let _ = writeln!(s, "Results in {}", self.project_dir().display());
        let _ = writeln!(s, "Showing {num_trials} best trials");
        let _ = writeln!(
            s,
            "Objective(name=\"{}\", direction=\"{direction}\")",
            self.objective
        );
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
    let hp: Vec<String> = t
        .hyperparameters
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    format!(
        "trial {}: {} {objective} {:.4} (epoch {}) {:.1} s",
        t.trial_id,
        hp.join(" "),
        t.score.unwrap_or(f64::NAN),
        t.best_step.map_or(0, |e| e + 1),
        t.seconds.unwrap_or(0.0)
    )
}
