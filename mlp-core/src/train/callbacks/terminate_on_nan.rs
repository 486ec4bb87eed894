//! [`TerminateOnNaN`].

use super::{Callback, CallbackContext};
use crate::Result;
use crate::train::Logs;

/// Stops training when the loss becomes NaN or infinite (Keras's
/// `TerminateOnNaN`), printing `Batch 17: Invalid loss, terminating training`.
///
/// `fit` never applies an update whose batch loss is not finite: without this
/// callback, such a batch makes `fit` return
/// [`Error::Diverged`](crate::Error::Diverged) (with the history so far);
/// with it, `fit` ends normally after recording the epoch, and returns the
/// history, whose last `loss` is NaN or infinite. Either way the model keeps
/// the parameters of the last finite step.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::{Fit, TerminateOnNaN};
///
/// network! { struct Net { Input[1] -> Dense<2, softmax> } }
///
/// // Weights and an input so large that the logits overflow: the loss is NaN.
/// let x = [SVector::<f32, 1>::new(3e38)];
/// let mut model = Net::new(0);
/// model.params_mut().copy_from_slice(&[2.0, 2.0, 0.0, 0.0]);
/// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
/// let history = trainer.fit(&x, &[0_u8], Fit::epochs(5).verbose(0).callback(TerminateOnNaN))?;
/// assert_eq!(history.len(), 1);
/// assert!(history.get("loss").unwrap()[0].is_nan());
/// drop(trainer);
/// assert_eq!(model.params(), [2.0, 2.0, 0.0, 0.0]); // the update was not applied
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct TerminateOnNaN;

impl<N: crate::model::Model> Callback<N> for TerminateOnNaN {
    fn on_batch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        if logs.loss().is_some_and(|l| !l.is_finite()) {
            println!("Batch {batch}: Invalid loss, terminating training");
            ctx.stop_training();
        }
        Ok(())
    }
}
