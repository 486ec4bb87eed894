//! Hyperparameter search (Keras Tuner): random search, Hyperband and Bayesian optimisation over a space of [`HyperParameters`]
//! ([`Int`], [`Float`] linear or log, [`Choice`], [`Boolean`], conditional
//! ones), a [`Tuner`] that runs trials, records them in a project folder
//! (resumable after a kill) and reports the best, and [`declaration`], the
//! winner written as a `network!` declaration.
//!
//! The architecture is a type, so a trial's model is one of the
//! `network!` types the program declares, chosen from the trial's values
//! (a `match` on the number of hidden layers and their width, say): every
//! trial trains with the same engine, at the speed of any typed model, and
//! the winner is already what `#[weights]` bakes. The price is paid at
//! compile time, per candidate type.
//!
//! Trials can run side by side ([`Tuner::parallel_trials`]), each training
//! on its share of the threads ([`Trial::threads`], to pass to
//! `Fit::threads`); the trials and their scores are the same for any number
//! at once (a Hyperband promotion waits for its round, a Bayesian proposal
//! for every earlier trial). The default is one at a time on every thread:
//! on the book's search (4 trials x 2 epochs, a quiet 2-core Xeon) it was
//! 1.47x faster than two trials on one thread each (`docs/tuning.md`).
//!
//! ```
//! use mlp_core::tune::{Choice, HyperParameters, Int};
//!
//! let mut hp = HyperParameters::new();
//! let n_hidden = hp.get(Int::new("n_hidden", 0, 8).default(2))?;
//! let optimizer = hp.get(Choice::new("optimizer", ["sgd", "adam"]))?;
//! assert_eq!((n_hidden, optimizer.as_str()), (2, "sgd"));
//! # Ok::<(), mlp_core::Error>(())
//! ```

mod bayesian;
mod declaration;
mod hyperband;
mod oracle;
mod project;
mod random;
mod schedule;
mod space;
mod tuner;

pub use declaration::declaration;
pub use project::{Status, TrialRecord};
pub use space::{
    Boolean, Choice, Declare, Float, HyperParameters, Int, Kind, Param, Sampling, Value,
};
pub use tuner::{Trial, Tuner};
