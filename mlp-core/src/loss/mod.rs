//! Losses, with Keras's formulas, and the targets each one takes.
//!
//! A loss fixes the kind of its targets, so the book's "sparse or one-hot?"
//! question is answered by the compiler: [`SparseCategoricalCrossentropy`]
//! takes class indices (`u8`, `usize`, ...), categorical cross-entropy takes
//! one-hot `SVector<f32, N>` with `N` the number of outputs, regression losses
//! take `SVector<f32, N>` (or `f32` for one output). Anything else does not
//! implement [`TargetFor`], and the compiler says so in our words.
//!
//! ```
//! use mlp_core::activation::ActivationKind;
//! use mlp_core::loss::{Loss, SparseCategoricalCrossentropy, TargetRef};
//!
//! let loss = SparseCategoricalCrossentropy;
//! let z = [2.0_f32, 0.0, -1.0];
//! let mut a = z;
//! ActivationKind::Softmax.forward(&mut a);
//! let mut delta = [0.0; 3];
//! let l = loss.loss_and_delta(ActivationKind::Softmax, &z, &a, TargetRef::Class(0), 1.0, &mut delta);
//! assert!((l + a[0].ln()).abs() < 1e-6);
//! assert!((delta[0] - (a[0] - 1.0)).abs() < 1e-6); // the fused softmax gradient
//! # Ok::<(), core::convert::Infallible>(())
//! ```

mod sparse;

pub use sparse::SparseCategoricalCrossentropy;

use crate::activation::ActivationKind;

/// Keras's `backend.epsilon()`: cross-entropies clip probabilities to
/// `[EPSILON, 1 - EPSILON]` before taking logs.
pub const EPSILON: f32 = 1e-7;

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

/// A loss function over one sample's outputs.
pub trait Loss: Copy + Send + Sync + core::fmt::Debug + 'static {
    /// Keras's name, such as `"sparse_categorical_crossentropy"`.
    const NAME: &'static str;
    /// What its targets are.
    const TARGET: TargetKind;

    /// The loss of one sample (unweighted), and `delta = scale * dL/dz`, the
    /// gradient with respect to the output layer's pre-activations `z` (whose
    /// activation is `activation` and whose outputs are `a`). The trainer passes
    /// `scale = sample_weight / batch_size` (Keras's `sum_over_batch_size`).
    fn loss_and_delta(
        &self,
        activation: ActivationKind,
        z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
        scale: f32,
        delta: &mut [f32],
    ) -> f32;

    /// The loss of one sample without its gradient (evaluate, validation).
    fn loss(&self, activation: ActivationKind, z: &[f32], a: &[f32], target: TargetRef<'_>) -> f32;
}

/// `Self` is a valid target of loss `L` for a network whose output is `O`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid target for the loss `{L}`",
    label = "targets of the wrong kind for this loss",
    note = "sparse_categorical_crossentropy takes class indices (`u8`, `u16`, `u32`, `usize`, `i32`, `i64`); \
            categorical_crossentropy takes one-hot `SVector<f32, N>` with N = the network's outputs \
            (convert class indices with `to_categorical`); binary_crossentropy takes 0/1 as `f32` or \
            `SVector<f32, N>`; regression losses take `SVector<f32, N>`, or `f32` for one output"
)]
pub trait TargetFor<L, O>: Copy + Send + Sync {
    /// The target as the loss reads it.
    fn target(&self) -> TargetRef<'_>;
}

macro_rules! class_index_targets {
    ($loss:ty: $($t:ty),*) => {$(
        impl<O> TargetFor<$loss, O> for $t {
            #[inline]
            fn target(&self) -> TargetRef<'_> {
                // Negative indices wrap to huge values and fail the range check.
                TargetRef::Class(*self as usize)
            }
        }
    )*};
}

class_index_targets!(SparseCategoricalCrossentropy: u8, u16, u32, u64, usize, i32, i64);

/// Checks a class index against the number of outputs (a `Result` for the
/// trainer to report; losses assume it was checked).
pub fn check_class(index: usize, classes: usize) -> bool {
    index < classes
}
