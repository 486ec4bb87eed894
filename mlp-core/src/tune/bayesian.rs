//! Bayesian optimisation as Keras Tuner 1.4's `BayesianOptimizationOracle`
//! runs it: random trials until `max(3 x dimensions, 3)` have completed,
//! then a Gaussian process (Matérn 5/2 kernel on the values mapped to
//! `[0, 1]`, `alpha` added to its diagonal, scores normalised) and the
//! point that minimises `mu - beta * sigma` of the (sign-flipped when
//! maximising) score.
//!
//! Keras Tuner minimises the bound with SciPy's L-BFGS-B from 50 random
//! starts; here each of the 50 starts is refined by a bounded pattern
//! search (halving steps from 0.1 to 1e-4), which needs no gradient.

use super::space::{Kind, Param, Sampling, Value};
use nalgebra::{DMatrix, DVector};
use rand::Rng;
use std::collections::BTreeMap;

/// A value as a point of `[0, 1]` (Keras Tuner's `value_to_prob`).
pub(crate) fn to_unit(param: &Param, value: &Value) -> f64 {
    match (&param.kind, value) {
        (Kind::Int { min, max, step }, Value::Int(v)) => {
            let n = ((max - min) / step + 1) as f64;
            (((v - min) / step) as f64 + 0.5) / n
        }
        (Kind::Float { min, max, sampling }, Value::Float(v)) => match sampling {
            _ if max == min => 0.5,
            Sampling::Linear => (v - min) / (max - min),
            Sampling::Log => (v / min).ln() / (max / min).ln(),
        },
        (Kind::Choice { values }, v) => {
            let i = values.iter().position(|c| c == v).unwrap_or(0);
            (i as f64 + 0.5) / values.len() as f64
        }
        (Kind::Boolean, Value::Bool(b)) => {
            if *b {
                0.75
            } else {
                0.25
            }
        }
        _ => 0.5,
    }
}

/// A point of `[0, 1]` as a value (Keras Tuner's `prob_to_value`).
pub(crate) fn from_unit(param: &Param, p: f64) -> Value {
    let p = p.clamp(0.0, 1.0);
    let index = |n: usize| ((p * n as f64).floor() as usize).min(n - 1);
    match &param.kind {
        Kind::Int { min, max, step } => {
            let n = ((max - min) / step + 1) as usize;
            Value::Int(min + index(n) as i64 * step)
        }
        Kind::Float { min, max, sampling } => Value::Float(match sampling {
            Sampling::Linear => min + p * (max - min),
            Sampling::Log => (min * (max / min).powf(p)).clamp(*min, *max),
        }),
        Kind::Choice { values } => values[index(values.len())].clone(),
        Kind::Boolean => Value::Bool(p > 0.5),
    }
}

/// The Matérn 5/2 kernel of two points (length scale 1).
fn matern(a: &[f64], b: &[f64]) -> f64 {
    let d = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
        * 5f64.sqrt();
    (1.0 + d + d * d / 3.0) * (-d).exp()
}

/// Keras Tuner's `GaussianProcessRegressor`: fitted once, then predicts a
/// mean and a standard deviation.
pub(crate) struct Gp {
    x: Vec<Vec<f64>>,
    chol: nalgebra::Cholesky<f64, nalgebra::Dyn>,
    weights: DVector<f64>,
    mean: f64,
    std: f64,
}

impl Gp {
    /// `None` if the kernel matrix is not positive definite.
    pub(crate) fn fit(x: Vec<Vec<f64>>, y: &[f64], alpha: f64) -> Option<Self> {
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let std = (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
        let std = if std > 0.0 { std } else { 1.0 };
        let yn = DVector::from_iterator(y.len(), y.iter().map(|v| (v - mean) / std));
        let k = DMatrix::from_fn(x.len(), x.len(), |i, j| {
            matern(&x[i], &x[j]) + if i == j { alpha } else { 0.0 }
        });
        let chol = k.cholesky()?;
        let weights = chol.solve(&yn);
        Some(Self {
            x,
            chol,
            weights,
            mean,
            std,
        })
    }

    /// Mean and standard deviation at `point`.
    pub(crate) fn predict(&self, point: &[f64]) -> (f64, f64) {
        let k = DVector::from_iterator(self.x.len(), self.x.iter().map(|xi| matern(point, xi)));
        let mu = k.dot(&self.weights);
        let var = (1.0 - k.dot(&self.chol.solve(&k))).max(0.0);
        (self.mean + self.std * mu, var.sqrt() * self.std)
    }
}

/// The next values: the minimiser of `mu - beta * sigma` of the GP fitted
/// to `done` (values, score as minimised), from 50 random starts in
/// `[0, 1]^d`. `None` if the GP cannot be fitted.
pub(crate) fn propose(
    space: &[Param],
    done: &[(BTreeMap<String, Value>, f64)],
    alpha: f64,
    beta: f64,
    rng: &mut impl Rng,
) -> Option<BTreeMap<String, Value>> {
    let vector = |values: &BTreeMap<String, Value>| -> Vec<f64> {
        space
            .iter()
            .map(|p| to_unit(p, values.get(&p.name).unwrap_or(&p.default)))
            .collect()
    };
    let x: Vec<Vec<f64>> = done.iter().map(|(v, _)| vector(v)).collect();
    let y: Vec<f64> = done
        .iter()
        .map(|(_, s)| if s.is_finite() { *s } else { 0.0 })
        .collect();
    let gp = Gp::fit(x, &y, alpha)?;
    let bound = |p: &[f64]| {
        let (mu, sigma) = gp.predict(p);
        mu - beta * sigma
    };
    let d = space.len();
    let mut best: Option<(f64, Vec<f64>)> = None;
    for _ in 0..50 {
        let mut point: Vec<f64> = (0..d).map(|_| rng.random()).collect();
        let mut value = bound(&point);
        let mut step = 0.1;
        while step > 1e-4 {
            let mut moved = false;
            for i in 0..d {
                for delta in [step, -step] {
                    let mut trial = point.clone();
                    trial[i] = (trial[i] + delta).clamp(0.0, 1.0);
                    let v = bound(&trial);
                    if v < value {
                        (point, value, moved) = (trial, v, true);
                    }
                }
            }
            if !moved {
                step /= 2.0;
            }
        }
        if best.as_ref().is_none_or(|(b, _)| value < *b) {
            best = Some((value, point));
        }
    }
    let (_, point) = best?;
    let mut values = BTreeMap::new();
    for (p, &u) in space.iter().zip(&point) {
        values.insert(p.name.clone(), from_unit(p, u));
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::super::space::{Boolean, Choice, Float, HyperParameters, Int};
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn unit_mapping_round_trips() {
        let mut hp = HyperParameters::new();
        hp.get(Int::new("n", 32, 256).step(32)).unwrap();
        hp.get(Float::log("lr", 1e-4, 1e-2)).unwrap();
        hp.get(Choice::new("opt", ["sgd", "adam"])).unwrap();
        hp.get(Boolean::new("b")).unwrap();
        let [n, lr, opt, b] = hp.space() else {
            panic!()
        };
        assert_eq!(to_unit(n, &Value::Int(32)), 0.5 / 8.0);
        assert_eq!(from_unit(n, 0.99), Value::Int(256));
        assert!((to_unit(lr, &Value::Float(1e-3)) - 0.5).abs() < 1e-12);
        assert_eq!(
            from_unit(opt, to_unit(opt, &"adam".into())),
            Value::from("adam")
        );
        assert_eq!(
            from_unit(b, to_unit(b, &Value::Bool(true))),
            Value::Bool(true)
        );
    }

    #[test]
    fn gp_interpolates_and_ucb_finds_the_minimum() {
        // Exact at the points seen (alpha small), uncertain far from them.
        let x: Vec<Vec<f64>> = [0.0, 0.3, 0.6, 1.0].iter().map(|&v| vec![v]).collect();
        let f = |v: f64| (v - 0.45) * (v - 0.45);
        let y: Vec<f64> = x.iter().map(|p| f(p[0])).collect();
        let gp = Gp::fit(x.clone(), &y, 1e-10).unwrap();
        let (mu, sigma) = gp.predict(&[0.3]);
        assert!((mu - f(0.3)).abs() < 1e-6 && sigma < 1e-3, "{mu} {sigma}");
        assert!(gp.predict(&[0.45]).1 > sigma);
        // With beta 0, the proposal is the GP mean's minimum, between 0.3 and 0.6.
        let mut hp = HyperParameters::new();
        hp.get(Float::new("v", 0.0, 1.0)).unwrap();
        let done: Vec<_> = x
            .iter()
            .zip(&y)
            .map(|(p, &s)| (BTreeMap::from([("v".to_string(), Value::Float(p[0]))]), s))
            .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let next = propose(hp.space(), &done, 1e-10, 0.0, &mut rng).unwrap();
        let Value::Float(v) = next["v"] else { panic!() };
        assert!((0.35..0.55).contains(&v), "{v}");
    }
}
