//! AdamW: Adam with decoupled weight decay.

use super::{Adam, Clipping, LearningRateSchedule, Optimizer};

/// Keras's `AdamW`: [`Adam`] with Keras 3's decoupled weight decay, by
/// default 0.004 (learning rate 0.001, beta_1 0.9, beta_2 0.999, epsilon
/// 1e-7, no AMSGrad). Before each Adam update, `w -= w * weight_decay * lr`.
///
/// It wraps an [`Adam`] (the public field `0`), so that Keras's name
/// (`"adamw"`) is kept; the update is Adam's, with its state slots.
///
/// ```
/// use mlp_core::optim::{AdamW, Optimizer};
///
/// let adamw = AdamW::new(1.0);
/// assert_eq!(adamw.0.weight_decay, Some(0.004));
/// let mut w = [2.0_f32];
/// let mut state = vec![0.0; adamw.slots()];
/// adamw.step(&mut w, &[0.0], &mut state, 0);
/// // A zero gradient leaves only the decay: 2 - 2 * 0.004 * 1.
/// assert!((w[0] - 1.992).abs() < 1e-6);
/// # Ok::<(), core::convert::Infallible>(())
/// ```
#[derive(Clone, Debug)]
pub struct AdamW<S = f32>(pub Adam<S>);

/// Writes each setter as Adam's, on the wrapped Adam.
macro_rules! adam_setters {
    ($($(#[doc = $doc:literal])* $name:ident: $t:ty),* $(,)?) => {$(
        $(#[doc = $doc])*
        pub fn $name(self, $name: $t) -> Self {
            Self(self.0.$name($name))
        }
    )*};
}

impl Default for AdamW {
    fn default() -> Self {
        Self::new(0.001)
    }
}

impl<S: LearningRateSchedule> AdamW<S> {
    /// AdamW with Keras's defaults (weight decay 0.004) and the given
    /// learning rate (or schedule).
    pub fn new(learning_rate: S) -> Self {
        Self(Adam::new(learning_rate).weight_decay(0.004))
    }

    adam_setters! {
        /// Sets `weight_decay`.
        weight_decay: f32,
        /// Sets `beta_1`.
        beta_1: f32,
        /// Sets `beta_2`.
        beta_2: f32,
        /// Sets `epsilon`.
        epsilon: f32,
        /// Turns AMSGrad on or off.
        amsgrad: bool,
        /// Sets gradient clipping.
        clipping: Clipping,
    }
}

impl<S: LearningRateSchedule> Optimizer for AdamW<S> {
    fn name(&self) -> &'static str {
        "adamw"
    }

    fn slots(&self) -> usize {
        self.0.slots()
    }

    fn elementwise(&self) -> bool {
        self.0.elementwise()
    }

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        self.0.step(params, grads, state, iteration);
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.0.learning_rate(iteration)
    }

    /// As Adam's, and (as Keras) the weight decay must be set.
    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        if self.0.weight_decay.is_none() {
            return Err(crate::Error::InvalidArgument {
                name: "weight_decay",
                message: "AdamW's weight_decay is None; it must be a number".into(),
            });
        }
        self.0.validate()
    }

    fn learning_rate_mut(&mut self) -> Option<&mut f32> {
        self.0.learning_rate_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::super::reference::{GRADS, check, golden, single_step};
    use super::*;

    // keras.optimizers.AdamW(0.1) and AdamW(0.1, weight_decay=0.1) on
    // w = [1, 2] with GRADS (Keras 3.15.1, JAX backend). Tolerance against
    // Keras 1e-5, as Adam's (Keras's float32 bias correction).
    #[test]
    fn keras_reference() {
        check(
            AdamW::new(0.1),
            &GRADS,
            &[
                [0.899_603_160_7, 2.099_198_420_3],
                [0.807_466_123_4, 2.145_304_837_0],
                [0.813_283_199_6, 2.118_216_760_4],
            ],
            &[
                [0.899_603_843_7, 2.099_197_626_1],
                [0.807_467_699_1, 2.145_303_487_8],
                [0.813_284_754_8, 2.118_215_560_9],
            ],
            1e-5,
        );
        check(
            AdamW::new(0.1).weight_decay(0.1),
            &GRADS,
            &[
                [0.890_003_160_4, 2.079_998_419_8],
                [0.789_325_932_6, 2.106_144_531_0],
                [0.787_572_735_7, 2.058_853_130_6],
            ],
            &[
                [0.890_003_800_4, 2.079_997_777_9],
                [0.789_327_502_3, 2.106_143_474_6],
                [0.787_574_291_2, 2.058_852_195_7],
            ],
            1e-5,
        );
    }

    // keras/src/optimizers/adamw_test.py `test_single_step` and
    // `test_correctness_with_golden`.
    #[test]
    fn keras_single_step_and_golden() {
        single_step(AdamW::new(0.5), [0.4980, 1.4960, 2.494, 3.492]);

        golden(
            AdamW::new(1.0).weight_decay(0.5).epsilon(2.0),
            &[
                [0.4998; 10],
                [
                    0.2486, 0.2475, 0.2463, 0.2451, 0.244, 0.2428, 0.2417, 0.2405, 0.2394, 0.2382,
                ],
                [
                    0.1223, 0.1198, 0.1174, 0.1149, 0.1124, 0.11, 0.1075, 0.1051, 0.1027, 0.1003,
                ],
                [
                    0.0586, 0.0549, 0.0512, 0.0475, 0.0439, 0.0402, 0.0366, 0.033, 0.0294, 0.0258,
                ],
                [
                    0.0263, 0.0215, 0.0167, 0.012, 0.0073, 0.0026, -0.0021, -0.0067, -0.0113,
                    -0.0159,
                ],
            ],
        );
    }

    #[test]
    fn name_and_validation() {
        assert_eq!(AdamW::default().name(), "adamw");
        assert!(AdamW::default().validate().is_ok());
        let mut none = AdamW::default();
        none.0.weight_decay = None;
        let e = none.validate().unwrap_err();
        assert!(e.to_string().contains("weight_decay is None"), "{e}");
        assert!(AdamW::default().weight_decay(-1.0).validate().is_err());
        assert!(AdamW::default().beta_2(1.0).validate().is_err());
    }
}
