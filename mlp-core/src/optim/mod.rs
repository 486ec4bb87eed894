//! Optimizers, apart from layers: each updates a flat slice of parameters
//! from a flat slice of gradients, with per-parameter state the trainer
//! allocates once (`slots() * PARAMS` values, sized by the network's const).
//!
//! | optimizer | Keras | defaults | slots |
//! | --- | --- | --- | --- |
//! | [`Sgd`] | `SGD` | lr 0.01, momentum 0, nesterov off | 0, or 1 with momentum |
//! | [`Adam`] | `Adam` | lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7 | 2 (3 with AMSGrad) |
//! | [`RmsProp`] | `RMSprop` | lr 0.001, rho 0.9, momentum 0, epsilon 1e-7 | 1 (+1 momentum, +1 centered) |
//! | [`Nadam`] | `Nadam` | lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7 | 2 |
//! | [`AdamW`] | `AdamW` | as Adam, weight_decay 0.004 | as Adam |
//! | [`Adagrad`] | `Adagrad` | lr 0.001, initial_accumulator_value 0.1, epsilon 1e-7 | 1 |
//! | [`Adamax`] | `Adamax` | lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7 | 2 |
//!
//! Every optimizer takes a constant `f32` rate or a [`LearningRateSchedule`]
//! ([`ExponentialDecay`], [`PiecewiseConstantDecay`], [`InverseTimeDecay`],
//! [`CosineDecay`], or a closure in [`FnSchedule`]), optional
//! [`Clipping`], and Keras 3's optional decoupled `weight_decay`: before each
//! update, every parameter is shrunk as `w -= w * weight_decay * lr` (Keras's
//! `_apply_weight_decay`; [`AdamW`] is Adam with it).
//!
//! Keras's options of every optimizer that keep state of their own wrap
//! any optimizer and keep it in its last state slot (so a training state
//! saves it and a resumed run is bit-identical): [`Ema`] (`use_ema`,
//! `ema_momentum`, `ema_overwrite_frequency`; the weights take their
//! average at the end of `fit`) and [`Accumulate`]
//! (`gradient_accumulation_steps`). [`ExcludeFromWeightDecay`] is Keras's
//! `exclude_from_weight_decay`, by layer or weight name.
//!
//! Hyperparameters are checked by [`Optimizer::validate`], which `fit` calls
//! before its first step (Keras raises `ValueError` in the constructor):
//! a NaN, infinite or negative learning rate, a `beta` outside `[0, 1)`, a
//! momentum outside `[0, 1]`, an `epsilon <= 0`, a schedule's
//! `decay_steps = 0`, ... are errors naming the parameter and its value.
//!
//! ```
//! use mlp_core::optim::{Optimizer, Sgd};
//!
//! let mut sgd = Sgd::new(0.1);
//! let mut params = [1.0_f32, 2.0];
//! let mut state = vec![0.0; sgd.slots() * params.len()];
//! sgd.step(&mut params, &[0.5, -1.0], &mut state, 0);
//! assert_eq!(params, [0.95, 2.1]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// Writes what every optimizer with its own hyperparameters writes alike: the
/// struct (with the doc comments given, its learning rate or schedule `S`
/// first, the hyperparameters listed, then gradient clipping and Keras 3's
/// decoupled weight decay), `new(learning_rate)` with the defaults listed,
/// `Default` (Keras's default learning rate), and a builder setter for each
/// hyperparameter, the clipping and the weight decay.
macro_rules! optimizer {
    (
        $(#[doc = $doc:literal])*
        $opt:ident($default_rate:literal, $new_doc:literal) {
            $($(#[doc = $field_doc:literal])* $field:ident: $t:ty = $default:expr),* $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Debug)]
        pub struct $opt<S = f32> {
            /// The learning rate or its schedule.
            pub learning_rate: S,
            $($(#[doc = $field_doc])* pub $field: $t,)*
            /// Gradient clipping.
            pub clipping: Clipping,
            /// Keras 3's decoupled weight decay (`w -= w * weight_decay * lr`
            /// before each update); `None` by default.
            pub weight_decay: Option<f32>,
        }

        impl Default for $opt {
            fn default() -> Self {
                Self::new($default_rate)
            }
        }

        impl<S: LearningRateSchedule> $opt<S> {
            #[doc = $new_doc]
            pub fn new(learning_rate: S) -> Self {
                Self {
                    learning_rate,
                    $($field: $default,)*
                    clipping: Clipping::default(),
                    weight_decay: None,
                }
            }

            $(
                #[doc = concat!("Sets `", stringify!($field), "`:")]
                $(#[doc = $field_doc])*
                pub fn $field(mut self, $field: $t) -> Self {
                    self.$field = $field;
                    self
                }
            )*

            setters! {
                /// Sets gradient clipping.
                clipping: Clipping,
                /// Sets Keras 3's decoupled `weight_decay`.
                weight_decay: f32 => Some,
            }
        }
    };
}

/// Writes the [`Optimizer`] methods that every optimizer with its own
/// hyperparameters writes alike (inside its `impl Optimizer`): `elementwise`
/// (from its clipping), `learning_rate` and `learning_rate_mut` (from its
/// schedule), and `validate`, which checks, in this order, the learning rate,
/// each field listed with the rule (a function of the `validate` module)
/// named beside it, the clipping and the weight decay; its errors name
/// `owner`, as Keras's `ValueError`s do.
macro_rules! optimizer_methods {
    ($owner:literal $(, $rule:ident($field:ident))* $(,)?) => {
        fn elementwise(&self) -> bool {
            self.clipping.elementwise()
        }

        fn learning_rate(&self, iteration: u64) -> f32 {
            self.learning_rate.rate(iteration)
        }

        fn learning_rate_mut(&mut self) -> Option<&mut f32> {
            self.learning_rate.as_constant_mut()
        }

        #[cfg(feature = "alloc")]
        fn validate(&self) -> crate::Result<()> {
            use super::validate as check;
            check::learning_rate($owner, &self.learning_rate)?;
            $(check::$rule($owner, stringify!($field), self.$field)?;)*
            self.clipping.validate($owner)?;
            check::weight_decay($owner, self.weight_decay)
        }
    };
}

/// Writes the [`Optimizer`] methods that a wrapper of the optimizer in its
/// field `inner`, with one state slot of its own after the inner one's,
/// writes alike: `name` and `learning_rate_mut` are the inner optimizer's,
/// and `slots` is one more.
macro_rules! wrapper_methods {
    () => {
        fn name(&self) -> &'static str {
            self.inner.name()
        }

        fn slots(&self) -> usize {
            self.inner.slots() + 1
        }

        fn learning_rate_mut(&mut self) -> Option<&mut f32> {
            self.inner.learning_rate_mut()
        }
    };
}

mod accumulate;
mod adagrad;
mod adam;
mod adamax;
mod adamw;
mod clip;
mod ema;
mod exclude;
#[cfg(feature = "std")]
mod finalize;
mod nadam;
mod rmsprop;
mod schedule;
mod sgd;
#[cfg(feature = "alloc")]
pub(crate) mod validate;
mod weight_decay;

pub use accumulate::Accumulate;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adamax::Adamax;
pub use adamw::AdamW;
pub use clip::Clipping;
pub use ema::Ema;
pub use exclude::ExcludeFromWeightDecay;
#[cfg(feature = "std")]
pub(crate) use finalize::finalize_variables;
pub use nadam::Nadam;
pub use rmsprop::RmsProp;
pub use schedule::{
    CosineDecay, ExponentialDecay, FnSchedule, InverseTimeDecay, LearningRateSchedule,
    PiecewiseConstantDecay,
};
pub use sgd::{Sgd, SgdMomentumStep, SgdStep};

/// An optimizer: Keras's `optimizer.apply_gradients` over flat slices.
pub trait Optimizer: Send + Sync + core::fmt::Debug {
    /// Keras 3's name (`optimizer.name`), such as `"sgd"` or `"adam"`.
    fn name(&self) -> &'static str;

    /// How many per-parameter state buffers it needs (0 for plain SGD, 1 for
    /// momentum, 2 for Adam, ...).
    fn slots(&self) -> usize;

    /// One update. `state` holds `slots()` buffers of `params.len()` values,
    /// back to back, zero before the first step; `iteration` is the number of
    /// steps taken before this one (Keras's `optimizer.iterations`).
    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64);

    /// True if each parameter's update reads only its own gradient and state,
    /// so that the parameters can be updated in chunks on several threads
    /// (false with a global gradient norm, which needs every gradient).
    fn elementwise(&self) -> bool {
        true
    }

    /// The learning rate at `iteration` (after its schedule).
    fn learning_rate(&self, iteration: u64) -> f32;

    /// `Some(rate)` if the step at `iteration` is exactly `w -= rate · g` for
    /// every parameter (no state, no clipping): the batch engine may then fold
    /// the step into the product of the gradient (see
    /// the batch engine's folded backward pass), with the same result.
    /// `None` by default.
    fn plain_rate(&self, iteration: u64) -> Option<f32> {
        let _ = iteration;
        None
    }

    /// Checks the hyperparameters (learning rate or schedule, betas,
    /// momentum, epsilon, clipping, weight decay): an
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the
    /// first invalid one and its value. `fit` calls it before its first step.
    /// `Ok` by default.
    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        Ok(())
    }

    /// At the end of `fit`: Keras's `finalize_variable_values`, which
    /// replaces the weights by their moving averages under [`Ema`]. `params`
    /// and `state` are laid out as for [`Optimizer::step`]. Nothing by
    /// default.
    fn finalize(&self, params: &mut [f32], state: &[f32]) {
        let _ = (params, state);
    }

    /// The constant learning rate, to change it (Keras's
    /// `optimizer.learning_rate = ...`, as `LearningRateScheduler` and
    /// `ReduceLROnPlateau` do); `None` when the rate is a schedule, which
    /// Keras refuses to set too. `None` by default.
    fn learning_rate_mut(&mut self) -> Option<&mut f32> {
        None
    }
}

/// Reference trajectories of `w = [1, 2]` under fixed gradients: "hand"
/// values are Keras 3's update rules evaluated in f64 (exact to the digits
/// given), "Keras" values come from Keras 3.15.1 itself (JAX backend,
/// float32 variables, `opt.apply_gradients`).
///
/// Tolerances: against the f64 hand values 1e-6, the f32 rounding of a few
/// steps on weights near 1-2 (one ulp of 2 is 2.4e-7). Against Keras, 1e-6
/// where Keras's own float32 arithmetic is that close to exact (SGD,
/// RMSprop), and 1e-5 for Adam and Nadam at lr 0.1: Keras computes the bias
/// correction `1 - beta_2^t` in float32, where for t = 1, 2 the cancellation
/// leaves a relative error near 1e-5 (Keras's own first Adam step is
/// 6.3e-7 from the exact value).
#[cfg(test)]
pub(crate) mod reference {
    use super::Optimizer;

    /// The gradients of most reference runs.
    pub const GRADS: [[f32; 2]; 3] = [[0.1, -0.2], [0.3, 0.05], [-0.4, 0.25]];

    /// Runs `opt` from `w = [1, 2]`, checks `w` after each step against
    /// the hand values to 1e-6 and against Keras's to `keras_tol`.
    pub fn check<O: Optimizer, const T: usize>(
        opt: O,
        grads: &[[f32; 2]; T],
        hand: &[[f64; 2]; T],
        keras: &[[f64; 2]; T],
        keras_tol: f64,
    ) {
        let mut w = [1.0_f32, 2.0];
        let mut state = vec![0.0; opt.slots() * 2];
        for t in 0..T {
            opt.step(&mut w, &grads[t], &mut state, t as u64);
            for i in 0..2 {
                let got = w[i] as f64;
                assert!(
                    (got - hand[t][i]).abs() <= 1e-6 && (got - keras[t][i]).abs() <= keras_tol,
                    "{opt:?} step {}: w[{i}] = {got} but by hand {} and in Keras {}",
                    t + 1,
                    hand[t][i],
                    keras[t][i]
                );
            }
        }
    }

    /// keras `test_single_step`: one step from `w = [1, 2, 3, 4]` with the
    /// gradients `[1, 6, 7, 2]`, checked to 1e-4.
    pub fn single_step<O: Optimizer>(opt: O, want: [f32; 4]) {
        let mut w = [1.0_f32, 2.0, 3.0, 4.0];
        let mut state = vec![0.0; opt.slots() * 4];
        opt.step(&mut w, &[1.0, 6.0, 7.0, 2.0], &mut state, 0);
        for (got, want) in w.iter().zip(want) {
            assert!((got - want).abs() < 1e-4, "{w:?}");
        }
    }

    /// keras `test_correctness_with_golden`: from ten ones, a step with
    /// gradients 0.01, then steps with gradients `0.1 * (i + 1)`, the weights
    /// before each of those checked against `golden` to 5e-4 (relative and
    /// absolute).
    pub fn golden<O: Optimizer>(opt: O, golden: &[[f32; 10]; 5]) {
        let mut x = [1.0_f32; 10];
        let mut state = vec![0.0; opt.slots() * 10];
        let grads: [f32; 10] = core::array::from_fn(|i| 0.1 * (i + 1) as f32);
        opt.step(&mut x, &[0.01; 10], &mut state, 0);
        for (t, row) in golden.iter().enumerate() {
            for (got, want) in x.iter().zip(row) {
                assert!((got - want).abs() <= 5e-4 + 5e-4 * want.abs(), "{t}: {x:?}");
            }
            opt.step(&mut x, &grads, &mut state, t as u64 + 1);
        }
    }
}
