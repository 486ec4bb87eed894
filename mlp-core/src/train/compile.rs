//! [`Compile`]: `model.compile(loss, optimizer, metrics)` on every model,
//! and the reminder a model gives when `fit` or `evaluate` is called on it
//! before `compile` ([`Compiled`]).

use super::Trainer;
use super::losses::Losses;
use crate::metrics::Metric;
use crate::model::Model;
use crate::optim::Optimizer;
use core::convert::Infallible;

/// Keras's `model.compile`, on every [`Model`], chain or graph: chooses the
/// loss (one for every output, or a tuple of one per output), the optimizer
/// and the metrics, and returns the [`Trainer`] that fits, evaluates and
/// predicts. In the prelude.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::metrics::Metric;
/// use mlp_core::optim::Sgd;
///
/// network! { struct Net { Input[4] -> Dense<8, relu> -> Dense<3, softmax> } }
///
/// let mut model = Net::new(42);
/// let trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.01), [Metric::Accuracy]);
/// assert_eq!(trainer.metric_names().collect::<Vec<_>>(), ["loss", "accuracy"]);
/// # Ok::<(), mlp_core::Error>(())
/// ```
///
/// `Net::new(42)` returns a `Box<Net>`: the model is built in place on the
/// heap, so its weights (a megabyte for the book's Fashion-MNIST model)
/// never pass through the stack; the box derefs to the model, so
/// `model.compile(..)` and `model.predict_one(..)` work on it, and `&*model`
/// is a `&Net`.
///
/// `fit` and `evaluate` belong to the [`Trainer`] that `compile` returns,
/// as in Keras, where `model.fit` before `model.compile` is an error: here
/// it is a compile error that says so (see [`Compiled`]).
pub trait Compile: Model {
    /// A trainer of `self` with these losses, optimizer and metrics (see
    /// [`Trainer::new`]).
    fn compile<L: Losses, O: Optimizer>(
        &mut self,
        loss: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> Trainer<'_, Self, L, O> {
        Trainer::new(self, loss, optimizer, metrics)
    }

    /// Not callable: a model is trained by the [`Trainer`] that
    /// [`Compile::compile`] returns (`model.compile(loss, optimizer,
    /// metrics).fit(&x, &y, Fit::epochs(10))`). Calling `fit` on the model
    /// itself is a compile error that says so.
    #[allow(unreachable_code)] // `never` returns no value.
    fn fit<X, Y, F>(&mut self, _x: X, _y: Y, _options: F) -> crate::Result<crate::history::History>
    where
        Self: Compiled,
    {
        match self.never() {}
    }

    /// Not callable: a model is evaluated by the [`Trainer`] that
    /// [`Compile::compile`] returns. Calling `evaluate` on the model itself
    /// is a compile error that says so.
    #[allow(unreachable_code)] // `never` returns no value.
    fn evaluate<X, Y>(&mut self, _x: X, _y: Y) -> crate::Result<super::Logs>
    where
        Self: Compiled,
    {
        match self.never() {}
    }
}

impl<M: Model> Compile for M {}

/// Implemented by no type: the bound of [`Compile::fit`] and
/// [`Compile::evaluate`], so that `model.fit(..)` before `model.compile(..)`
/// fails to compile with this message instead of "no method named `fit`".
///
/// ```compile_fail
/// use mlp_core::prelude::*;
/// network! { struct Net { Input[2] -> Dense<1> } }
/// let x = [SVector::<f32, 2>::zeros()];
/// let y = [0.0_f32];
/// let mut model = Net::new(1);
/// model.fit(&x, &y, Fit::epochs(1))?; // `Net` is a model, not a trainer: call `model.compile(...)` first
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a model, not a trainer: call `model.compile(loss, optimizer, metrics)` first, as in Keras",
    label = "`compile` returns the trainer that fits and evaluates `{Self}`",
    note = "as in Keras, `compile` chooses the loss, the optimizer and the metrics, and `fit` and \
            `evaluate` are the trainer's:\n\
            let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), [Metric::MeanAbsoluteError]);\n\
            let history = trainer.fit(&x_train, &y_train, Fit::epochs(10))?;"
)]
pub trait Compiled: sealed::Sealed {
    /// No value: no type implements this trait.
    fn never(&self) -> Infallible;
}

mod sealed {
    /// Not implemented for any type, so neither is [`super::Compiled`].
    pub trait Sealed {}
}
