//! Random search (Keras Tuner's `RandomSearch`): every active parameter
//! drawn uniformly (floats with `Sampling::Log` uniformly in the
//! logarithm), a combination already tried drawn again.

use super::space::{Kind, Param, Sampling, Value};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// How many draws random search makes for a new combination before it
/// gives up (Keras Tuner's `max_collisions` retries).
pub(crate) const MAX_COLLISIONS: usize = 100;

/// One value of `param`, uniformly.
pub(crate) fn draw(param: &Param, rng: &mut impl Rng) -> Value {
    match &param.kind {
        Kind::Int { min, max, step } => {
            let count = (max - min) / step + 1;
            Value::Int(min + rng.random_range(0..count) * step)
        }
        Kind::Float { min, max, sampling } => {
            let u: f64 = rng.random();
            Value::Float(match sampling {
                Sampling::Linear => min + u * (max - min),
                Sampling::Log => (min.ln() + u * (max.ln() - min.ln()))
                    .exp()
                    .clamp(*min, *max),
            })
        }
        Kind::Choice { values } => values[rng.random_range(0..values.len())].clone(),
        Kind::Boolean => Value::Bool(rng.random()),
    }
}

/// A random combination: each parameter in order, skipped when its
/// condition does not hold on the values drawn before it.
pub(crate) fn draw_all(space: &[Param], rng: &mut impl Rng) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for p in space {
        if let Some((parent, values)) = &p.condition
            && !out.get(parent).is_some_and(|v| values.contains(v))
        {
            continue;
        }
        out.insert(p.name.clone(), draw(p, rng));
    }
    out
}

/// Trial `index`'s values: a function of the seed and the index only (so a
/// resumed search draws what the killed one would have), avoiding the
/// combinations in `tried`. `None` once [`MAX_COLLISIONS`] draws all
/// collide (the space is exhausted).
pub(crate) fn trial_values(
    space: &[Param],
    seed: u64,
    index: usize,
    tried: &[BTreeMap<String, Value>],
) -> Option<BTreeMap<String, Value>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    (0..MAX_COLLISIONS)
        .map(|_| draw_all(space, &mut rng))
        .find(|values| !tried.contains(values))
}

#[cfg(test)]
mod tests {
    use super::super::space::{Choice, Float, HyperParameters, Int};
    use super::*;

    fn book_space() -> Vec<Param> {
        let mut hp = HyperParameters::new();
        hp.get(Int::new("n_hidden", 0, 8).default(2)).unwrap();
        hp.get(Float::log("learning_rate", 1e-4, 1e-2)).unwrap();
        hp.get(Choice::new("optimizer", ["sgd", "adam"])).unwrap();
        hp.space().to_vec()
    }

    #[test]
    fn draws_cover_the_range_and_log_spreads_decades() {
        let space = book_space();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let draws: Vec<_> = (0..4000).map(|_| draw_all(&space, &mut rng)).collect();
        let ints: Vec<i64> = draws
            .iter()
            .map(|d| match d["n_hidden"] {
                Value::Int(i) => i,
                _ => -1,
            })
            .collect();
        assert_eq!((ints.iter().min(), ints.iter().max()), (Some(&0), Some(&8)));
        // Log sampling: as many draws under 1e-3 as above it (each a decade).
        let below = draws
            .iter()
            .filter(|d| matches!(d["learning_rate"], Value::Float(x) if x < 1e-3))
            .count();
        assert!((1800..2200).contains(&below), "{below}");
        assert!(
            draws
                .iter()
                .all(|d| space.iter().all(|p| p.admits(&d[&p.name])))
        );
    }

    #[test]
    fn trials_are_reproducible_and_new() {
        let space = book_space();
        let first = trial_values(&space, 42, 0, &[]).unwrap();
        assert_eq!(trial_values(&space, 42, 0, &[]), Some(first.clone()));
        assert_ne!(
            trial_values(&space, 42, 0, std::slice::from_ref(&first)),
            Some(first.clone())
        );
        assert_ne!(trial_values(&space, 43, 0, &[]), Some(first));
        let tiny = {
            let mut hp = HyperParameters::new();
            hp.get(Int::new("k", 0, 1)).unwrap();
            hp.space().to_vec()
        };
        let all = [
            trial_values(&tiny, 1, 0, &[]).unwrap(),
            trial_values(&tiny, 1, 0, &[]).unwrap(),
        ];
        let other = trial_values(&tiny, 1, 1, &all[..1]).unwrap();
        assert_eq!(trial_values(&tiny, 1, 2, &[all[0].clone(), other]), None);
    }
}
