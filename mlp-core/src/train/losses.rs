//! A loss per output, of any type (Keras's `loss={"main": "mse", "aux":
//! "sparse_categorical_crossentropy"}`): `compile` takes one [`Loss`] for
//! every output, or a tuple with one loss per declared output, in order.
//! Each output's targets are typed by its own loss, so a class-index target
//! given to a mean-squared-error head does not compile.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
//! use mlp_core::metrics::Metric;
//! use mlp_core::optim::Adam;
//! use mlp_core::train::Fit;
//!
//! network! {
//!     /// A price head and a class head on one trunk.
//!     pub struct TwoHeads {
//!         x = Input[3];
//!         trunk = Dense<8, relu>(x);
//!         output price = Dense<1>(trunk);
//!         output class = Dense<2, softmax>(trunk);
//!     }
//! }
//!
//! let x: Vec<SVector<f32, 3>> = (0..32).map(|i| SVector::from([i as f32 / 32.0, 0.5, -0.5])).collect();
//! let price: Vec<f32> = (0..32).map(|i| i as f32 / 16.0).collect();
//! let class: Vec<u8> = (0..32).map(|i| u8::from(i >= 16)).collect();
//!
//! let mut model = TwoHeads::new(1);
//! let mut trainer = model
//!     .compile((MeanSquaredError, SparseCategoricalCrossentropy), Adam::new(0.01), [])
//!     .output_metrics([vec![Metric::MeanAbsoluteError], vec![Metric::Accuracy]]);
//! let history = trainer.fit(&x, (&price, &class), Fit::epochs(3).verbose(0))?;
//! let names: Vec<&str> = history.names().collect();
//! assert_eq!(names, ["loss", "price_loss", "price_mae", "class_loss", "class_accuracy"]);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::activation::ActivationKind;
use crate::loss::{Divisors, Loss, Reduction, TargetKind, TargetRef};

/// The loss of output `K`: the one loss given for every output, or the
/// `K`-th of a tuple. What types each output's targets.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no loss for output {K}",
    label = "no loss for output {K}",
    note = "`compile` takes one loss for every output, or a tuple with one loss per output, \
            in the order the outputs are declared: as many losses as outputs"
)]
pub trait OutputLoss<const K: usize> {
    /// The loss of output `K`.
    type Loss: Loss;
}

impl<L: Loss, const K: usize> OutputLoss<K> for L {
    type Loss = L;
}

/// The losses of a model's outputs, read by output index: one [`Loss`] for
/// every output, or a tuple of one per output. Implemented for both; not
/// meant to be implemented elsewhere.
pub trait Losses: Copy + Send + Sync + core::fmt::Debug + 'static {
    /// How many outputs the losses are for (`None`: any, one loss for all).
    fn count(&self) -> Option<usize>;
    /// Output `k`'s loss's Keras name.
    fn name(&self, k: usize) -> &'static str;
    /// Output `k`'s kind of targets.
    fn target_kind(&self, k: usize) -> TargetKind;
    /// Output `k`'s [`Loss::loss_and_delta`].
    #[allow(clippy::too_many_arguments)]
    fn loss_and_delta(
        &self,
        k: usize,
        activation: ActivationKind,
        z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
        scale: f32,
        delta: &mut [f32],
    ) -> f32;
    /// Output `k`'s [`Loss::loss`].
    fn loss(
        &self,
        k: usize,
        activation: ActivationKind,
        z: &[f32],
        a: &[f32],
        target: TargetRef<'_>,
    ) -> f32;
    /// Output `k`'s [`Loss::validate`].
    fn validate(&self, k: usize) -> crate::Result<()>;
    /// Output `k`'s [`Loss::ignored`].
    fn ignored(&self, k: usize, target: TargetRef<'_>) -> bool;
    /// Output `k`'s [`Loss::ignores_any`].
    fn ignores_any(&self, k: usize) -> bool;
    /// Output `k`'s [`Loss::batch_reduction`].
    fn reduction(&self, k: usize) -> Reduction;

    /// The divisors of a batch of `n` samples for output `k`: its loss's
    /// reduction, its mask, and the samples' targets with their weights
    /// (read only when the mask or the reduction needs them).
    fn divisors<'t>(
        &self,
        k: usize,
        n: usize,
        samples: impl Iterator<Item = (TargetRef<'t>, f32)>,
    ) -> Divisors {
        crate::loss::masked_divisors(
            self.reduction(k),
            n,
            self.ignores_any(k).then_some(|t| self.ignored(k, t)),
            samples,
        )
    }
}

/// `$e` applied to the `k`-th loss: of the tuple, or (`@one`) the one loss
/// given for every output.
macro_rules! at {
    ($self:ident, $k:expr, |$l:ident| $e:expr, @one) => {{
        let _ = $k;
        let $l = $self;
        $e
    }};
    ($self:ident, $k:expr, |$l:ident| $e:expr, $($i:tt)+) => {
        match $k {
            $($i => { let $l = &$self.$i; $e })+
            _ => unreachable!("the losses are checked to be one per output"),
        }
    };
}

/// [`Losses`]'s methods but `count`, each calling output `k`'s loss, for a
/// tuple (its indices) or one loss for every output (`@one`).
macro_rules! losses_methods {
    ($($i:tt)+) => {
        fn name(&self, k: usize) -> &'static str {
            at!(self, k, |l| name_of(l), $($i)+)
        }
        fn target_kind(&self, k: usize) -> TargetKind {
            at!(self, k, |l| kind_of(l), $($i)+)
        }
        #[inline]
        fn loss_and_delta(
            &self,
            k: usize,
            activation: ActivationKind,
            z: &[f32],
            a: &[f32],
            target: TargetRef<'_>,
            scale: f32,
            delta: &mut [f32],
        ) -> f32 {
            at!(self, k, |l| Loss::loss_and_delta(l, activation, z, a, target, scale, delta), $($i)+)
        }
        #[inline]
        fn loss(
            &self,
            k: usize,
            activation: ActivationKind,
            z: &[f32],
            a: &[f32],
            target: TargetRef<'_>,
        ) -> f32 {
            at!(self, k, |l| Loss::loss(l, activation, z, a, target), $($i)+)
        }
        fn validate(&self, k: usize) -> crate::Result<()> {
            at!(self, k, |l| Loss::validate(l), $($i)+)
        }
        #[inline]
        fn ignored(&self, k: usize, target: TargetRef<'_>) -> bool {
            at!(self, k, |l| Loss::ignored(l, target), $($i)+)
        }
        fn ignores_any(&self, k: usize) -> bool {
            at!(self, k, |l| Loss::ignores_any(l), $($i)+)
        }
        fn reduction(&self, k: usize) -> Reduction {
            at!(self, k, |l| Loss::batch_reduction(l), $($i)+)
        }
    };
}

impl<L: Loss> Losses for L {
    fn count(&self) -> Option<usize> {
        None
    }
    losses_methods!(@one);
}

/// `NthLoss<i>` of the tuple of `all` for each `i L`, one after another.
macro_rules! output_losses {
    ($all:tt;) => {};
    ($all:tt; $i:tt $L:ident $(, $ri:tt $rl:ident)*) => {
        output_loss!($all $i $L);
        output_losses!($all; $($ri $rl),*);
    };
}

/// The `K`-th loss of a tuple of losses: what [`OutputLoss`] reads for a
/// tuple. Implemented for tuples of up to eight losses, for each of their
/// indices; an index past the end has no implementation, so too few losses
/// for a model's outputs is a compile error that says which output has none.
pub trait NthLoss<const K: usize> {
    /// The `K`-th loss.
    type Loss: Loss;
}

macro_rules! output_loss {
    ([$($All:ident)+] $i:tt $L:ident) => {
        impl<$($All: Loss),+> NthLoss<$i> for ($($All,)+) {
            type Loss = $L;
        }
    };
}

macro_rules! tuple_losses {
    ($n:expr; $($i:tt $L:ident),+) => {
        output_losses!([$($L)+]; $($i $L),+);

        impl<$($L: Loss,)+ const K: usize> OutputLoss<K> for ($($L,)+)
        where
            ($($L,)+): NthLoss<K>,
        {
            type Loss = <($($L,)+) as NthLoss<K>>::Loss;
        }

        impl<$($L: Loss),+> Losses for ($($L,)+) {
            fn count(&self) -> Option<usize> {
                Some($n)
            }
            losses_methods!($($i)+);
        }
    };
}

fn name_of<L: Loss>(_: &L) -> &'static str {
    L::NAME
}

fn kind_of<L: Loss>(_: &L) -> TargetKind {
    L::TARGET
}

tuple_losses!(1; 0 A);
tuple_losses!(2; 0 A, 1 B);
tuple_losses!(3; 0 A, 1 B, 2 C);
tuple_losses!(4; 0 A, 1 B, 2 C, 3 D);
tuple_losses!(5; 0 A, 1 B, 2 C, 3 D, 4 E);
tuple_losses!(6; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F);
tuple_losses!(7; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G);
tuple_losses!(8; 0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::{MeanSquaredError, SparseCategoricalCrossentropy};

    #[test]
    fn one_loss_serves_every_output_and_a_tuple_one_each() {
        let one = MeanSquaredError;
        assert_eq!((one.count(), one.name(5)), (None, "mean_squared_error"));
        let two = (MeanSquaredError, SparseCategoricalCrossentropy::default());
        assert_eq!(two.count(), Some(2));
        assert_eq!(two.name(1), "sparse_categorical_crossentropy");
        assert_eq!(two.target_kind(0), TargetKind::Regression);
        assert_eq!(two.target_kind(1), TargetKind::Sparse);
    }
}
