//! Losses, with Keras's formulas, and the targets each one takes.
//!
//! A loss fixes the kind of its targets, so the book's "sparse or one-hot?"
//! question is answered by the compiler: [`SparseCategoricalCrossentropy`](struct@SparseCategoricalCrossentropy)
//! takes class indices (`u8`, `usize`, ...), categorical cross-entropy takes
//! one-hot `SVector<f32, N>` with `N` the number of outputs, regression losses
//! take `SVector<f32, N>` (or `f32` for one output). Anything else does not
//! implement [`TargetFor`], and the compiler says so in our words.
//!
//! | loss | Keras name | targets | fused gradient with |
//! | --- | --- | --- | --- |
//! | [`SparseCategoricalCrossentropy`](struct@SparseCategoricalCrossentropy) | `sparse_categorical_crossentropy` | class indices | softmax |
//! | [`CategoricalCrossentropy`](struct@CategoricalCrossentropy) | `categorical_crossentropy` | one-hot `SVector<f32, N>` | softmax |
//! | [`BinaryCrossentropy`](struct@BinaryCrossentropy) | `binary_crossentropy` | 0/1 `SVector<f32, N>`, or `f32` | sigmoid |
//! | [`MeanSquaredError`](struct@MeanSquaredError) | `mean_squared_error` | `SVector<f32, N>`, or `f32` | — |
//! | [`MeanAbsoluteError`](struct@MeanAbsoluteError) | `mean_absolute_error` | `SVector<f32, N>`, or `f32` | — |
//! | [`Huber`] | `huber_loss` | `SVector<f32, N>`, or `f32` | — |
//!
//! The cross-entropies take Keras's options: `from_logits` (all three, with
//! a stable log-sum-exp or log-sigmoid), `label_smoothing` (categorical and
//! binary), `ignore_class` (sparse). Their type names are also constants of
//! the default losses, so `SparseCategoricalCrossentropy` is Keras's
//! `SparseCategoricalCrossentropy()` and
//! `SparseCategoricalCrossentropy.from_logits(true)` its
//! `SparseCategoricalCrossentropy(from_logits=True)`.
//!
//! "Fused" means that with that output activation the gradient is computed
//! directly from the probabilities (`p - y`), which is exact and stable; with
//! any other activation the loss's derivative is carried through the
//! activation's own backward pass.
//!
//! A [`TargetRef`] of the other variant than the loss expects cannot arise
//! through [`TargetFor`]; if one is passed anyway, a class index is read as
//! its one-hot vector and a vector as probabilities, and a target that does
//! not fit the outputs (a class index `>= a.len()`, a vector of another
//! length) gives a NaN loss and a zero gradient. No loss panics or indexes out
//! of range.
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

/// Writes what every loss whose type name is also its default value writes
/// alike: the struct (with the attributes given) whose fields are the
/// options listed, in that order, each with its doc comment (`from_logits`,
/// `label_smoothing`, `ignore_class`, `reduction`, `output_logits`); the
/// const fn `new()` with Keras's defaults; the constant of the type's name
/// (Keras's `Name()`); `Default`; and a builder `const fn` setter of each
/// option but `ignore_class` (whose setter takes a label of any sign).
macro_rules! loss {
    ($(#[$meta:meta])* $loss:ident($new_doc:literal): $($option:ident),* $(,)?) => {
        loss!(@fields [$(#[$meta])* $loss $new_doc] [] [] [] $($option)*);
    };
    (@fields $head:tt [$($field:tt)*] [$($init:tt)*] [$($setter:tt)*] from_logits $($rest:ident)*) => {
        loss!(@fields $head [$($field)*
            /// Whether the outputs are logits rather than probabilities.
            pub from_logits: bool,
        ] [$($init)* from_logits: false,] [$($setter)*
            /// Sets `from_logits`.
            from_logits: bool,
        ] $($rest)*);
    };
    (@fields $head:tt [$($field:tt)*] [$($init:tt)*] [$($setter:tt)*] label_smoothing $($rest:ident)*) => {
        loss!(@fields $head [$($field)*
            /// Keras's `label_smoothing`, in `[0, 1]`.
            pub label_smoothing: f32,
        ] [$($init)* label_smoothing: 0.0,] [$($setter)*
            /// Sets `label_smoothing`.
            label_smoothing: f32,
        ] $($rest)*);
    };
    (@fields $head:tt [$($field:tt)*] [$($init:tt)*] [$($setter:tt)*] ignore_class $($rest:ident)*) => {
        loss!(@fields $head [$($field)*
            /// The label whose samples are ignored, as `label as usize`.
            pub ignore_class: Option<usize>,
        ] [$($init)* ignore_class: None,] [$($setter)*] $($rest)*);
    };
    (@fields $head:tt [$($field:tt)*] [$($init:tt)*] [$($setter:tt)*] reduction $($rest:ident)*) => {
        loss!(@fields $head [$($field)*
            /// How a batch's losses are reduced (Keras's `reduction`).
            pub reduction: Reduction,
        ] [$($init)* reduction: Reduction::SumOverBatchSize,] [$($setter)*
            /// Sets Keras's `reduction`.
            reduction: Reduction,
        ] $($rest)*);
    };
    (@fields $head:tt [$($field:tt)*] [$($init:tt)*] [$($setter:tt)*] output_logits $($rest:ident)*) => {
        loss!(@fields $head [$($field)*
            /// With a softmax output (sigmoid for the binary loss) and not
            /// `from_logits`: compute the loss from the output layer's logits, as
            /// Keras's TensorFlow backend does, instead of `-log(clip(p))` (Keras's
            /// formula on every other backend, and the default here). The gradient
            /// is the same either way.
            pub output_logits: bool,
        ] [$($init)* output_logits: false,] [$($setter)*
            /// Sets `output_logits`: with a softmax output (sigmoid for the binary
            /// loss), the loss comes from the output layer's logits as Keras's
            /// TensorFlow backend computes it (`log_sum_exp(z) - z[y]`, no clipping:
            /// a probability below 1e-7 gives its true loss, not 16.1).
            output_logits: bool,
        ] $($rest)*);
    };
    (@fields [$(#[$meta:meta])* $loss:ident $new_doc:literal] [$($field:tt)*] [$($init:tt)*] [$($setter:tt)*]) => {
        $(#[$meta])*
        pub struct $loss {
            $($field)*
        }

        #[doc = concat!("Keras's `", stringify!($loss), "()`: the loss with its defaults.")]
        #[allow(non_upper_case_globals)]
        pub const $loss: $loss = $loss::new();

        impl Default for $loss {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $loss {
            #[doc = $new_doc]
            pub const fn new() -> Self {
                Self { $($init)* }
            }

            setters!(const $($setter)*);
        }
    };
}

/// Writes the [`Loss`] of a regression loss of `e = a - y` alone, output by
/// output, averaged over the outputs: the type's own `value(e)` and
/// `derivative(e)` (through the output activation's backward pass), Keras's
/// `name`, and any further trait items given after it (a `validate`).
macro_rules! pointwise_loss {
    ($loss:ty, $name:literal $(, $($rest:tt)*)?) => {
        impl Loss for $loss {
            const NAME: &'static str = $name;
            const TARGET: TargetKind = TargetKind::Regression;

            fn batch_reduction(&self) -> Reduction {
                self.reduction
            }

            fn loss_and_delta(
                &self,
                activation: ActivationKind,
                z: &[f32],
                a: &[f32],
                target: TargetRef<'_>,
                scale: f32,
                delta: &mut [f32],
            ) -> f32 {
                super::elementwise(activation, z, a, target, scale, delta, |a, y| {
                    (self.value(a - y), self.derivative(a - y))
                })
            }

            fn loss(
                &self,
                _activation: ActivationKind,
                _z: &[f32],
                a: &[f32],
                target: TargetRef<'_>,
            ) -> f32 {
                super::elementwise_loss(a, target, |a, y| self.value(a - y))
            }

            $($($rest)*)?
        }
    };
}

mod binary;
mod categorical;
mod huber;
mod logits;
mod mae;
mod mse;
mod reduction;
mod sparse;

pub use binary::BinaryCrossentropy;
pub use categorical::CategoricalCrossentropy;
pub use huber::Huber;
pub use mae::MeanAbsoluteError;
pub use mse::MeanSquaredError;
#[cfg(feature = "std")]
pub(crate) use reduction::masked_divisors;
#[cfg(feature = "alloc")]
pub use reduction::reduce;
pub use reduction::{Divisors, Reduction, batch_divisors};
pub use sparse::SparseCategoricalCrossentropy;

use nalgebra::SVector;

use crate::activation::ActivationKind;

/// Keras's `backend.epsilon()`: cross-entropies clip probabilities to
/// `[EPSILON, 1 - EPSILON]` before taking logs.
pub const EPSILON: f32 = 1e-7;

pub use crate::target::{TargetKind, TargetRef};

/// A loss function over one sample's outputs.
pub trait Loss: Copy + Send + Sync + core::fmt::Debug + 'static {
    /// Keras's name, such as `"sparse_categorical_crossentropy"`.
    const NAME: &'static str;
    /// What its targets are.
    const TARGET: TargetKind;

    /// The loss of one sample (unweighted), and `delta = scale * dL/dz`, the
    /// gradient with respect to the output layer's pre-activations `z` (whose
    /// activation is `activation` and whose outputs are `a`). The trainer passes
    /// `scale = sample_weight / divisor`, the divisor of the loss's
    /// [`Reduction`] (the batch size for Keras's default `sum_over_batch_size`).
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

    /// Checks the loss's parameters (a Huber `delta`, a `label_smoothing`,
    /// ...): an [`Error::InvalidArgument`](crate::Error::InvalidArgument)
    /// naming the first invalid one and its value, as Keras raises
    /// `ValueError`. `fit` and `evaluate` call it first. `Ok` by default.
    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        Ok(())
    }

    /// Keras's `reduction` of this loss: how the trainer turns a batch's
    /// per-sample losses into the batch's loss (see [`Reduction`]).
    /// [`Reduction::SumOverBatchSize`] by default.
    fn batch_reduction(&self) -> Reduction {
        Reduction::SumOverBatchSize
    }

    /// Whether this sample is left out of the loss (Keras's `ignore_class`
    /// mask): it then has a zero loss and gradient, and the batch's loss is
    /// divided by the number of the samples not left out. `false` by default.
    fn ignored(&self, target: TargetRef<'_>) -> bool {
        let _ = target;
        false
    }

    /// Whether [`Loss::ignored`] can ever be true (so that the trainer only
    /// counts the samples kept when it can differ). `false` by default.
    fn ignores_any(&self) -> bool {
        false
    }
}

/// Checks a `label_smoothing`: in `[0, 1]`.
#[cfg(feature = "alloc")]
fn check_label_smoothing(owner: &str, value: f32) -> crate::Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(crate::Error::InvalidArgument {
            name: "label_smoothing",
            message: alloc::format!("{owner}'s label_smoothing is {value}; it must be in [0, 1]"),
        })
    }
}

/// `Self` is a valid target of loss `L` for a network whose output is `O`.
#[diagnostic::on_unimplemented(
    message = "the loss `{L}` does not take targets of this type",
    label = "targets of the wrong kind or length for `{L}`",
    note = "each loss takes one kind of target:\n\
            - SparseCategoricalCrossentropy: class indices (`u8`, `u16`, `u32`, `u64`, `usize`, `i32`, `i64`)\n\
            - CategoricalCrossentropy: one-hot `SVector<f32, N>`, N = the network's outputs \
            (`mlp::utils::to_categorical` turns class indices into one-hot vectors)\n\
            - BinaryCrossentropy: 0/1 as `SVector<f32, N>`, or `f32` for one output\n\
            - MeanSquaredError, MeanAbsoluteError, Huber: `SVector<f32, N>`, or `f32` for one output"
)]
pub trait TargetFor<L, O>: Copy + Send + Sync {
    /// The target as the loss reads it.
    fn target(&self) -> TargetRef<'_>;
}

/// A target of loss `L` for one output of a graph, whatever the output's
/// width (checked when `fit` starts, naming the output): the types
/// [`TargetFor`] accepts, without the width in the type. Implemented beside
/// each of them.
pub trait OutputTarget<L>: Copy + Send + Sync {
    /// The target as the loss reads it.
    fn output_target(&self) -> TargetRef<'_>;
}

macro_rules! class_index_targets {
    ($loss:ty: $($t:ty),*) => {$(
        impl<O> TargetFor<$loss, O> for $t {
            #[inline]
            fn target(&self) -> TargetRef<'_> {
                OutputTarget::<$loss>::output_target(self)
            }
        }

        impl OutputTarget<$loss> for $t {
            #[inline]
            fn output_target(&self) -> TargetRef<'_> {
                // Negative indices wrap to huge values and fail the range check.
                TargetRef::Class(*self as usize)
            }
        }
    )*};
}

class_index_targets!(SparseCategoricalCrossentropy: u8, u16, u32, u64, usize, i32, i64);

macro_rules! vector_targets {
    ($($loss:ty),*) => {$(
        impl<const N: usize> TargetFor<$loss, SVector<f32, N>> for SVector<f32, N> {
            #[inline]
            fn target(&self) -> TargetRef<'_> {
                OutputTarget::<$loss>::output_target(self)
            }
        }

        impl<const N: usize> OutputTarget<$loss> for SVector<f32, N> {
            #[inline]
            fn output_target(&self) -> TargetRef<'_> {
                TargetRef::Values(self.as_slice())
            }
        }
    )*};
}

vector_targets!(
    CategoricalCrossentropy,
    BinaryCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    Huber
);

macro_rules! scalar_targets {
    ($($loss:ty),*) => {$(
        impl TargetFor<$loss, SVector<f32, 1>> for f32 {
            #[inline]
            fn target(&self) -> TargetRef<'_> {
                OutputTarget::<$loss>::output_target(self)
            }
        }

        impl OutputTarget<$loss> for f32 {
            #[inline]
            fn output_target(&self) -> TargetRef<'_> {
                TargetRef::Values(core::slice::from_ref(self))
            }
        }
    )*};
}

scalar_targets!(
    BinaryCrossentropy,
    MeanSquaredError,
    MeanAbsoluteError,
    Huber
);

/// A loss that does not fit its target: zero gradient, NaN loss.
#[inline]
fn mismatch(delta: &mut [f32]) -> f32 {
    delta.fill(0.0);
    f32::NAN
}

/// Mean over outputs of an element-wise loss `f(a, y) -> (loss, dloss/da)`;
/// writes `delta = scale * dL/dz` through the activation's backward pass.
fn elementwise(
    activation: ActivationKind,
    z: &[f32],
    a: &[f32],
    target: TargetRef<'_>,
    scale: f32,
    delta: &mut [f32],
    f: impl Fn(f32, f32) -> (f32, f32),
) -> f32 {
    if !target.fits(a.len()) || delta.len() != a.len() || z.len() != a.len() {
        return mismatch(delta);
    }
    let n = a.len() as f32;
    let mut sum = 0.0;
    for (i, (d, a)) in delta.iter_mut().zip(a).enumerate() {
        let (l, g) = f(*a, target.value(i));
        sum += l;
        *d = scale * g / n;
    }
    activation.backward(z, a, delta);
    sum / n
}

/// Mean over outputs of an element-wise loss `f(a, y)`.
fn elementwise_loss(a: &[f32], target: TargetRef<'_>, f: impl Fn(f32, f32) -> f32) -> f32 {
    if !target.fits(a.len()) {
        return f32::NAN;
    }
    let sum: f32 = a
        .iter()
        .enumerate()
        .map(|(i, a)| f(*a, target.value(i)))
        .sum();
    sum / a.len() as f32
}

/// `clip(p, EPSILON, 1 - EPSILON)`, as Keras does before every log.
#[inline]
fn clip(p: f32) -> f32 {
    p.clamp(EPSILON, 1.0 - EPSILON)
}

/// Whether `p` lies strictly inside the clipping range (where the clipped
/// log has a non-zero derivative).
#[inline]
fn unclipped(p: f32) -> bool {
    p > EPSILON && p < 1.0 - EPSILON
}

/// Checks a class index against the number of outputs (a `Result` for the
/// trainer to report; losses assume it was checked).
pub fn check_class(index: usize, classes: usize) -> bool {
    index < classes
}

/// Per-sample values from Keras 3.15.1's loss functions (JAX backend).
#[cfg(test)]
mod keras_reference {
    use super::*;

    fn close(got: f32, want: f64) {
        assert!(
            (got as f64 - want).abs() <= 1e-6 * want.abs().max(1.0),
            "{got} vs Keras {want}"
        );
    }

    /// The loss of each row of `a` against each target.
    fn each<L: Loss>(loss: L, a: &[[f32; 3]], targets: &[TargetRef<'_>], want: &[f64]) {
        for ((a, t), want) in a.iter().zip(targets).zip(want) {
            close(loss.loss(ActivationKind::Linear, a, a, *t), *want);
            let mut delta = [0.0; 3];
            close(
                loss.loss_and_delta(ActivationKind::Linear, a, a, *t, 1.0, &mut delta),
                *want,
            );
        }
    }

    /// [`each`] on a list of cases `loss, outputs, targets => Keras's values;`
    /// (the losses are of different types).
    macro_rules! each {
        ($($loss:expr, $a:expr, $t:expr => $want:expr;)+) => {
            $(each($loss, $a, $t, &$want);)+
        };
    }

    const P: [[f32; 3]; 2] = [[0.1, 0.7, 0.2], [0.05, 0.15, 0.8]];
    /// Rows that are not probabilities: Keras divides by the row sum.
    const Q: [[f32; 3]; 2] = [[0.2, 0.6, 0.4], [0.5, 0.3, 0.9]];
    /// Logits.
    const Z: [[f32; 3]; 2] = [[2.0, -1.0, 0.5], [-30.0, 40.0, 1.0]];
    /// Binary outputs, with 0 and 1 (clipped) in the second row.
    const PB: [[f32; 3]; 2] = [[0.9, 0.2, 0.6], [0.0, 1.0, 0.3]];

    #[test]
    fn cross_entropies() {
        let y = [
            TargetRef::Values(&[0.0, 1.0, 0.0]),
            TargetRef::Values(&[0.2, 0.3, 0.5]),
        ];
        let yb = [
            TargetRef::Values(&[1.0, 0.0, 1.0]),
            TargetRef::Values(&[0.0, 0.0, 0.5]),
        ];
        each! {
            // keras.losses.sparse_categorical_crossentropy([1, 0], P)
            SparseCategoricalCrossentropy, &P, &[TargetRef::Class(1), TargetRef::Class(0)]
                => [0.356_674_969_2, 2.995_732_307_4];
            // keras.losses.categorical_crossentropy([[0, 1, 0], [0.2, 0.3, 0.5]], P)
            CategoricalCrossentropy, &P, &y => [0.356_674_969_2, 1.279_854_297_6];
            // Not normalised: categorical_crossentropy([[0, 1, 0]], [[0.2, 0.6, 0.4]]) = ln 2.
            CategoricalCrossentropy, &[[0.2, 0.6, 0.4]], &y[..1] => [0.693_147_182_5];
            // keras.losses.binary_crossentropy(yb, PB)
            BinaryCrossentropy, &PB, &yb => [0.279_776_573_2, 5.574_235_916_1];
        }
    }

    // Keras 3.15.1's loss functions with the options (JAX backend).
    #[test]
    fn cross_entropy_options() {
        let y = [
            TargetRef::Values(&[0.0, 1.0, 0.0]),
            TargetRef::Values(&[0.2, 0.3, 0.5]),
        ];
        let yb = [
            TargetRef::Values(&[1.0, 0.0, 1.0]),
            TargetRef::Values(&[0.0, 0.0, 0.5]),
        ];
        use TargetRef::Class;
        each! {
            // sparse_categorical_crossentropy([1, 2], Q)
            SparseCategoricalCrossentropy, &Q, &[Class(1), Class(2)]
                => [0.693_147_182_5, 0.635_988_831_5];
            // sparse_categorical_crossentropy([0, 2], Z, from_logits=True)
            SparseCategoricalCrossentropy.from_logits(true), &Z, &[Class(0), Class(2)]
                => [0.241_311_326_6, 39.0];
            // categorical_crossentropy(Y, P, label_smoothing=0.1), (Y, Q, 0.2)
            CategoricalCrossentropy.label_smoothing(0.1), &P, &y => [0.463_297_426_7, 1.322_402_000_4];
            CategoricalCrossentropy.label_smoothing(0.2), &Q, &y => [0.793_419_003_5, 1.106_128_215_8];
            // categorical_crossentropy(Y, Z, from_logits=True[, label_smoothing=0.1])
            CategoricalCrossentropy.from_logits(true), &Z, &y => [3.241_311_311_7, 33.5];
            CategoricalCrossentropy.from_logits(true).label_smoothing(0.1), &Z, &y
                => [3.091_311_454_8, 33.783_332_824_7];
            // binary_crossentropy(yb, PB, label_smoothing=0.2), (yb, Z, from_logits=True[, 0.1])
            BinaryCrossentropy.label_smoothing(0.2), &PB, &yb => [0.412_742_614_7, 5.580_092_907];
            BinaryCrossentropy.from_logits(true), &Z, &yb => [0.304_755_568_5, 13.604_421_615_6];
            BinaryCrossentropy.from_logits(true).label_smoothing(0.1), &Z, &yb
                => [0.363_088_905_8, 13.437_754_631];
        }
    }

    // keras/src/losses/losses_test.py: the from_logits and label_smoothing cases.
    #[test]
    fn keras_losses_test_cases() {
        let lin = ActivationKind::Linear;
        // BinaryCrossentropy(from_logits=True): [[1, 0, 1], [0, 1, 1]] vs
        // [[10, -10, 10], [10, 10, -10]]: per sample [0, 6.666], mean 3.3333.
        let bce = BinaryCrossentropy.from_logits(true);
        let x = [[10.0_f32, -10.0, 10.0], [10.0, 10.0, -10.0]];
        let l0 = bce.loss(lin, &x[0], &x[0], TargetRef::Values(&[1.0, 0.0, 1.0]));
        let l1 = bce.loss(lin, &x[1], &x[1], TargetRef::Values(&[0.0, 1.0, 1.0]));
        assert!(l0.abs() < 1e-3 && (l1 - 6.666).abs() < 1e-3, "{l0} {l1}");
        assert!(((l0 + l1) / 2.0 - 3.3333).abs() < 1e-4);
        // test_label_smoothing: (10 + 5 * 0.1) / 3, to Keras's 1e-4 (the
        // exact value adds log(1 + e^-10) = 4.5e-5 per term: 3.500045).
        let bce = bce.label_smoothing(0.1);
        let x = [10.0_f32, -10.0, -10.0];
        let l = bce.loss(lin, &x, &x, TargetRef::Values(&[1.0, 0.0, 1.0]));
        assert!((l - 10.5 / 3.0).abs() < 1e-4, "{l}");
        assert!((l - 3.500_045).abs() < 1e-6, "{l}");
        // CategoricalCrossentropy(from_logits=True, label_smoothing=0.1):
        // [100, -100, -100] against [1, 0, 0] gives 400 * 0.1 / 3.
        let cce = CategoricalCrossentropy
            .from_logits(true)
            .label_smoothing(0.1);
        let x = [100.0_f32, -100.0, -100.0];
        let l = cce.loss(lin, &x, &x, TargetRef::Values(&[1.0, 0.0, 0.0]));
        assert!((l - 40.0 / 3.0).abs() < 1e-4, "{l}");
        // SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1):
        // labels [-1, 2] give [0, 1.480129].
        let scce = SparseCategoricalCrossentropy
            .from_logits(true)
            .ignore_class(-1);
        let x = [[0.854_f32, 0.698, 0.598], [0.088, 0.86, 0.018]];
        let l0 = scce.loss(lin, &x[0], &x[0], TargetRef::Class(-1_i64 as usize));
        let l1 = scce.loss(lin, &x[1], &x[1], TargetRef::Class(2));
        assert_eq!(l0, 0.0);
        assert!((l1 - 1.480_129).abs() < 1e-6, "{l1}");
    }

    /// Keras 3.15.1 with TensorFlow: `evaluate` of a Dense(3, softmax) whose
    /// logits are [20, 0, -5], on labels [2, 0], gives 12.5: the mean of
    /// 25.000000002 and 2e-9, the true values (the clipped form gives
    /// (16.118 + 1.2e-7) / 2 instead). Dense(1, sigmoid) with logit 20 and
    /// target 0 is the binary case.
    #[test]
    fn output_logits_as_keras_tensorflow() {
        let z = [20.0_f32, 0.0, -5.0];
        let mut a = z;
        ActivationKind::Softmax.forward(&mut a);
        let soft = ActivationKind::Softmax;
        let scce = SparseCategoricalCrossentropy.output_logits(true);
        let l2 = scce.loss(soft, &z, &a, TargetRef::Class(2));
        let l0 = scce.loss(soft, &z, &a, TargetRef::Class(0));
        assert_eq!(l2, 25.0);
        assert!(l0.abs() < 1e-6, "{l0}");
        assert!(((l2 + l0) / 2.0 - 12.5).abs() < 1e-6);
        // The default, clipped form: -ln(1e-7).
        let clipped = SparseCategoricalCrossentropy.loss(soft, &z, &a, TargetRef::Class(2));
        assert!((clipped - 16.118_095).abs() < 1e-4, "{clipped}");
        // The same through the categorical loss, with one-hot targets.
        let cce = CategoricalCrossentropy.output_logits(true);
        let one_hot = TargetRef::Values(&[0.0, 0.0, 1.0]);
        assert_eq!(cce.loss(soft, &z, &a, one_hot), 25.0);
        // And through loss_and_delta (the gradient is the fused p - y either way).
        let mut d1 = [0.0; 3];
        let mut d2 = [0.0; 3];
        let l = scce.loss_and_delta(soft, &z, &a, TargetRef::Class(2), 1.0, &mut d1);
        SparseCategoricalCrossentropy.loss_and_delta(
            soft,
            &z,
            &a,
            TargetRef::Class(2),
            1.0,
            &mut d2,
        );
        assert_eq!(l, 25.0);
        assert_eq!(d1, d2);
        // Binary: a sigmoid of logit 20 against 0: 20 + log1p(e^-20).
        let zb = [20.0_f32];
        let mut ab = zb;
        ActivationKind::Sigmoid.forward(&mut ab);
        let bce = BinaryCrossentropy.output_logits(true);
        let l = bce.loss(ActivationKind::Sigmoid, &zb, &ab, TargetRef::Values(&[0.0]));
        assert!((l - 20.0).abs() < 1e-5, "{l}");
        let clipped =
            BinaryCrossentropy.loss(ActivationKind::Sigmoid, &zb, &ab, TargetRef::Values(&[0.0]));
        // -ln(1 - f32(1 - 1e-7)): 1 - 1e-7 rounds to 1 - 2^-23 in f32.
        assert!((clipped - 15.942_385).abs() < 1e-5, "{clipped}");
    }

    #[test]
    fn regression() {
        let a = [[1.5, -0.2, 3.0], [0.1, 0.2, -2.5]];
        let t = [
            TargetRef::Values(&[1.0, 0.4, 0.0]),
            TargetRef::Values(&[0.1, -1.0, 0.5]),
        ];
        each! {
            MeanSquaredError, &a, &t => [3.203_333_377_8, 3.480_000_257_5];
            MeanAbsoluteError, &a, &t => [1.366_666_674_6, 1.399_999_976_2];
            Huber::default(), &a, &t => [0.935_000_061_9, 1.066_666_722_3];
            Huber::new(2.0), &a, &t => [1.434_999_942_8, 1.573_333_501_8];
        }
    }

    #[test]
    fn names_and_kinds() {
        assert_eq!(CategoricalCrossentropy::NAME, "categorical_crossentropy");
        assert_eq!(BinaryCrossentropy::TARGET, TargetKind::Binary);
        assert_eq!(Huber::NAME, "huber_loss");
        assert_eq!(MeanSquaredError::NAME, "mean_squared_error");
        assert_eq!(MeanAbsoluteError::TARGET, TargetKind::Regression);
    }

    #[test]
    fn target_conversions() {
        let y = SVector::<f32, 3>::new(0.0, 1.0, 0.0);
        let t =
            <SVector<f32, 3> as TargetFor<CategoricalCrossentropy, SVector<f32, 3>>>::target(&y);
        assert_eq!(t, TargetRef::Values(&[0.0, 1.0, 0.0]));
        let t = <f32 as TargetFor<MeanSquaredError, SVector<f32, 1>>>::target(&2.5);
        assert_eq!(t, TargetRef::Values(&[2.5]));
        let t = <i32 as TargetFor<SparseCategoricalCrossentropy, SVector<f32, 3>>>::target(&-1);
        assert!(!t.fits(3));
        assert_eq!(TargetRef::Class(2).value(2), 1.0);
        assert_eq!(TargetRef::Class(2).value(0), 0.0);
        assert!(TargetRef::Values(&[1.0]).value(1).is_nan());
        assert_eq!(TargetRef::Values(&[0.1, 0.7, 0.2]).class(), 1);
    }
}
