//! [`Compile`]: `model.compile(loss, optimizer, metrics)` on every network.

use super::Trainer;
use crate::loss::Loss;
use crate::metrics::Metric;
use crate::network::Network;
use crate::optim::Optimizer;

/// Keras's `model.compile`, on every [`Network`]: chooses the loss, the
/// optimizer and the metrics, and returns the [`Trainer`] that fits,
/// evaluates and predicts. In the prelude.
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
pub trait Compile: Network {
    /// A trainer of `self` with this loss, optimizer and metrics (see
    /// [`Trainer::new`]).
    fn compile<L: Loss, O: Optimizer>(
        &mut self,
        loss: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> Trainer<'_, Self, L, O> {
        Trainer::new(self, loss, optimizer, metrics)
    }
}

impl<N: Network> Compile for N {}
