//! Hyperband (Li et al. 2018) as Keras Tuner 1.4's `HyperbandOracle` runs
//! it: brackets from the most aggressive down to plain random search, each
//! round's best trials promoted to the next round with `factor` times the
//! epochs, resumed from their checkpoint; `hyperband_iterations` sweeps.

use super::oracle::Next;
use super::project::{Status, TrialRecord};
use super::space::Value;
use std::collections::BTreeMap;

/// One trial of the schedule: its values, its epochs, and the trial it
/// continues (a promotion) or none (a new random trial).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Plan {
    pub values: BTreeMap<String, Value>,
    pub epochs: usize,
    pub initial_epoch: usize,
    pub resume_from: Option<String>,
}

impl Plan {
    /// A new trial of `values` for the epochs `fit` is given.
    pub(crate) fn new(values: BTreeMap<String, Value>) -> Self {
        Self {
            values,
            epochs: 0,
            initial_epoch: 0,
            resume_from: None,
        }
    }
}

#[derive(Clone, Debug)]
struct Bracket {
    num: usize,
    /// Per round: `(past trial, this trial)`.
    rounds: Vec<Vec<(Option<String>, String)>>,
}

/// Keras Tuner's Hyperband oracle (its schedule for one worker, whatever
/// the number of trials running at once).
#[derive(Clone, Debug)]
pub(crate) struct Hyperband {
    max_epochs: usize,
    factor: usize,
    iterations: usize,
    current_bracket: usize,
    current_iteration: usize,
    brackets: Vec<Bracket>,
}

impl Hyperband {
    pub(crate) fn new(max_epochs: usize, factor: usize, iterations: usize) -> Self {
        let mut oracle = Self {
            max_epochs,
            factor,
            iterations,
            current_bracket: 0,
            current_iteration: 0,
            brackets: Vec::new(),
        };
        oracle.current_bracket = oracle.num_brackets() - 1;
        oracle.start_bracket();
        oracle
    }

    /// Brackets: how many times `max_epochs` divides by `factor` down to 1
    /// epoch (Keras Tuner's `_get_num_brackets`, in floats).
    fn num_brackets(&self) -> usize {
        let mut epochs = self.max_epochs as f64;
        let mut brackets = 0;
        while epochs >= 1.0 {
            epochs /= self.factor as f64;
            brackets += 1;
        }
        brackets
    }

    /// Trials in round `round` of bracket `bracket` (`_get_size`).
    fn size(&self, bracket: usize, round: usize) -> usize {
        let end0 = (1.0 + (self.max_epochs as f64).ln() / (self.factor as f64).ln()).ceil();
        let end = end0 / (bracket + 1) as f64;
        (end * (self.factor as f64).powi(bracket as i32 - round as i32)).ceil() as usize
    }

    /// Epochs of round `round` of bracket `bracket` (`_get_epochs`).
    pub(crate) fn epochs(&self, bracket: usize, round: usize) -> usize {
        (self.max_epochs as f64 / (self.factor as f64).powi(bracket as i32 - round as i32)).ceil()
            as usize
    }

    fn start_bracket(&mut self) {
        self.brackets.push(Bracket {
            num: self.current_bracket,
            rounds: vec![Vec::new(); self.current_bracket + 1],
        });
    }

    /// The next trial, `id`, given the trials before it (`trials`: completed
    /// ones with their score, running ones without) and a source of new
    /// random values. A promotion waits until the whole previous round of
    /// its bracket has completed, so the schedule is the same whether
    /// trials run one at a time or side by side; on [`Next::Wait`] the
    /// oracle is unchanged.
    pub(crate) fn next(
        &mut self,
        id: &str,
        trials: &[TrialRecord],
        maximize: bool,
        mut random: impl FnMut() -> Option<BTreeMap<String, Value>>,
    ) -> Next {
        let mut brackets = std::mem::take(&mut self.brackets);
        brackets.retain(|b| {
            let last = b.rounds.len() - 1;
            b.rounds[last].len() != self.size(b.num, last)
        });
        self.brackets = brackets;
        for bi in 0..self.brackets.len() {
            let bracket = &self.brackets[bi];
            if bracket.rounds[0].len() < self.size(bracket.num, 0) {
                return self.random_trial(bi, id, &mut random);
            }
            for round in 1..bracket.rounds.len() {
                if bracket.rounds[round].len() >= self.size(bracket.num, round) {
                    continue;
                }
                // Keras Tuner promotes once `candidates + size > past size`;
                // with every trial of the past round completed, that is
                // while the round is not full.
                let selected: Vec<&String> = bracket.rounds[round]
                    .iter()
                    .filter_map(|(past, _)| past.as_ref())
                    .collect();
                let past: Option<Vec<&TrialRecord>> = bracket.rounds[round - 1]
                    .iter()
                    .map(|(_, tid)| {
                        trials
                            .iter()
                            .find(|t| &t.trial_id == tid && t.status == Status::Completed)
                    })
                    .collect();
                let Some(past) = past else {
                    return Next::Wait;
                };
                let mut candidates: Vec<&TrialRecord> = past
                    .into_iter()
                    .filter(|t| !selected.contains(&&t.trial_id) && t.score.is_some())
                    .collect();
                candidates.sort_by(|a, b| {
                    let order = a
                        .score
                        .unwrap_or(f64::NAN)
                        .total_cmp(&b.score.unwrap_or(f64::NAN));
                    if maximize { order.reverse() } else { order }
                });
                let Some(best) = candidates.first() else {
                    return Next::Done;
                };
                let plan = Plan {
                    values: best.hyperparameters.clone(),
                    epochs: self.epochs(bracket.num, round),
                    initial_epoch: self.epochs(bracket.num, round - 1),
                    resume_from: Some(best.trial_id.clone()),
                };
                let past = Some(best.trial_id.clone());
                self.brackets[bi].rounds[round].push((past, id.to_owned()));
                return Next::Run(plan);
            }
        }
        if self.current_bracket == 0 && self.current_iteration + 1 == self.iterations {
            return Next::Done;
        }
        if self.current_bracket == 0 {
            self.current_bracket = self.num_brackets() - 1;
            self.current_iteration += 1;
        } else {
            self.current_bracket -= 1;
        }
        self.start_bracket();
        let last = self.brackets.len() - 1;
        self.random_trial(last, id, &mut random)
    }

    fn random_trial(
        &mut self,
        bi: usize,
        id: &str,
        random: &mut impl FnMut() -> Option<BTreeMap<String, Value>>,
    ) -> Next {
        let Some(values) = random() else {
            return Next::Done;
        };
        let num = self.brackets[bi].num;
        self.brackets[bi].rounds[0].push((None, id.to_owned()));
        Next::Run(Plan {
            values,
            epochs: self.epochs(num, 0),
            initial_epoch: 0,
            resume_from: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schedule of the book's search (max_epochs 10, factor 3), as
    /// Keras Tuner 1.4.8's `HyperbandOracle` gives it (trials created and
    /// completed one at a time; `(epochs, initial_epoch)` of each).
    #[test]
    fn book_schedule() {
        let one: Vec<(usize, usize)> = [(2, 0); 12]
            .into_iter()
            .chain([(4, 2); 4])
            .chain([(10, 4); 2])
            .chain([(4, 0); 6])
            .chain([(10, 4); 2])
            .chain([(10, 0); 4])
            .collect();
        let (plans, news) = schedule(1);
        assert_eq!(plans, one);
        assert_eq!(news, 22);
        let (plans, news) = schedule(2);
        assert_eq!(plans, [one.clone(), one].concat());
        assert_eq!(news, 44);
    }

    /// `(epochs, initial_epoch)` of every trial, and how many are new.
    fn schedule(iterations: usize) -> (Vec<(usize, usize)>, usize) {
        let plans = run(iterations, 1);
        let news = plans.iter().filter(|p| p.resume_from.is_none()).count();
        (
            plans.iter().map(|p| (p.epochs, p.initial_epoch)).collect(),
            news,
        )
    }

    /// Every plan of a search with `workers` trials at most running at
    /// once, the last launched completing first; a trial's score is a
    /// function of its random values that does not grow with the id.
    fn run(iterations: usize, workers: usize) -> Vec<Plan> {
        let mut oracle = Hyperband::new(10, 3, iterations);
        assert_eq!(oracle.num_brackets(), 3);
        let mut trials: Vec<TrialRecord> = Vec::new();
        let mut plans = Vec::new();
        let mut running: Vec<usize> = Vec::new();
        let mut n = 0;
        let mut done = false;
        while !done || !running.is_empty() {
            while !done && running.len() < workers {
                let id = format!("{:04}", trials.len());
                let next = oracle.next(&id, &trials, true, || {
                    n += 1;
                    Some(BTreeMap::from([("n".to_string(), Value::Int(n))]))
                });
                let plan = match next {
                    Next::Run(plan) => plan,
                    Next::Wait => {
                        assert!(!running.is_empty(), "waits with nothing running");
                        break;
                    }
                    Next::Done => {
                        done = true;
                        break;
                    }
                };
                running.push(trials.len());
                trials.push(TrialRecord {
                    trial_id: id,
                    score: None,
                    hyperparameters: plan.values.clone(),
                    best_step: None,
                    status: Status::Running,
                    seconds: None,
                    epochs: Some(plan.epochs),
                    initial_epoch: Some(plan.initial_epoch),
                    resumed_from: plan.resume_from.clone(),
                });
                plans.push(plan);
            }
            if let Some(i) = running.pop() {
                let t = &mut trials[i];
                let Value::Int(v) = t.hyperparameters["n"] else {
                    unreachable!()
                };
                t.score = Some(((v * 7) % 11) as f64 + t.epochs.unwrap_or(0) as f64);
                t.status = Status::Completed;
            }
        }
        plans
    }

    /// With 2, 3 or 13 trials running at once, every trial (its values, its
    /// epochs, the trial it continues) is the one a single worker runs.
    #[test]
    fn the_schedule_does_not_depend_on_the_workers() {
        for iterations in [1, 2] {
            let one = run(iterations, 1);
            assert_eq!(one.len(), 30 * iterations);
            assert!(one.iter().any(|p| p.resume_from.is_some()));
            for workers in [2, 3, 13] {
                assert_eq!(run(iterations, workers), one, "{workers} workers");
            }
        }
    }

    /// A promotion waits for the whole round, and waiting leaves the oracle
    /// as it was.
    #[test]
    fn a_promotion_waits_for_its_round() {
        let mut oracle = Hyperband::new(10, 3, 1);
        let mut trials = Vec::new();
        for i in 0..12 {
            let id = format!("{i:04}");
            let Next::Run(plan) = oracle.next(&id, &trials, true, || {
                Some(BTreeMap::from([("n".to_string(), Value::Int(i))]))
            }) else {
                panic!("trial {i} of the first round is ready");
            };
            trials.push(TrialRecord {
                trial_id: id,
                score: Some(i as f64),
                hyperparameters: plan.values,
                best_step: Some(0),
                status: Status::Completed,
                seconds: None,
                epochs: Some(plan.epochs),
                initial_epoch: Some(0),
                resumed_from: None,
            });
        }
        trials[5].status = Status::Running;
        trials[5].score = None;
        let mut fresh = || Some(BTreeMap::new());
        assert_eq!(oracle.next("0012", &trials, true, &mut fresh), Next::Wait);
        assert_eq!(oracle.next("0012", &trials, true, &mut fresh), Next::Wait);
        trials[5].status = Status::Completed;
        trials[5].score = Some(5.0);
        let Next::Run(plan) = oracle.next("0012", &trials, true, &mut fresh) else {
            panic!("the round completed");
        };
        assert_eq!(plan.resume_from.as_deref(), Some("0011"));
        assert_eq!((plan.epochs, plan.initial_epoch), (4, 2));
    }
}
