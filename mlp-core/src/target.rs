//! What a sample's target is, as losses and metrics both read it: the kind
//! of targets a loss takes, one target borrowed, and `argmax`. Losses and
//! metrics depend on this module, not on each other.
//!
//! ```
//! use mlp_core::target::{TargetRef, argmax};
//!
//! let one_hot = [0.0_f32, 0.0, 1.0];
//! assert_eq!(TargetRef::Values(&one_hot).class(), 2);
//! assert_eq!(TargetRef::Class(1).value(1), 1.0);
//! assert_eq!(argmax(&[0.1, 0.7, 0.7]), 1);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// What the targets of a loss are; metrics such as accuracy resolve by it
/// (Keras's "accuracy" becomes sparse, categorical or binary accuracy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// One class index per sample.
    Sparse,
    /// One one-hot (or probability) vector per sample.
    Categorical,
    /// 0/1 per output.
    Binary,
    /// Real values per output.
    Regression,
}

/// One sample's target, as the loss and metrics read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TargetRef<'a> {
    /// A class index.
    Class(usize),
    /// One value per output.
    Values(&'a [f32]),
}

impl TargetRef<'_> {
    /// Whether the target fits `outputs` outputs: a class index below it, or
    /// a vector of that length.
    #[inline]
    pub fn fits(&self, outputs: usize) -> bool {
        match *self {
            Self::Class(c) => c < outputs,
            Self::Values(v) => v.len() == outputs,
        }
    }

    /// The target value of output `i`: a class index reads as its one-hot
    /// vector; NaN past the end of a vector.
    #[inline]
    pub fn value(&self, i: usize) -> f32 {
        match *self {
            Self::Class(c) => {
                if i == c {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Values(v) => v.get(i).copied().unwrap_or(f32::NAN),
        }
    }

    /// The target's class: the index itself, or the position of the largest
    /// value of a vector (Keras's `argmax(y_true)`).
    #[inline]
    pub fn class(&self) -> usize {
        match *self {
            Self::Class(c) => c,
            Self::Values(v) => argmax(v),
        }
    }
}

/// Index of the largest value (the first one on ties, as numpy).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}
