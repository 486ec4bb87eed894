//! Keras's `use_ema`, `ema_momentum` and `ema_overwrite_frequency`: a
//! moving average of the weights, kept beside any optimizer.
//!
//! ```
//! use mlp_core::optim::{Ema, Optimizer, Sgd};
//!
//! // keras.optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.9)
//! let sgd = Ema::new(Sgd::new(1.0)).momentum(0.9);
//! let mut w = [3.0_f32, 4.0];
//! let mut state = vec![0.0; sgd.slots() * w.len()];
//! sgd.step(&mut w, &[1.0, 1.0], &mut state, 0);
//! sgd.step(&mut w, &[1.0, 1.0], &mut state, 1);
//! assert_eq!(w, [1.0, 2.0]);
//! // At the end of `fit` the weights take their average (Keras's
//! // `finalize_variable_values`).
//! sgd.finalize(&mut w, &state);
//! assert!((w[0] - 1.9).abs() < 1e-6 && (w[1] - 2.9).abs() < 1e-6);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use super::Optimizer;

/// Keras's `use_ema=True` on the optimizer `O`: after each of its updates,
/// `average = momentum * average + (1 - momentum) * w` (the average starts
/// at the weights after the first step), every `overwrite_frequency` steps
/// the weights take their average, and at the end of `fit` they take it
/// for good. The averages are the last of the optimizer's state slots, so a
/// training state saves them and a resumed run continues them.
#[derive(Clone, Debug)]
pub struct Ema<O> {
    /// The optimizer whose weights are averaged.
    pub inner: O,
    /// Keras's `ema_momentum` (default 0.99), in `[0, 1]`.
    pub momentum: f32,
    /// Keras's `ema_overwrite_frequency` (default `None`: only at the end of
    /// `fit`): every that many steps the weights take their average.
    pub overwrite_frequency: Option<u64>,
}

impl<O: Optimizer> Ema<O> {
    /// `inner` with Keras's EMA defaults: momentum 0.99, no overwriting
    /// before the end of `fit`.
    pub fn new(inner: O) -> Self {
        Self {
            inner,
            momentum: 0.99,
            overwrite_frequency: None,
        }
    }

    setters! {
        /// Sets `ema_momentum`.
        momentum: f32,
        /// Sets `ema_overwrite_frequency`.
        overwrite_frequency: u64 => Some,
    }
}

impl<O: Optimizer> Optimizer for Ema<O> {
    wrapper_methods!();

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let (inner, average) = state.split_at_mut(self.inner.slots() * params.len());
        self.inner.step(params, grads, inner, iteration);
        // Keras: momentum 0 on the first step, so the average starts at the weights.
        let m = if iteration == 0 { 0.0 } else { self.momentum };
        for (a, w) in average.iter_mut().zip(params.iter()) {
            *a = m * *a + (1.0 - m) * *w;
        }
        if let Some(f) = self.overwrite_frequency
            && f > 0
            && (iteration + 1).is_multiple_of(f)
        {
            params.copy_from_slice(average);
        }
    }

    fn elementwise(&self) -> bool {
        self.inner.elementwise()
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.inner.learning_rate(iteration)
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        self.inner.validate()?;
        super::validate::unit_closed(self.inner.name(), "ema_momentum", self.momentum)
    }

    fn finalize(&self, params: &mut [f32], state: &[f32]) {
        let average = &state[self.inner.slots() * params.len()..];
        self.inner
            .finalize(params, &state[..self.inner.slots() * params.len()]);
        params.copy_from_slice(average);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Sgd;

    /// Runs `opt` over a flat copy of a variable with constant gradients.
    fn steps<O: Optimizer>(
        opt: &O,
        w: &mut [f32],
        g: &[f32],
        state: &mut [f32],
        from: u64,
        n: u64,
    ) {
        for t in from..from + n {
            opt.step(w, g, state, t);
        }
    }

    // keras/src/optimizers/optimizer_test.py, OptimizerTest.test_ema
    #[test]
    fn keras_test_ema() {
        let opt = Ema::new(Sgd::new(1.0)).momentum(0.9).overwrite_frequency(3);
        let mut v = [3.0_f32, 4.0, 5.0, 6.0];
        let g = [1.0; 4];
        let mut state = vec![0.0; opt.slots() * 4];
        let average = |s: &[f32]| s[s.len() - 4..].to_vec();
        opt.step(&mut v, &g, &mut state, 0);
        assert_eq!(v, [2.0, 3.0, 4.0, 5.0]);
        assert_eq!(average(&state), [2.0, 3.0, 4.0, 5.0]);
        opt.step(&mut v, &g, &mut state, 1);
        assert_eq!(v, [1.0, 2.0, 3.0, 4.0]);
        for (a, want) in average(&state).iter().zip([1.9, 2.9, 3.9, 4.9]) {
            assert!((a - want).abs() < 1e-6, "{a} {want}");
        }
        // The third step overwrites the variables with their average.
        opt.step(&mut v, &g, &mut state, 2);
        for (x, want) in v.iter().zip([1.71, 2.71, 3.71, 4.71]) {
            assert!((x - want).abs() < 1e-6, "{v:?}");
        }
        assert_eq!(average(&state), v);
    }

    // OptimizerTest.test_ema_with_model_fit: Dense(2, kernel ones, no bias) on
    // x = 1, y = 0, mse, SGD(0.1, use_ema=True, ema_momentum=0.9), two epochs
    // of one batch: the weights end at their average, 0.891.
    #[test]
    fn keras_test_ema_with_model_fit() {
        let opt = Ema::new(Sgd::new(0.1)).momentum(0.9);
        let mut w = [1.0_f32, 1.0];
        let mut state = vec![0.0; opt.slots() * 2];
        for t in 0..2 {
            // mse over 2 outputs of w * 1 against 0: dL/dw = 2 w / 2.
            let g = [w[0], w[1]];
            steps(&opt, &mut w, &g, &mut state, t, 1);
        }
        opt.finalize(&mut w, &state);
        for x in w {
            assert!((x - 0.891).abs() < 1e-5, "{w:?}");
        }
    }

    #[test]
    fn momentum_is_checked_and_rates_pass_through() {
        assert!(Ema::new(Sgd::new(0.1)).momentum(1.5).validate().is_err());
        let opt = Ema::new(Sgd::new(0.1));
        assert_eq!(opt.learning_rate(3), 0.1);
        assert_eq!(opt.plain_rate(0), None);
        assert_eq!(opt.slots(), 1);
        assert_eq!(opt.name(), "sgd");
    }
}
