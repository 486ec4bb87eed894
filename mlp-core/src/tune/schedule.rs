//! Running the trials: up to `parallel_trials` at once, each on its own
//! thread with its share of the search's threads, in the order the oracle
//! hands them out, recorded in the project folder as they start and end.
//!
//! A trial is launched only when the oracle says it is ready
//! ([`Next::Wait`] otherwise), and training is bit for bit the same on any
//! number of threads, so the trials and their scores do not depend on how
//! many run at once; only the time does.

use super::hyperband::Plan;
use super::oracle::{Algorithm, Next, Oracle, id_key};
use super::project::{Project, Status, TrialRecord};
use super::space::{HyperParameters, Param};
use super::tuner::{Trial, trial_line};
use crate::history::History;
use crate::train::Mode;
use crate::{Error, Result};
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::mpsc;
use std::time::Instant;

/// Trials run at once when [`Tuner::parallel_trials`](super::Tuner::parallel_trials)
/// is not set: one, on every thread. On a quiet machine one trial at a time
/// on two threads ran the book's search 1.47x faster than two trials on one
/// thread each, whose last trial runs alone on one thread (`docs/tuning.md`).
pub(crate) const DEFAULT_PARALLEL_TRIALS: usize = 1;

/// What one trial needs from the search, shared by the threads that run
/// trials.
#[derive(Debug)]
pub(crate) struct TrialContext<'a> {
    pub project: &'a Project,
    pub space: &'a [Param],
    pub objective: &'a str,
    pub mode: Mode,
    pub hyperband: bool,
}

impl TrialContext<'_> {
    /// The record of trial `id` as it starts.
    fn running(&self, id: &str, plan: &Plan) -> TrialRecord {
        TrialRecord {
            trial_id: id.to_owned(),
            hyperparameters: plan.values.clone(),
            score: None,
            best_step: None,
            status: Status::Running,
            seconds: None,
            epochs: self.hyperband.then_some(plan.epochs),
            initial_epoch: self.hyperband.then_some(plan.initial_epoch),
            resumed_from: plan.resume_from.clone(),
        }
    }

    /// Trains trial `record` (already saved as running) on `threads`
    /// threads and saves it completed.
    fn run<T>(
        &self,
        mut record: TrialRecord,
        threads: usize,
        space: &impl Fn(&mut HyperParameters) -> Result<T>,
        run: &impl Fn(&T, &mut Trial<'_>) -> Result<History>,
    ) -> Result<TrialRecord> {
        let started = Instant::now();
        let mut hp = HyperParameters::with_values(self.space, record.hyperparameters.clone());
        let input = space(&mut hp)?;
        let id = record.trial_id.clone();
        let mut trial = Trial {
            id: &id,
            dir: self.project.trial_dir(&id),
            hp: &hp,
            objective: self.objective,
            epochs: record.epochs,
            initial_epoch: record.initial_epoch.unwrap_or(0),
            resume_from: record
                .resumed_from
                .as_ref()
                .map(|past| self.project.trial_dir(past).join("checkpoint.safetensors")),
            threads,
        };
        let history = run(&input, &mut trial)?;
        let (best_step, score) = self.best_epoch(&history, &id)?;
        record.score = Some(score);
        record.best_step = Some(best_step + record.initial_epoch.unwrap_or(0));
        record.status = Status::Completed;
        record.seconds = Some(started.elapsed().as_secs_f64());
        self.project.save(&record)?;
        Ok(record)
    }

    /// The epoch with the best objective, and that value.
    fn best_epoch(&self, history: &History, id: &str) -> Result<(usize, f64)> {
        let Some(values) = history.get(self.objective) else {
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
        let mut best: Option<(usize, f64)> = None;
        for (i, &v) in values.iter().enumerate() {
            if self.mode.improves(v, best.map(|b| b.1), 0.0) {
                best = Some((i, v));
            }
        }
        best.ok_or_else(|| Error::InvalidArgument {
            name: "objective",
            message: format!("trial {id}: no finite `{}` in its History", self.objective),
        })
    }
}

/// Why a search stopped early: the first trial's error, or its panic
/// (raised again once every running trial has ended).
enum Failure {
    Error(Error),
    Panic(Box<dyn Any + Send>),
}

/// A finished trial, from the thread that ran it: its threads and outcome.
type Outcome = (usize, std::thread::Result<Result<TrialRecord>>);

/// The search's loop over trials.
pub(crate) struct Schedule<'a> {
    pub algorithm: Algorithm,
    pub oracle: Oracle<'a>,
    /// Trials at most running at once.
    pub workers: usize,
    /// Threads shared by the running trials.
    pub threads: usize,
    pub verbose: bool,
}

impl Schedule<'_> {
    /// Runs every trial the oracle hands out, keeping `trials` (every
    /// trial, in id order) up to date. The first error or panic of a trial
    /// stops the launching of new ones; the running ones end (and are
    /// recorded), then it is returned (or raised again).
    pub(crate) fn run<T>(
        mut self,
        context: &TrialContext<'_>,
        trials: &mut Vec<TrialRecord>,
        space: &(impl Fn(&mut HyperParameters) -> Result<T> + Sync),
        run: &(impl Fn(&T, &mut Trial<'_>) -> Result<History> + Sync),
    ) -> Result<()> {
        let (sender, receiver) = mpsc::channel::<Outcome>();
        let mut failure: Option<Failure> = None;
        std::thread::scope(|scope| {
            let (mut index, mut running, mut busy, mut done) = (0, 0, 0, false);
            loop {
                let mut launch = Vec::new();
                while failure.is_none() && !done && running + launch.len() < self.workers {
                    let id = self.algorithm.trial_id(index);
                    let plan = match self.oracle.next(index, &id, trials) {
                        Next::Run(plan) => plan,
                        Next::Wait => break,
                        Next::Done => {
                            done = true;
                            break;
                        }
                    };
                    index += 1;
                    let known = trials.iter().position(|t| t.trial_id == id);
                    if known.is_some_and(|i| trials[i].status == Status::Completed) {
                        continue;
                    }
                    let record = context.running(&id, &plan);
                    if let Err(e) = context.project.save(&record) {
                        failure = Some(Failure::Error(e));
                        break;
                    }
                    upsert(trials, record.clone());
                    launch.push(record);
                }
                // The threads free now, shared among the trials launched.
                let (free, count) = (self.threads.saturating_sub(busy), launch.len());
                for (i, record) in launch.into_iter().enumerate() {
                    let threads = (free / count + usize::from(i < free % count)).max(1);
                    let sender = sender.clone();
                    let spawned = std::thread::Builder::new()
                        .name(format!("trial {}", record.trial_id))
                        .spawn_scoped(scope, move || {
                            let outcome = catch_unwind(AssertUnwindSafe(|| {
                                context.run(record, threads, space, run)
                            }));
                            // The receiver outlives every trial's thread.
                            let _ = sender.send((threads, outcome));
                        });
                    match spawned {
                        Ok(_) => (running, busy) = (running + 1, busy + threads),
                        Err(source) => {
                            failure.get_or_insert(Failure::Error(Error::Io {
                                path: context.project.dir.clone(),
                                source,
                            }));
                        }
                    }
                }
                if running == 0 {
                    if !done && failure.is_none() {
                        failure = Some(Failure::Error(Error::InvalidArgument {
                            name: "parallel_trials",
                            message: format!(
                                "the oracle waits for a score with no trial running (trial {})",
                                self.algorithm.trial_id(index)
                            ),
                        }));
                    }
                    break;
                }
                // Every launched trial sends once, and `sender` lives here.
                let Ok((threads, outcome)) = receiver.recv() else {
                    break;
                };
                (running, busy) = (running - 1, busy - threads);
                match outcome {
                    Ok(Ok(record)) => {
                        if self.verbose {
                            println!("{}", trial_line(&record, context.objective));
                        }
                        upsert(trials, record);
                    }
                    Ok(Err(e)) => {
                        failure.get_or_insert(Failure::Error(e));
                    }
                    Err(payload) => {
                        failure.get_or_insert(Failure::Panic(payload));
                    }
                }
            }
        });
        match failure {
            None => Ok(()),
            Some(Failure::Error(e)) => Err(e),
            Some(Failure::Panic(payload)) => resume_unwind(payload),
        }
    }
}

/// Puts `record` in `trials` (replacing the trial of its id), in id order.
fn upsert(trials: &mut Vec<TrialRecord>, record: TrialRecord) {
    match trials.iter().position(|t| t.trial_id == record.trial_id) {
        Some(i) => trials[i] = record,
        None => {
            let at = trials.partition_point(|t| id_key(&t.trial_id) < id_key(&record.trial_id));
            trials.insert(at, record);
        }
    }
}
