//! A seeded random split into a training and a test set, row for row the one
//! scikit-learn's `train_test_split` makes.
//!
//! `train_test_split(&x, &y, test_fraction, seed)` returns the rows that
//! `sklearn.model_selection.train_test_split(x, y, test_size=test_fraction,
//! random_state=seed)` returns, in the same order: the shuffle is NumPy's
//! legacy `RandomState(seed).permutation(n)` (MT19937 seeded with
//! `init_genrand(seed)`, then a Fisher–Yates shuffle from the end drawing each
//! index by masked rejection sampling on 32-bit outputs), the first
//! `ceil(test_fraction * n)` indices of it are the test rows and the rest the
//! training rows. So the book's
//! `train_test_split(housing.data, housing.target, random_state=42)` (whose
//! default `test_size` is 0.25) is `train_test_split(&x, &y, 0.25, 42)`.
//!
//! ```
//! use mlp_core::datasets::train_test_split;
//!
//! let x: Vec<u32> = (0..10).collect();
//! let y: Vec<u32> = x.iter().map(|v| v * 10).collect();
//! let ((x_train, y_train), (x_test, y_test)) = train_test_split(&x, &y, 0.25, 42)?;
//! // As scikit-learn: `train_test_split(np.arange(10), test_size=0.25, random_state=42)`.
//! assert_eq!(x_test, [8, 1, 5]); // the test side is rounded up: ceil(2.5) = 3
//! assert_eq!(x_train, [0, 7, 2, 9, 4, 3, 6]);
//! assert!(x_train.iter().zip(&y_train).all(|(x, y)| *y == x * 10)); // pairs stay together
//! # let _ = y_test;
//! # Ok::<(), mlp_core::Error>(())
//! ```

use rand_mt::Mt;

use crate::{Error, Result};

/// Training `(x, y)` and test `(x, y)`.
pub type Split<X, Y> = ((Vec<X>, Vec<Y>), (Vec<X>, Vec<Y>));

/// Splits `(x, y)` into a training and a test set exactly as scikit-learn's
/// `train_test_split(x, y, test_size=test_fraction, random_state=seed)`
/// (with its default `shuffle=True`): the same rows on each side, in the
/// same order, for the same seed.
///
/// The sample indices are shuffled by NumPy's legacy
/// `RandomState(seed).permutation(n)`; the first `ceil(test_fraction * n)` of
/// them are the test set and the rest, in order, the training set (the sizes
/// and order of scikit-learn's `ShuffleSplit`). Returns
/// `((x_train, y_train), (x_test, y_test))`.
///
/// Errors: `x` and `y` of different lengths ([`Error::Length`]); a
/// `test_fraction` outside `(0, 1)` or one that leaves either side empty, or
/// a `seed` above `u32::MAX`, which NumPy's `RandomState` refuses too
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
    let Ok(seed) = u32::try_from(seed) else {
        return Err(Error::InvalidArgument {
            name: "seed",
            message: format!(
                "seed {seed} is above 2**32 - 1 ({}); the split is NumPy's RandomState(seed), which takes seeds from 0 to 2**32 - 1",
                u32::MAX
            ),
        });
    };
    let n = x.len();
    // scikit-learn's `_validate_shuffle_split`: `n_test = ceil(test_size * n_samples)`.
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
    let order = numpy_permutation(n, seed);
    let pick = |idx: &[usize]| -> (Vec<X>, Vec<Y>) {
        (
            idx.iter().map(|&i| x[i].clone()).collect(),
            idx.iter().map(|&i| y[i].clone()).collect(),
        )
    };
    // `ShuffleSplit._iter_indices`: `test = permutation[:n_test]`,
    // `train = permutation[n_test:n_test + n_train]`, with `n_train = n - n_test`.
    let (test, train) = order.split_at(n_test);
    Ok((pick(train), pick(test)))
}

/// NumPy's `np.random.RandomState(seed).permutation(n)`: `arange(n)` shuffled
/// by the legacy `RandomState.shuffle`, a Fisher–Yates shuffle from the last
/// index down to 1 that swaps index `i` with `random_interval(i)`.
fn numpy_permutation(n: usize, seed: u32) -> Vec<usize> {
    // `RandomState(int)` seeds MT19937 with `init_genrand(seed)`, as `Mt::new`.
    let mut mt = Mt::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = random_interval(&mut mt, i as u64);
        order.swap(i, j as usize);
    }
    order
}

/// NumPy's `random_interval(bitgen, max)` (`distributions.c`): a uniform
/// integer in `[0, max]` by masked rejection sampling, drawing 32-bit outputs
/// while `max` fits in 32 bits.
fn random_interval(mt: &mut Mt, max: u64) -> u64 {
    if max == 0 {
        return 0;
    }
    // The smallest bit mask >= max.
    let mut mask = max;
    for shift in [1, 2, 4, 8, 16, 32] {
        mask |= mask >> shift;
    }
    if max <= u64::from(u32::MAX) {
        loop {
            let value = u64::from(mt.next_u32()) & mask;
            if value <= max {
                return value;
            }
        }
    }
    // More than 2**32 samples: NumPy's `mt19937_next64`, the first 32-bit
    // output in the high half (as `Mt::next_u64`).
    loop {
        let value = mt.next_u64() & mask;
        if value <= max {
            return value;
        }
    }
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
    fn numpy_random_state_permutations() {
        // `np.random.RandomState(seed).permutation(n)`, NumPy 2.4.6; the
        // fuller check against NumPy is in tests/fixtures/numpy-permutation.
        assert_eq!(numpy_permutation(10, 0), [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
        assert_eq!(numpy_permutation(10, 42), [8, 1, 5, 0, 7, 2, 9, 4, 3, 6]);
        assert_eq!(numpy_permutation(1, 123), [0]);
        assert!(numpy_permutation(0, 0).is_empty());
        // The test rows of the book's housing split (seed 42), as in the book.
        assert_eq!(
            numpy_permutation(20_640, 42)[..5],
            [20_046, 3_024, 15_663, 20_484, 9_814]
        );
    }

    #[test]
    fn split_is_the_permutation_cut_at_n_test() {
        let (x, y) = data(10);
        let ((xtr, _), (xte, _)) = train_test_split(&x, &y, 0.25, 0).unwrap();
        assert_eq!((xte, xtr), (vec![2, 8, 4], vec![9, 1, 6, 7, 3, 0, 5]));
    }

    #[test]
    fn random_interval_stays_in_range() {
        let mut mt = Mt::new(5);
        for max in [0, 1, 2, 3, 5, 8, 1000, 1 << 20, u64::from(u32::MAX)] {
            for _ in 0..200 {
                assert!(random_interval(&mut mt, max) <= max, "{max}");
            }
        }
        assert_eq!(random_interval(&mut mt, 0), 0);
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
        // NumPy's RandomState takes seeds up to 2**32 - 1.
        assert!(train_test_split(&x, &y, 0.2, u64::from(u32::MAX)).is_ok());
        let e = train_test_split(&x, &y, 0.2, 1 << 32).unwrap_err();
        assert!(
            matches!(e, Error::InvalidArgument { name: "seed", .. }),
            "{e:?}"
        );
        let e = e.to_string();
        assert!(e.contains("seed 4294967296 is above 2**32 - 1"), "{e}");
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
