//! [`EarlyStopping`].

use super::{Callback, CallbackContext};
use crate::Result;
use crate::train::Logs;

/// Whether the monitored quantity should go down or up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `max` if the monitored name contains `acc`, else `min`.
    #[default]
    Auto,
    /// Lower is better.
    Min,
    /// Higher is better.
    Max,
}

impl Mode {
    /// [`Mode::Min`] or [`Mode::Max`] for the quantity named `monitor`:
    /// [`Mode::Auto`] becomes `Max` for a metric whose larger values are
    /// better ([`Metric::higher_is_better_named`]: `val_accuracy`, `auc`,
    /// `class_precision`, ...) or a name containing `acc`, else `Min`.
    ///
    /// [`Metric::higher_is_better_named`]: crate::metrics::Metric::higher_is_better_named
    pub fn resolve(self, monitor: &str) -> Mode {
        match self {
            Mode::Auto
                if monitor.contains("acc")
                    || crate::metrics::Metric::higher_is_better_named(monitor) =>
            {
                Mode::Max
            }
            Mode::Auto => Mode::Min,
            m => m,
        }
    }

    /// Whether `value` improves on `reference` by more than `min_delta` in
    /// this (resolved) mode; NaN never improves, and anything improves on
    /// no reference at all.
    pub(crate) fn improves(self, value: f64, reference: Option<f64>, min_delta: f64) -> bool {
        if value.is_nan() {
            return false;
        }
        let Some(reference) = reference else {
            return true;
        };
        match self {
            Mode::Max => value - min_delta > reference,
            _ => value + min_delta < reference,
        }
    }
}

/// Stops training when a monitored value has stopped improving (Keras 3's
/// `EarlyStopping`, same fields and defaults).
///
/// Each epoch end: an improvement is a value better than the best so far by
/// more than `min_delta`; it resets the wait. Otherwise the wait grows, and
/// training stops once it reaches `patience` (never at the first epoch).
/// With `restore_best_weights`, the parameters of the best epoch are put
/// back at the end of training (Keras 3 restores them whether or not
/// training stopped early).
///
/// Monitoring a value that is not in the logs (say `val_loss` without
/// validation data) is an error at the start of `fit`, before the first
/// step, where Keras only warns.
///
/// ```
/// use mlp_core::train::{EarlyStopping, Mode};
///
/// let stop = EarlyStopping::new().monitor("val_accuracy").patience(10).restore_best_weights(true);
/// assert_eq!(stop.resolved_mode(), Mode::Max);
/// assert_eq!(EarlyStopping::new().resolved_mode(), Mode::Min); // val_loss
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    /// The value to watch (default `"val_loss"`).
    pub monitor: String,
    /// The smallest change that counts as an improvement (default 0).
    pub min_delta: f64,
    /// Epochs without improvement before stopping (default 0).
    pub patience: usize,
    /// Direction of improvement (default [`Mode::Auto`]).
    pub mode: Mode,
    /// A value to beat: until the monitored value beats it, the wait is not
    /// reset (default none).
    pub baseline: Option<f64>,
    /// Put back the parameters of the best epoch at the end (default false).
    pub restore_best_weights: bool,
    /// Epochs to wait before watching at all (default 0).
    pub start_from_epoch: usize,
    /// Print when stopping and restoring (default false, Keras's 0).
    pub verbose: bool,
    wait: usize,
    stopped_epoch: Option<usize>,
    best: Option<f64>,
    best_epoch: Option<usize>,
    best_weights: Option<Vec<f32>>,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self {
            monitor: "val_loss".into(),
            min_delta: 0.0,
            patience: 0,
            mode: Mode::Auto,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            verbose: false,
            wait: 0,
            stopped_epoch: None,
            best: None,
            best_epoch: None,
            best_weights: None,
        }
    }
}

impl EarlyStopping {
    /// Keras's defaults: monitor `val_loss`, patience 0.
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets the monitored value.
        monitor: impl Into<String> => Into::into,
        /// Sets the minimum change that counts as an improvement (its sign is
        /// ignored, as Keras).
        min_delta: f64 => f64::abs,
        /// Sets the patience.
        patience: usize,
        /// Sets the mode.
        mode: Mode,
        /// Sets the baseline.
        baseline: f64 => Some,
        /// Restores the best epoch's parameters at the end of training.
        restore_best_weights: bool,
        /// Sets the epoch to start watching at.
        start_from_epoch: usize,
        /// Prints when stopping and restoring.
        verbose: bool,
    }

    /// [`Mode::Min`] or [`Mode::Max`], resolving [`Mode::Auto`] by the name.
    pub fn resolved_mode(&self) -> Mode {
        self.mode.resolve(&self.monitor)
    }

    /// The epoch at which training was stopped, if it was.
    pub fn stopped_epoch(&self) -> Option<usize> {
        self.stopped_epoch
    }

    /// The best epoch so far and its value.
    pub fn best(&self) -> Option<(usize, f64)> {
        self.best_epoch.zip(self.best)
    }

    fn improves(&self, value: f64, reference: Option<f64>) -> bool {
        self.resolved_mode()
            .improves(value, reference, self.min_delta)
    }
}

impl<N: crate::model::Model> Callback<N> for EarlyStopping {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, N>) -> Result<()> {
        ctx.check_monitor("EarlyStopping", &self.monitor)?;
        self.wait = 0;
        self.stopped_epoch = None;
        self.best = None;
        self.best_epoch = None;
        self.best_weights = None;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let current = super::monitored("EarlyStopping", &self.monitor, logs)?;
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            // Until something improves, the current weights are the best.
            self.best_weights = Some(ctx.weights().to_vec());
            self.best_epoch = Some(epoch);
        }
        self.wait += 1;
        if self.improves(current, self.best) {
            self.best = Some(current);
            self.best_epoch = Some(epoch);
            if self.restore_best_weights {
                match &mut self.best_weights {
                    Some(w) => w.copy_from_slice(ctx.weights()),
                    None => self.best_weights = Some(ctx.weights().to_vec()),
                }
            }
            if self.baseline.is_none() || self.improves(current, self.baseline) {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = Some(epoch);
            ctx.stop_training();
        }
        Ok(())
    }

    fn on_train_end(&mut self, ctx: &mut CallbackContext<'_, N>, _logs: &Logs) -> Result<()> {
        if let (Some(epoch), true) = (self.stopped_epoch, self.verbose) {
            println!("Epoch {}: early stopping", epoch + 1);
        }
        if self.restore_best_weights
            && let Some(best) = &self.best_weights
        {
            if self.verbose
                && let Some(e) = self.best_epoch
            {
                println!(
                    "Restoring model weights from the end of the best epoch: {}.",
                    e + 1
                );
            }
            ctx.weights_mut().copy_from_slice(best);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_mode_follows_the_name() {
        for (name, mode) in [
            ("val_loss", Mode::Min),
            ("loss", Mode::Min),
            ("accuracy", Mode::Max),
            ("val_accuracy", Mode::Max),
            ("val_sparse_top_k_categorical_accuracy", Mode::Max),
            ("val_mse", Mode::Min),
            ("val_auc", Mode::Max),
            ("precision", Mode::Max),
            ("val_class_recall", Mode::Max),
            ("r2_score", Mode::Max),
            ("cosine_similarity", Mode::Max),
            ("val_root_mean_squared_error", Mode::Min),
            ("price_mae", Mode::Min),
        ] {
            assert_eq!(
                EarlyStopping::new().monitor(name).resolved_mode(),
                mode,
                "{name}"
            );
        }
    }

    #[test]
    fn min_delta_is_required_margin() {
        let es = EarlyStopping::new().min_delta(0.1);
        assert!(es.improves(0.5, Some(0.7)));
        assert!(!es.improves(0.65, Some(0.7)));
        let es = EarlyStopping::new().monitor("accuracy").min_delta(-0.1);
        assert!(es.improves(0.85, Some(0.7)));
        assert!(!es.improves(0.75, Some(0.7)));
        assert!(es.improves(0.0, None));
        assert!(!es.improves(f64::NAN, None));
    }
}
