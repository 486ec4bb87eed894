//! The oracle: which trial comes next, given the trials launched so far,
//! for each algorithm, and when it must wait for running trials' scores.
//!
//! A trial's values are a function of the trials before it only, never of
//! the order in which trials finish: with several trials running at once,
//! the oracle hands out a trial only when every score it depends on is
//! known, so a search proposes the same trials whether its trials run one at
//! a time or side by side.
//! - Random search: a trial depends on the values of the trials before it
//!   (not their scores), so every trial is ready at once.
//! - Hyperband: new random trials are ready at once; a promotion waits until
//!   the whole previous round of its bracket has completed (Keras Tuner
//!   promotes as soon as enough of the round has finished, so with several
//!   workers its choice depends on which finished first).
//! - Bayesian optimisation: the initial random trials are ready at once; each
//!   trial the Gaussian process proposes waits for every earlier trial (Keras
//!   Tuner fits the process to the completed trials only, ignoring running
//!   ones, so with several workers its proposals depend on timing).

use super::bayesian;
use super::hyperband::{Hyperband, Plan};
use super::project::{Status, TrialRecord};
use super::random;
use super::space::{Param, active_values};
use crate::{Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Which algorithm proposes the trials.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Algorithm {
    Random {
        max_trials: usize,
    },
    Hyperband {
        max_epochs: usize,
        factor: usize,
        iterations: usize,
    },
    Bayesian {
        max_trials: usize,
        alpha: f64,
        beta: f64,
    },
}

impl Algorithm {
    /// The name `oracle.json` records (`max_trials` left out: it may grow
    /// between runs, as in Keras Tuner).
    pub(crate) fn name(self) -> String {
        match self {
            Algorithm::Random { .. } => "RandomSearch".into(),
            Algorithm::Hyperband {
                max_epochs,
                factor,
                iterations,
            } => format!("Hyperband({max_epochs}, {factor}, {iterations})"),
            Algorithm::Bayesian { alpha, beta, .. } => {
                format!("BayesianOptimization({alpha}, {beta})")
            }
        }
    }

    /// Trial `index`'s id: `00`, `01`, ... (`0000`, ... for Hyperband).
    pub(crate) fn trial_id(self, index: usize) -> String {
        match self {
            Algorithm::Hyperband { .. } => format!("{index:04}"),
            _ => format!("{index:02}"),
        }
    }
}

/// Orders trial ids as the numbers they are (`99` before `100`).
pub(crate) fn id_key(id: &str) -> (usize, &str) {
    (id.len(), id)
}

/// What the oracle says about the next trial.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Next {
    /// Run this trial.
    Run(Plan),
    /// It depends on the score of a trial still running.
    Wait,
    /// The search has no more trials.
    Done,
}

/// The oracle of one search.
#[derive(Debug)]
pub(crate) struct Oracle<'a> {
    algorithm: Algorithm,
    space: &'a [Param],
    seed: u64,
    maximize: bool,
    hyperband: Option<Hyperband>,
}

impl<'a> Oracle<'a> {
    /// An error for Hyperband settings it cannot run.
    pub(crate) fn new(
        algorithm: Algorithm,
        space: &'a [Param],
        seed: u64,
        maximize: bool,
    ) -> Result<Self> {
        let hyperband = match algorithm {
            Algorithm::Hyperband {
                max_epochs,
                factor,
                iterations,
            } => {
                if max_epochs < 1 || factor < 2 || iterations < 1 {
                    return Err(Error::InvalidArgument {
                        name: "hyperband",
                        message: format!(
                            "Hyperband needs max_epochs >= 1, factor >= 2 and hyperband_iterations \
                             >= 1 (found {max_epochs}, {factor}, {iterations})"
                        ),
                    });
                }
                Some(Hyperband::new(max_epochs, factor, iterations))
            }
            Algorithm::Random { .. } | Algorithm::Bayesian { .. } => None,
        };
        Ok(Self {
            algorithm,
            space,
            seed,
            maximize,
            hyperband,
        })
    }

    /// Trial `index` (id `id`), given every trial launched so far
    /// (`trials`: completed ones with their score, running ones without).
    /// After [`Next::Wait`] the oracle is unchanged: ask again once a
    /// running trial has completed.
    pub(crate) fn next(&mut self, index: usize, id: &str, trials: &[TrialRecord]) -> Next {
        let earlier: Vec<TrialRecord> = trials
            .iter()
            .filter(|t| id_key(&t.trial_id) < id_key(id))
            .cloned()
            .collect();
        let tried: Vec<_> = earlier.iter().map(|t| t.hyperparameters.clone()).collect();
        let random = || {
            random::trial_values(self.space, self.seed, index, &tried)
                .map(|v| active_values(self.space, &v))
        };
        let plan = match (&mut self.hyperband, self.algorithm) {
            (Some(oracle), _) => return oracle.next(id, &earlier, self.maximize, random),
            (None, Algorithm::Random { max_trials }) if index < max_trials => {
                random().map(Plan::new)
            }
            (
                None,
                Algorithm::Bayesian {
                    max_trials,
                    alpha,
                    beta,
                },
            ) if index < max_trials => {
                if index < (3 * self.space.len()).max(3) {
                    random().map(Plan::new)
                } else if earlier.iter().any(|t| t.status != Status::Completed) {
                    return Next::Wait;
                } else {
                    let sign = if self.maximize { -1.0 } else { 1.0 };
                    let done: Vec<_> = earlier
                        .iter()
                        .filter_map(|t| Some((t.hyperparameters.clone(), sign * t.score?)))
                        .collect();
                    let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
                    rng.set_stream(u64::MAX - index as u64);
                    bayesian::propose(self.space, &done, alpha, beta, &mut rng)
                        .map(|v| active_values(self.space, &v))
                        .or_else(random)
                        .map(Plan::new)
                }
            }
            (None, _) => None,
        };
        plan.map_or(Next::Done, Next::Run)
    }
}
