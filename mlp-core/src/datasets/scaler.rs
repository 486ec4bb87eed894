//! Standardization of features, as scikit-learn's `StandardScaler`.
//!
//! ```
//! use mlp_core::datasets::StandardScaler;
//! use mlp_core::SVector;
//!
//! let x_train = [SVector::from([1.0_f32, 10.0]), SVector::from([3.0, 10.0])];
//! let scaler = StandardScaler::fit(&x_train)?;
//! let scaled = scaler.transform(&x_train);
//! assert_eq!(scaled[0], SVector::from([-1.0, 0.0])); // a constant feature is centred, not scaled
//! assert_eq!(scaler.inverse_transform(&scaled), x_train);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use nalgebra::SVector;

use crate::{Error, Result};

/// Per-feature mean and scale learnt from training data: `transform` gives
/// `(x - mean) / scale`.
///
/// Fitting works in `f64`, as scikit-learn does: the scale is the population
/// standard deviation (dividing by `n`), and a feature whose variance is zero
/// up to rounding gets scale 1 (scikit-learn's rule for constant features).
#[derive(Clone, Debug, PartialEq)]
pub struct StandardScaler<const N: usize> {
    mean: SVector<f64, N>,
    var: SVector<f64, N>,
    scale: SVector<f64, N>,
    n_samples: usize,
}

impl<const N: usize> StandardScaler<N> {
    /// Learns each feature's mean and standard deviation from `x`.
    ///
    /// Errors: empty `x` ([`Error::InvalidArgument`]), a NaN or infinite
    /// value ([`Error::NonFinite`], naming the sample and the feature).
    pub fn fit(x: &[SVector<f32, N>]) -> Result<Self> {
        if x.is_empty() {
            return Err(Error::InvalidArgument {
                name: "x",
                message: "StandardScaler::fit needs at least one sample, found 0".into(),
            });
        }
        for (i, v) in x.iter().enumerate() {
            if let Some((j, &value)) = v.iter().enumerate().find(|(_, f)| !f.is_finite()) {
                return Err(Error::NonFinite {
                    what: "x".into(),
                    position: format!("sample {i}, feature {j}"),
                    value,
                });
            }
        }
        let n = x.len() as f64;
        let mean = x
            .iter()
            .fold(SVector::<f64, N>::zeros(), |acc, v| acc + v.cast::<f64>())
            / n;
        // Two passes with the correction term for the rounding of the mean.
        let mut sum_sq = SVector::<f64, N>::zeros();
        let mut sum = SVector::<f64, N>::zeros();
        for v in x {
            let d = v.cast::<f64>() - mean;
            sum += d;
            sum_sq += d.component_mul(&d);
        }
        let var = (sum_sq - sum.component_mul(&sum) / n) / n;
        let var = var.map(|v| v.max(0.0));
        let eps = f64::EPSILON;
        let scale = SVector::<f64, N>::from_fn(|j, _| {
            let constant = var[j] <= n * eps * var[j] + (n * mean[j] * eps).powi(2);
            if constant { 1.0 } else { var[j].sqrt() }
        });
        Ok(StandardScaler {
            mean,
            var,
            scale,
            n_samples: x.len(),
        })
    }

    /// Fits on `x` and returns the scaler with `x` transformed.
    pub fn fit_transform(x: &[SVector<f32, N>]) -> Result<(Self, Vec<SVector<f32, N>>)> {
        let scaler = Self::fit(x)?;
        let scaled = scaler.transform(x);
        Ok((scaler, scaled))
    }

    /// `(v - mean) / scale` for one sample.
    pub fn transform_one(&self, v: &SVector<f32, N>) -> SVector<f32, N> {
        SVector::from_fn(|j, _| ((f64::from(v[j]) - self.mean[j]) / self.scale[j]) as f32)
    }

    /// `(v - mean) / scale` for every sample.
    pub fn transform(&self, x: &[SVector<f32, N>]) -> Vec<SVector<f32, N>> {
        x.iter().map(|v| self.transform_one(v)).collect()
    }

    /// `v * scale + mean` for one sample: undoes [`transform_one`](Self::transform_one).
    pub fn inverse_transform_one(&self, v: &SVector<f32, N>) -> SVector<f32, N> {
        SVector::from_fn(|j, _| (f64::from(v[j]) * self.scale[j] + self.mean[j]) as f32)
    }

    /// `v * scale + mean` for every sample.
    pub fn inverse_transform(&self, x: &[SVector<f32, N>]) -> Vec<SVector<f32, N>> {
        x.iter().map(|v| self.inverse_transform_one(v)).collect()
    }

    /// Each feature's mean (scikit-learn's `mean_`).
    pub fn mean(&self) -> &SVector<f64, N> {
        &self.mean
    }

    /// Each feature's population variance (`var_`).
    pub fn var(&self) -> &SVector<f64, N> {
        &self.var
    }

    /// Each feature's scale: the standard deviation, or 1 for a constant
    /// feature (`scale_`).
    pub fn scale(&self) -> &SVector<f64, N> {
        &self.scale
    }

    /// The number of samples fitted on (`n_samples_seen_`).
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn sample_data(n: usize) -> Vec<SVector<f32, 3>> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        (0..n)
            .map(|_| {
                SVector::from([
                    rng.random_range(-5.0..5.0),
                    1000.0 + 250.0 * rng.random::<f32>(),
                    rng.random_range(0.0..0.01),
                ])
            })
            .collect()
    }

    #[test]
    fn transformed_has_mean_0_and_std_1() {
        let x = sample_data(5000);
        let (_, t) = StandardScaler::fit_transform(&x).unwrap();
        for j in 0..3 {
            let n = t.len() as f64;
            let mean = t.iter().map(|v| f64::from(v[j])).sum::<f64>() / n;
            let var = t
                .iter()
                .map(|v| (f64::from(v[j]) - mean).powi(2))
                .sum::<f64>()
                / n;
            assert!(mean.abs() < 1e-5, "feature {j}: mean {mean}");
            assert!(
                (var.sqrt() - 1.0).abs() < 1e-5,
                "feature {j}: std {}",
                var.sqrt()
            );
        }
    }

    #[test]
    fn inverse_undoes_transform() {
        let x = sample_data(1000);
        let s = StandardScaler::fit(&x).unwrap();
        for (a, b) in x.iter().zip(s.inverse_transform(&s.transform(&x))) {
            for j in 0..3 {
                let tol = 1e-5 * a[j].abs().max(1.0);
                assert!((a[j] - b[j]).abs() <= tol, "{} vs {}", a[j], b[j]);
            }
        }
    }

    #[test]
    fn population_statistics_in_f64() {
        let x = [
            SVector::from([1.0_f32, 5.0]),
            SVector::from([2.0, 5.0]),
            SVector::from([4.0, 5.0]),
        ];
        let s = StandardScaler::fit(&x).unwrap();
        assert_eq!(s.n_samples(), 3);
        assert!((s.mean()[0] - 7.0 / 3.0).abs() < 1e-15);
        // Population variance: ((4/3)^2 + (1/3)^2 + (5/3)^2) / 3 = 14/9.
        assert!((s.var()[0] - 14.0 / 9.0).abs() < 1e-15);
        assert!((s.scale()[0] - (14.0_f64 / 9.0).sqrt()).abs() < 1e-15);
        // Constant feature: scale 1, so it becomes 0.
        assert_eq!(s.scale()[1], 1.0);
        assert!(s.transform(&x).iter().all(|v| v[1] == 0.0));
    }

    #[test]
    fn constant_feature_with_rounding_gets_scale_1() {
        // 0.1 is not exact in binary: the mean of many copies is off by rounding.
        let x = vec![SVector::from([0.1_f32]); 1001];
        let s = StandardScaler::fit(&x).unwrap();
        assert_eq!(s.scale()[0], 1.0);
        assert!(s.transform(&x).iter().all(|v| v[0].abs() < 1e-7));
    }

    #[test]
    fn errors() {
        let e = StandardScaler::<2>::fit(&[]).unwrap_err();
        assert!(
            matches!(e, Error::InvalidArgument { name: "x", .. }),
            "{e:?}"
        );
        let x = [
            SVector::from([1.0_f32, 2.0]),
            SVector::from([1.0, f32::NAN]),
        ];
        match StandardScaler::fit(&x) {
            Err(Error::NonFinite { position, .. }) => assert_eq!(position, "sample 1, feature 1"),
            other => panic!("{other:?}"),
        }
        let x = [SVector::from([f32::INFINITY])];
        assert!(
            matches!(StandardScaler::fit(&x), Err(Error::NonFinite { value, .. }) if value == f32::INFINITY)
        );
    }
}
