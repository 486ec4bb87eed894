//! Hyperband (Li et al. 2018) as Keras Tuner 1.4's `HyperbandOracle` runs
//! it: brackets from the most aggressive down to plain random search, each
//! round's best trials promoted to the next round with `factor` times the
//! epochs, resumed from their checkpoint; `hyperband_iterations` sweeps.

use super::project::TrialRecord;
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

/// Keras Tuner's Hyperband oracle, for one worker (trials complete in
/// order).
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

    /// The next trial, `id`, given the completed ones (`trials`, by id) and
    /// a source of new random values; `None` when the search is over.
    pub(crate) fn next(
        &mut self,
        id: &str,
        trials: &[TrialRecord],
        maximize: bool,
        mut random: impl FnMut() -> Option<BTreeMap<String, Value>>,
    ) -> Option<Plan> {
        let size = |o: &Self, b: &Bracket, r: usize| o.size(b.num, r);
        let mut brackets = std::mem::take(&mut self.brackets);
        brackets.retain(|b| {
            let last = b.rounds.len() - 1;
            b.rounds[last].len() != self.size(b.num, last)
        });
        self.brackets = brackets;
        for bi in 0..self.brackets.len() {
            let bracket = &self.brackets[bi];
            if bracket.rounds[0].len() < size(self, bracket, 0) {
                return self.random_trial(bi, id, &mut random);
            }
            for round in 1..bracket.rounds.len() {
                let selected: Vec<&String> = bracket.rounds[round]
                    .iter()
                    .filter_map(|(past, _)| past.as_ref())
                    .collect();
                let mut candidates: Vec<&TrialRecord> = bracket.rounds[round - 1]
                    .iter()
                    .filter(|(_, tid)| !selected.contains(&tid))
                    .filter_map(|(_, tid)| trials.iter().find(|t| &t.trial_id == tid))
                    .filter(|t| t.score.is_some())
                    .collect();
                // More ready than the round throws out: promote the best.
                let (n, past_n) = (size(self, bracket, round), size(self, bracket, round - 1));
                if candidates.len() + n > past_n {
                    candidates.sort_by(|a, b| {
                        let order = a
                            .score
                            .unwrap_or(f64::NAN)
                            .total_cmp(&b.score.unwrap_or(f64::NAN));
                        if maximize { order.reverse() } else { order }
                    });
                    let best = candidates[0];
                    let plan = Plan {
                        values: best.hyperparameters.clone(),
                        epochs: self.epochs(bracket.num, round),
                        initial_epoch: self.epochs(bracket.num, round - 1),
                        resume_from: Some(best.trial_id.clone()),
                    };
                    let past = Some(best.trial_id.clone());
                    self.brackets[bi].rounds[round].push((past, id.to_owned()));
                    return Some(plan);
                }
            }
        }
        if self.current_bracket == 0 && self.current_iteration + 1 == self.iterations {
            return None;
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
    ) -> Option<Plan> {
        let values = random()?;
        let num = self.brackets[bi].num;
        self.brackets[bi].rounds[0].push((None, id.to_owned()));
        Some(Plan {
            values,
            epochs: self.epochs(num, 0),
            initial_epoch: 0,
            resume_from: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::project::Status;
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
        let mut oracle = Hyperband::new(10, 3, iterations);
        assert_eq!(oracle.num_brackets(), 3);
        let mut trials: Vec<TrialRecord> = Vec::new();
        let mut plans = Vec::new();
        let mut n = 0;
        while let Some(plan) = oracle.next(&format!("{:04}", trials.len()), &trials, true, || {
            n += 1;
            Some(BTreeMap::from([("n".to_string(), Value::Int(n))]))
        }) {
            let id = format!("{:04}", trials.len());
            trials.push(TrialRecord {
                trial_id: id,
                score: Some(match plan.values["n"] {
                    Value::Int(v) => v as f64,
                    _ => 0.0,
                }),
                hyperparameters: plan.values.clone(),
                best_step: Some(0),
                status: Status::Completed,
                seconds: None,
                epochs: Some(plan.epochs),
                initial_epoch: Some(plan.initial_epoch),
                resumed_from: plan.resume_from.clone(),
            });
            plans.push((plan.epochs, plan.initial_epoch, plan.resume_from.is_some()));
        }
        let news = plans.iter().filter(|p| !p.2).count();
        (plans.iter().map(|p| (p.0, p.1)).collect(), news)
    }
}
