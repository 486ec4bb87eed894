//! [`ReduceLrOnPlateau`].

use super::{Callback, CallbackContext, Mode};
use crate::train::Logs;
use crate::{Error, Result};

/// Multiplies the learning rate by `factor` when a monitored value has
/// stopped improving for `patience` epochs (Keras 3's `ReduceLROnPlateau`,
/// same fields and defaults: monitor `val_loss`, factor 0.1, patience 10,
/// mode auto, min_delta 1e-4, cooldown 0, min_lr 0).
///
/// At each epoch end, as Keras: during a cooldown the counter falls by one
/// and the wait is reset; an improvement (better than the best by more than
/// `min_delta`) becomes the best and resets the wait; otherwise, out of
/// cooldown, the wait grows, and once it reaches `patience` the rate becomes
/// `max(rate * factor, min_lr)` if it is above `min_lr`, which starts a
/// cooldown of `cooldown` epochs. `auto` mode maximises a monitored name
/// containing `acc` and minimises anything else (the losses).
///
/// Each epoch's logs (and the History) get the rate in effect during the
/// epoch as `learning_rate`, as Keras adds it. The optimizer must have a
/// constant rate (Keras raises `TypeError` on the first reduction with a
/// schedule; here too `fit` fails then). Monitoring a value that is not in
/// the logs is an error, as for [`EarlyStopping`](super::EarlyStopping)
/// (Keras only warns); so is a `factor` outside `[0, 1)` (Keras raises
/// `ValueError` for `factor >= 1`) or a `min_lr`/`min_delta` that is
/// negative or not finite.
///
/// ```
/// use mlp_core::train::{Mode, ReduceLrOnPlateau};
///
/// let reduce = ReduceLrOnPlateau::new().monitor("loss").factor(0.5).patience(2).min_lr(1e-4);
/// assert_eq!((reduce.factor, reduce.patience, reduce.mode), (0.5, 2, Mode::Auto));
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ReduceLrOnPlateau {
    /// The value to watch (default `"val_loss"`).
    pub monitor: String,
    /// The factor of each reduction (default 0.1), in `[0, 1)`.
    pub factor: f64,
    /// Epochs without improvement before a reduction (default 10).
    pub patience: usize,
    /// 0 (default): quiet; 1: a line per reduction.
    pub verbose: u8,
    /// Whether lower or higher is better (default auto).
    pub mode: Mode,
    /// The smallest change that counts as an improvement (default 1e-4).
    pub min_delta: f64,
    /// Epochs to wait after a reduction before counting again (default 0).
    pub cooldown: usize,
    /// The rate is never reduced below this (default 0).
    pub min_lr: f64,
    best: Option<f64>,
    wait: usize,
    cooldown_counter: usize,
}

impl Default for ReduceLrOnPlateau {
    fn default() -> Self {
        Self {
            monitor: "val_loss".into(),
            factor: 0.1,
            patience: 10,
            verbose: 0,
            mode: Mode::Auto,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            best: None,
            wait: 0,
            cooldown_counter: 0,
        }
    }
}

impl ReduceLrOnPlateau {
    /// Keras's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Sets the monitored value.
        monitor: impl Into<String> => Into::into,
        /// Sets `factor`.
        factor: f64,
        /// Sets `patience`.
        patience: usize,
        /// Sets `verbose`.
        verbose: u8,
        /// Sets `mode`.
        mode: Mode,
        /// Sets `min_delta` (its absolute value, as Keras).
        min_delta: f64 => f64::abs,
        /// Sets `cooldown`.
        cooldown: usize,
        /// Sets `min_lr`.
        min_lr: f64,
    }

    fn improves(&self, value: f64) -> bool {
        self.mode
            .resolve(&self.monitor)
            .improves(value, self.best, self.min_delta)
    }

    fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: f64, rule: &str| Error::InvalidArgument {
            name,
            message: format!("ReduceLROnPlateau's {name} is {value}; it must be {rule}"),
        };
        if !(0.0..1.0).contains(&self.factor) {
            return Err(bad("factor", self.factor, "in [0, 1)"));
        }
        if !(self.min_lr.is_finite() && self.min_lr >= 0.0) {
            return Err(bad("min_lr", self.min_lr, "finite and >= 0"));
        }
        if !self.min_delta.is_finite() {
            return Err(bad("min_delta", self.min_delta, "finite"));
        }
        Ok(())
    }
}

impl<N: crate::model::Model> Callback<N> for ReduceLrOnPlateau {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, N>) -> Result<()> {
        self.validate()?;
        ctx.check_monitor("ReduceLROnPlateau", &self.monitor)?;
        self.best = None;
        self.wait = 0;
        self.cooldown_counter = 0;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let current = super::monitored("ReduceLROnPlateau", &self.monitor, logs)?;
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.improves(current) {
            self.best = Some(current);
            self.wait = 0;
        } else if self.cooldown_counter == 0 {
            self.wait += 1;
            if self.wait >= self.patience {
                // Keras: old_lr > float32(min_lr), new = max(old * factor, min_lr),
                // in float64, stored as float32.
                let old = f64::from(ctx.learning_rate());
                if old > f64::from(self.min_lr as f32) {
                    let new = (old * self.factor).max(self.min_lr);
                    ctx.set_learning_rate(new as f32)?;
                    if self.verbose > 0 {
                        println!(
                            "\nEpoch {}: ReduceLROnPlateau reducing learning rate to {new}.",
                            epoch + 1
                        );
                    }
                    self.cooldown_counter = self.cooldown;
                    self.wait = 0;
                }
            }
        }
        Ok(())
    }

    fn logs_learning_rate(&self) -> bool {
        true
    }
}
