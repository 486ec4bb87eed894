//! A seeded random split into a training and a test set, as scikit-learn's
//! `train_test_split`.
//!
//! ```
//! use mlp_core::datasets::train_test_split;
//!
//! let x: Vec<u32> = (0..10).collect();
//! let y: Vec<u32> = x.iter().map(|v| v * 10).collect();
//! let ((x_train, y_train), (x_test, y_test)) = train_test_split(&x, &y, 0.25, 42)?;
//! assert_eq!((x_train.len(), x_test.len()), (7, 3)); // the test side is rounded up
//! assert!(x_train.iter().zip(&y_train).all(|(x, y)| *y == x * 10)); // pairs stay together
//! assert_eq!(train_test_split(&x, &y, 0.25, 42)?.1.0, x_test); // the same seed, the same split
//! # Ok::<(), mlp_core::Error>(())
//! ```

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::{Error, Result};

/// Training `(x, y)` and test `(x, y)`.
pub type Split<X, Y> = ((Vec<X>, Vec<Y>), (Vec<X>, Vec<Y>));

/// Shuffles the sample indices with a ChaCha8 stream seeded by `seed`, then
/// puts the first `ceil(test_fraction * n)` samples in the test set and the
/// rest in the training set (scikit-learn's sizes).
///
/// Errors: `x` and `y` of different lengths ([`Error::Length`]), a
/// `test_fraction` outside `(0, 1)` or one that leaves either side empty
/// ([`Error::InvalidArgument`]).
pub fn train_test_split<X: Clone, Y: Clone>(
    x: &[X],
    y: &[Y],
    test_fraction: f64,
    seed: u64,
) -> Result<Split<X, Y>> {
    if x.len() != y.len() {
        return Err(Error::Length {
            what: format!("y (targets) for the {} samples of x", x.len()),
            expected: x.len(),
            found: y.len(),
        });
    }
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::InvalidArgument {
            name: "test_fraction",
            message: format!("expected a fraction strictly between 0 and 1, found {test_fraction}"),
        });
    }
    let n = x.len();
    let n_test = (test_fraction * n as f64).ceil() as usize;
    if n_test == 0 || n_test >= n {
        return Err(Error::InvalidArgument {
            name: "test_fraction",
            message: format!(
                "{test_fraction} of {n} samples gives {n_test} test and {} training samples; both must be at least 1",
                n.saturating_sub(n_test)
            ),
        });
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let pick = |idx: &[usize]| -> (Vec<X>, Vec<Y>) {
        (
            idx.iter().map(|&i| x[i].clone()).collect(),
            idx.iter().map(|&i| y[i].clone()).collect(),
        )
    };
    let (test, train) = order.split_at(n_test);
    Ok((pick(train), pick(test)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize) -> (Vec<usize>, Vec<String>) {
        let x: Vec<usize> = (0..n).collect();
        let y = x.iter().map(|i| format!("y{i}")).collect();
        (x, y)
    }

    #[test]
    fn sizes_follow_scikit_learn() {
        let (x, y) = data(20_640);
        let ((xtr, ytr), (xte, yte)) = train_test_split(&x, &y, 0.2, 42).unwrap();
        assert_eq!(
            (xtr.len(), ytr.len(), xte.len(), yte.len()),
            (16_512, 16_512, 4_128, 4_128)
        );
        let (x, y) = data(10);
        let (train, test) = train_test_split(&x, &y, 0.33, 0).unwrap();
        assert_eq!((train.0.len(), test.0.len()), (6, 4));
    }

    #[test]
    fn disjoint_complete_and_paired() {
        let (x, y) = data(1000);
        let ((xtr, ytr), (xte, yte)) = train_test_split(&x, &y, 0.3, 7).unwrap();
        let mut all: Vec<usize> = xtr.iter().chain(&xte).copied().collect();
        all.sort_unstable();
        assert_eq!(all, x);
        for (xs, ys) in [(&xtr, &ytr), (&xte, &yte)] {
            assert!(xs.iter().zip(ys).all(|(i, s)| *s == format!("y{i}")));
        }
        // Shuffled, not the identity order.
        assert_ne!(xte, (0..300).collect::<Vec<_>>());
    }

    #[test]
    fn deterministic_by_seed() {
        let (x, y) = data(100);
        let a = train_test_split(&x, &y, 0.2, 1).unwrap();
        let b = train_test_split(&x, &y, 0.2, 1).unwrap();
        let c = train_test_split(&x, &y, 0.2, 2).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.1.0, c.1.0);
    }

    #[test]
    fn errors() {
        let (x, y) = data(10);
        match train_test_split(&x, &y[..9], 0.2, 0) {
            Err(Error::Length {
                expected: 10,
                found: 9,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        for f in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
            let r = train_test_split(&x, &y, f, 0);
            assert!(
                matches!(
                    r,
                    Err(Error::InvalidArgument {
                        name: "test_fraction",
                        ..
                    })
                ),
                "{f}: {r:?}"
            );
        }
        // 0.95 of 10 rounds up to 10 test samples, leaving none for training.
        let e = train_test_split(&x, &y, 0.95, 0).unwrap_err().to_string();
        assert!(e.contains("gives 10 test and 0 training samples"), "{e}");
        let e = train_test_split::<u8, u8>(&[], &[], 0.5, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("of 0 samples"), "{e}");
        assert!(e.contains("gives 0 test and 0 training"), "{e}");
    }
}
