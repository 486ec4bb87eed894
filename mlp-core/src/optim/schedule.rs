//! Learning-rate schedules, with Keras's formulas. The step a schedule sees
//! is the number of optimizer steps taken before the current one (Keras's
//! `optimizer.iterations`), so the first update uses `rate(0)`.
//!
//! ```
//! use mlp_core::optim::{ExponentialDecay, LearningRateSchedule, PiecewiseConstantDecay};
//!
//! let s = ExponentialDecay::new(0.1, 100, 0.5);
//! assert!((s.rate(100) - 0.05).abs() < 1e-7);
//! assert!((s.staircase(true).rate(150) - 0.05).abs() < 1e-7);
//!
//! let p = PiecewiseConstantDecay::new([1000, 2000], [1.0, 0.5, 0.1]);
//! assert_eq!([p.rate(1000), p.rate(1001), p.rate(2001)], [1.0, 0.5, 0.1]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use core::fmt;

/// A learning rate as a function of the step (Keras's
/// `LearningRateSchedule`). A plain `f32` is a constant rate.
pub trait LearningRateSchedule: Send + Sync + core::fmt::Debug {
    /// The rate at `step` (0-based count of optimizer steps taken).
    fn rate(&self, step: u64) -> f32;

    /// Checks the schedule's parameters (rates finite and `>= 0`,
    /// `decay_steps >= 1`, ...): an
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the
    /// first invalid one. `Ok` by default (a closure in [`FnSchedule`]
    /// cannot be checked ahead: `fit` checks the rate it returns before each
    /// step instead).
    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        Ok(())
    }

    /// The rate, when it is a constant (`f32`); `None` for a schedule (the
    /// default).
    fn as_constant(&self) -> Option<f32> {
        None
    }

    /// The rate itself, when it is a constant (`f32`), to be changed by a
    /// callback; `None` for a schedule (the default).
    fn as_constant_mut(&mut self) -> Option<&mut f32> {
        None
    }
}

impl LearningRateSchedule for f32 {
    fn rate(&self, _step: u64) -> f32 {
        *self
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        super::validate::non_negative("the optimizer", "learning_rate", *self)
    }

    fn as_constant(&self) -> Option<f32> {
        Some(*self)
    }

    fn as_constant_mut(&mut self) -> Option<&mut f32> {
        Some(self)
    }
}

/// `step / decay_steps`, floored when `staircase`. A `decay_steps` of 0
/// gives an infinite (or NaN) progress, as in Keras.
fn progress(step: u64, decay_steps: u64, staircase: bool) -> f64 {
    let p = step as f64 / decay_steps as f64;
    if staircase { libm::floor(p) } else { p }
}

/// Writes a schedule of Keras's form `f(initial_learning_rate, decay_rate,
/// p)` with `p = step / decay_steps` (floored when `staircase`): the struct
/// with the doc comments given (those of the type, `decay_steps`,
/// `decay_rate`, `staircase`), `new` (continuous), the `staircase` setter,
/// and the [`LearningRateSchedule`] with the formula in `f64` and Keras's
/// checks.
macro_rules! decay_schedule {
    (
        $(#[doc = $doc:literal])*
        $name:ident($new_doc:literal, $steps_doc:literal, $rate_doc:literal, $stair_doc:literal),
        |$initial:ident, $rate:ident, $p:ident| $formula:expr
    ) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name {
            /// The rate at step 0.
            pub initial_learning_rate: f32,
            #[doc = $steps_doc]
            pub decay_steps: u64,
            #[doc = $rate_doc]
            pub decay_rate: f32,
            #[doc = $stair_doc]
            pub staircase: bool,
        }

        impl $name {
            #[doc = $new_doc]
            pub fn new(initial_learning_rate: f32, decay_steps: u64, decay_rate: f32) -> Self {
                Self {
                    initial_learning_rate,
                    decay_steps,
                    decay_rate,
                    staircase: false,
                }
            }

            setters! {
                /// Sets `staircase`.
                staircase: bool,
            }
        }

        impl LearningRateSchedule for $name {
            fn rate(&self, step: u64) -> f32 {
                let $p = progress(step, self.decay_steps, self.staircase);
                let ($initial, $rate) = (self.initial_learning_rate as f64, self.decay_rate as f64);
                $formula as f32
            }

            #[cfg(feature = "alloc")]
            fn validate(&self) -> crate::Result<()> {
                use super::validate as check;
                let owner = stringify!($name);
                check::non_negative(owner, "initial_learning_rate", self.initial_learning_rate)?;
                check::steps(owner, "decay_steps", self.decay_steps)?;
                check::non_negative(owner, "decay_rate", self.decay_rate)
            }
        }
    };
}

decay_schedule!(
    /// Keras's `ExponentialDecay`:
    /// `initial_learning_rate * decay_rate ^ (step / decay_steps)`, with the
    /// exponent floored when `staircase`.
    ExponentialDecay(
        "A continuous exponential decay.",
        "Steps over which the rate is multiplied by `decay_rate` once.",
        "The factor per `decay_steps`.",
        "Decay in whole periods (a staircase) rather than continuously."
    ),
    |initial, rate, p| (initial * libm::pow(rate, p))
);

decay_schedule!(
    /// Keras's `InverseTimeDecay`:
    /// `initial_learning_rate / (1 + decay_rate * step / decay_steps)`, with
    /// `step / decay_steps` floored when `staircase`.
    InverseTimeDecay(
        "A continuous inverse-time decay.",
        "The unit of steps.",
        "How fast the rate falls.",
        "Decay in whole periods rather than continuously."
    ),
    |initial, rate, p| (initial / (1.0 + rate * p))
);

/// Keras's `PiecewiseConstantDecay`: `values[0]` while `step <= boundaries[0]`,
/// `values[i]` while `boundaries[i - 1] < step <= boundaries[i]`, and the last
/// value after the last boundary. `V == B + 1` is checked at compile time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PiecewiseConstantDecay<const B: usize, const V: usize> {
    boundaries: [u64; B],
    values: [f32; V],
}

impl<const B: usize, const V: usize> PiecewiseConstantDecay<B, V> {
    /// A schedule from increasing step boundaries and one more value than
    /// boundaries (a compile error otherwise).
    pub const fn new(boundaries: [u64; B], values: [f32; V]) -> Self {
        const {
            assert!(
                V == B + 1,
                "PiecewiseConstantDecay takes one more value than boundaries"
            )
        };
        Self { boundaries, values }
    }

    /// The step boundaries.
    pub fn boundaries(&self) -> &[u64; B] {
        &self.boundaries
    }

    /// The values.
    pub fn values(&self) -> &[f32; V] {
        &self.values
    }
}

impl<const B: usize, const V: usize> LearningRateSchedule for PiecewiseConstantDecay<B, V> {
    fn rate(&self, step: u64) -> f32 {
        let passed = self.boundaries.iter().filter(|b| step > **b).count();
        self.values.get(passed).copied().unwrap_or(f32::NAN)
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        for v in self.values {
            super::validate::non_negative("PiecewiseConstantDecay", "values", v)?;
        }
        if let Some(w) = self.boundaries.windows(2).find(|w| w[0] >= w[1]) {
            return Err(crate::Error::InvalidArgument {
                name: "boundaries",
                message: alloc::format!(
                    "PiecewiseConstantDecay's boundaries must increase, but {} is followed by {}",
                    w[0],
                    w[1]
                ),
            });
        }
        Ok(())
    }
}

/// Keras's `CosineDecay`, with its optional linear warmup: without warmup,
/// `initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)`
/// with `s = min(step, decay_steps)`; with `warmup_target`, the rate first
/// rises linearly from `initial_learning_rate` to `warmup_target` over
/// `warmup_steps`, then decays from `warmup_target` as above.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineDecay {
    /// The rate at step 0.
    pub initial_learning_rate: f32,
    /// Steps of the cosine decay.
    pub decay_steps: u64,
    /// The final rate as a fraction of the rate the decay starts from.
    pub alpha: f32,
    /// The rate reached at the end of the warmup (no warmup when `None`).
    pub warmup_target: Option<f32>,
    /// Steps of the warmup.
    pub warmup_steps: u64,
}

impl CosineDecay {
    /// A cosine decay to zero over `decay_steps`, without warmup.
    pub fn new(initial_learning_rate: f32, decay_steps: u64) -> Self {
        Self {
            initial_learning_rate,
            decay_steps,
            alpha: 0.0,
            warmup_target: None,
            warmup_steps: 0,
        }
    }

    setters! {
        /// Sets `alpha`.
        alpha: f32,
    }

    /// Adds a linear warmup to `target` over `steps` steps.
    pub fn warmup(mut self, target: f32, steps: u64) -> Self {
        self.warmup_target = Some(target);
        self.warmup_steps = steps;
        self
    }

    fn decay(&self, step: f64, from: f64) -> f64 {
        let fraction = step / self.decay_steps as f64;
        let cosine = 0.5 * (1.0 + libm::cos(core::f64::consts::PI * fraction));
        let alpha = self.alpha as f64;
        from * ((1.0 - alpha) * cosine + alpha)
    }
}

impl LearningRateSchedule for CosineDecay {
    fn rate(&self, step: u64) -> f32 {
        let decay_steps = self.decay_steps as f64;
        let initial = self.initial_learning_rate as f64;
        let Some(target) = self.warmup_target else {
            return self.decay((step as f64).min(decay_steps), initial) as f32;
        };
        let warmup_steps = self.warmup_steps as f64;
        let step = (step as f64).min(decay_steps + warmup_steps);
        let rate = if step < warmup_steps {
            (target as f64 - initial) * (step / warmup_steps) + initial
        } else {
            self.decay(step - warmup_steps, target as f64)
        };
        rate as f32
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        use super::validate as check;
        let owner = "CosineDecay";
        check::non_negative(owner, "initial_learning_rate", self.initial_learning_rate)?;
        check::steps(owner, "decay_steps", self.decay_steps)?;
        check::finite(owner, "alpha", self.alpha)?;
        match self.warmup_target {
            Some(target) => check::non_negative(owner, "warmup_target", target),
            None => Ok(()),
        }
    }
}

/// Any function of the step as a schedule (Keras lets a callable stand for
/// a schedule too): `Sgd::new(FnSchedule(|step| 0.1 / (step + 1) as f32))`.
#[derive(Clone, Copy)]
pub struct FnSchedule<F>(pub F);

impl<F> fmt::Debug for FnSchedule<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnSchedule(..)")
    }
}

impl<F: Fn(u64) -> f32 + Send + Sync> LearningRateSchedule for FnSchedule<F> {
    fn rate(&self, step: u64) -> f32 {
        (self.0)(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_reaches_alpha_and_stays() {
        let s = CosineDecay::new(1.0, 10).alpha(0.1);
        assert!((s.rate(0) - 1.0).abs() < 1e-7);
        assert!((s.rate(5) - 0.55).abs() < 1e-6);
        assert!((s.rate(10) - 0.1).abs() < 1e-7);
        assert!((s.rate(1000) - 0.1).abs() < 1e-7);
    }

    #[test]
    fn warmup_is_linear() {
        let s = CosineDecay::new(0.0, 10).warmup(1.0, 4);
        assert!((s.rate(2) - 0.5).abs() < 1e-7);
        assert!((s.rate(4) - 1.0).abs() < 1e-7);
        assert!(s.rate(9) < 1.0);
    }

    #[test]
    fn inverse_time() {
        let s = InverseTimeDecay::new(1.0, 10, 0.5);
        assert!((s.rate(10) - 1.0 / 1.5).abs() < 1e-7);
        assert!((s.staircase(true).rate(19) - 1.0 / 1.5).abs() < 1e-7);
    }

    #[test]
    fn validation() {
        assert!(ExponentialDecay::new(0.1, 10, 0.9).validate().is_ok());
        assert!(
            PiecewiseConstantDecay::new([10, 20], [1.0, 0.5, 0.1])
                .validate()
                .is_ok()
        );
        assert!(CosineDecay::new(0.1, 10).warmup(0.2, 5).validate().is_ok());
        for (e, what) in [
            (
                ExponentialDecay::new(0.1, 0, 0.9).validate(),
                "ExponentialDecay's decay_steps is 0",
            ),
            (
                ExponentialDecay::new(f32::NAN, 1, 0.9).validate(),
                "initial_learning_rate is NaN",
            ),
            (
                ExponentialDecay::new(0.1, 1, -0.9).validate(),
                "decay_rate is -0.9",
            ),
            (
                InverseTimeDecay::new(0.1, 0, 0.5).validate(),
                "InverseTimeDecay's decay_steps is 0",
            ),
            (
                InverseTimeDecay::new(0.1, 1, f32::INFINITY).validate(),
                "decay_rate is inf",
            ),
            (
                CosineDecay::new(0.1, 0).validate(),
                "CosineDecay's decay_steps is 0",
            ),
            (
                CosineDecay::new(0.1, 5).alpha(f32::NAN).validate(),
                "alpha is NaN",
            ),
            (
                CosineDecay::new(0.1, 5).warmup(-1.0, 2).validate(),
                "warmup_target is -1",
            ),
            (
                PiecewiseConstantDecay::new([5], [0.1, f32::NAN]).validate(),
                "values is NaN",
            ),
            (
                PiecewiseConstantDecay::new([5, 5], [0.1, 0.2, 0.3]).validate(),
                "5 is followed by 5",
            ),
            (f32::NAN.validate(), "the optimizer's learning_rate is NaN"),
        ] {
            let e = e.unwrap_err().to_string();
            assert!(e.contains(what), "{e}");
        }
    }

    #[test]
    fn closure() {
        let s = FnSchedule(|step| 1.0 / (step + 1) as f32);
        assert_eq!(s.rate(3), 0.25);
    }
}

/// Values from Keras 3.15.1's `keras.optimizers.schedules` (JAX backend).
#[cfg(test)]
mod keras_reference {
    use super::*;

    fn close(got: f32, want: f64) {
        assert!(
            (got as f64 - want).abs() < 1e-6 * want.abs().max(1.0),
            "{got} vs Keras {want}"
        );
    }

    #[test]
    fn exponential_decay() {
        // ExponentialDecay(0.1, decay_steps=100, decay_rate=0.96[, staircase=True]) at 0, 50, 250.
        let s = ExponentialDecay::new(0.1, 100, 0.96);
        for (step, want) in [(0, 0.1), (50, 0.097_979_590_3), (250, 0.090_297_989_5)] {
            close(s.rate(step), want);
        }
        let s = s.staircase(true);
        for (step, want) in [(0, 0.1), (50, 0.1), (250, 0.092_160_001_4)] {
            close(s.rate(step), want);
        }
    }

    #[test]
    fn piecewise_constant_decay() {
        // PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]) at 0, 10, 11, 20, 21.
        let s = PiecewiseConstantDecay::new([10, 20], [1.0, 0.5, 0.1]);
        let got = [0, 10, 11, 20, 21].map(|step| s.rate(step));
        assert_eq!(got, [1.0, 1.0, 0.5, 0.5, 0.1]);
        assert_eq!(PiecewiseConstantDecay::new([], [0.3]).rate(7), 0.3);
    }

    #[test]
    fn inverse_time_decay() {
        // InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5[, staircase=True]) at 0, 15, 40.
        let s = InverseTimeDecay::new(0.1, 10, 0.5);
        for (step, want) in [(0, 0.1), (15, 0.057_142_857_5), (40, 0.033_333_335_1)] {
            close(s.rate(step), want);
        }
        let s = s.staircase(true);
        for (step, want) in [(0, 0.1), (15, 0.066_666_670_1), (40, 0.033_333_335_1)] {
            close(s.rate(step), want);
        }
    }

    #[test]
    fn cosine_decay() {
        // CosineDecay(0.1, decay_steps=100, alpha=0.1) at 0, 30, 100, 150.
        let s = CosineDecay::new(0.1, 100).alpha(0.1);
        for (step, want) in [
            (0, 0.1),
            (30, 0.081_450_335_7),
            (100, 0.010_000_000_7),
            (150, 0.010_000_000_7),
        ] {
            close(s.rate(step), want);
        }
        // CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10) at 0, 5, 10, 60, 200.
        let s = CosineDecay::new(0.0, 100).warmup(0.1, 10);
        for (step, want) in [
            (0, 0.0),
            (5, 0.05),
            (10, 0.1),
            (60, 0.049_999_997),
            (200, 0.0),
        ] {
            close(s.rate(step), want);
        }
    }
}
