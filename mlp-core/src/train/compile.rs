//! [`Compile`]: `model.compile(loss, optimizer, metrics)` on every model.

use super::Trainer;
use super::losses::Losses;
use crate::metrics::Metric;
use crate::model::Model;
use crate::optim::Optimizer;

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
}

impl<M: Model> Compile for M {}
