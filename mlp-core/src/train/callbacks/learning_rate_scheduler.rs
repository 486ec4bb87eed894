//! [`LearningRateScheduler`].

use super::{Callback, CallbackContext};
use crate::Result;
use core::fmt;

/// Sets the learning rate at the start of each epoch from a function of the
/// epoch (0-based) and the current rate (Keras 3's
/// `LearningRateScheduler(schedule, verbose=0)`). With `verbose` 1 it prints
/// `Epoch 3: LearningRateScheduler setting learning rate to 0.25.` on each
/// change.
///
/// As in Keras, each epoch's logs (and the History) get the rate in effect
/// as `learning_rate`. The optimizer must have a constant rate: with a
/// [`LearningRateSchedule`](crate::optim::LearningRateSchedule) `fit` fails
/// at the first epoch (Keras raises `TypeError`), as it does for a function
/// that returns NaN, an infinite or a negative rate.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::{Fit, LearningRateScheduler};
///
/// network! { struct Net { Input[2] -> Dense<2, softmax> } }
///
/// let x = [SVector::<f32, 2>::new(0.0, 1.0), SVector::<f32, 2>::new(1.0, 0.0)];
/// let y = [1_u8, 0];
/// let mut model = Net::new(0);
/// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.1), []);
/// // Keep the rate for 2 epochs, then halve it each epoch.
/// let halve = LearningRateScheduler::new(|epoch, lr| if epoch < 2 { lr } else { lr / 2.0 });
/// let history = trainer.fit(&x, &y, Fit::epochs(4).verbose(0).callback(halve))?;
/// let rates = history.get("learning_rate").unwrap();
/// assert_eq!(rates, [0.1_f32, 0.1, 0.05, 0.025].map(f64::from));
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub struct LearningRateScheduler<F> {
    schedule: F,
    /// 0: quiet (default); 1: a line per epoch naming the rate set.
    pub verbose: u8,
}

impl<F: FnMut(usize, f32) -> f32> LearningRateScheduler<F> {
    /// A scheduler calling `schedule(epoch, current_rate)` at each epoch's
    /// start, quiet.
    pub fn new(schedule: F) -> Self {
        Self {
            schedule,
            verbose: 0,
        }
    }

    setters! {
        /// Sets `verbose` (0 or 1).
        verbose: u8,
    }
}

impl<F> fmt::Debug for LearningRateScheduler<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LearningRateScheduler")
            .field("verbose", &self.verbose)
            .finish_non_exhaustive()
    }
}

impl<N: crate::model::Model, F: FnMut(usize, f32) -> f32> Callback<N> for LearningRateScheduler<F> {
    fn on_epoch_begin(&mut self, ctx: &mut CallbackContext<'_, N>, epoch: usize) -> Result<()> {
        let rate = (self.schedule)(epoch, ctx.learning_rate());
        ctx.set_learning_rate(rate)?;
        if self.verbose > 0 {
            println!(
                "\nEpoch {}: LearningRateScheduler setting learning rate to {rate}.",
                epoch + 1
            );
        }
        Ok(())
    }

    fn logs_learning_rate(&self) -> bool {
        true
    }
}
