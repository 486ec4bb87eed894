//! Checks of optimizer and schedule hyperparameters (Keras raises
//! `ValueError` for these; here they are [`Error::InvalidArgument`]s that
//! name the parameter, its owner and the value given).

use crate::{Error, Result};

/// An error for `name` of `owner`, which is `value` but must be `rule`.
fn invalid(owner: &str, name: &'static str, value: impl core::fmt::Display, rule: &str) -> Error {
    Error::InvalidArgument {
        name,
        message: alloc::format!("{owner}'s {name} is {value}; it must be {rule}"),
    }
}

/// A learning rate (or a rate-like factor such as `weight_decay`):
/// finite and `>= 0`.
pub(crate) fn non_negative(owner: &str, name: &'static str, value: f32) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(owner, name, value, "finite and >= 0"))
    }
}

/// An optimizer's learning rate: a constant finite and `>= 0`, or a
/// schedule whose own checks pass.
pub(crate) fn learning_rate<S: super::LearningRateSchedule>(owner: &str, rate: &S) -> Result<()> {
    match rate.as_constant() {
        Some(r) => non_negative(owner, "learning_rate", r),
        None => rate.validate(),
    }
}

/// A constant such as `epsilon`: finite and `> 0`.
pub(crate) fn positive(owner: &str, name: &'static str, value: f32) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(owner, name, value, "finite and > 0"))
    }
}

/// A decay such as `beta_1`, `beta_2` or `rho`: in `[0, 1)`.
pub(crate) fn unit_open(owner: &str, name: &'static str, value: f32) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(owner, name, value, "in [0, 1)"))
    }
}

/// A momentum: in `[0, 1]` (Keras's check in `SGD`).
pub(crate) fn unit_closed(owner: &str, name: &'static str, value: f32) -> Result<()> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(owner, name, value, "in [0, 1]"))
    }
}

/// A finite value (any sign).
pub(crate) fn finite(owner: &str, name: &'static str, value: f32) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(invalid(owner, name, value, "finite"))
    }
}

/// A count of steps that divides: `> 0`.
pub(crate) fn steps(owner: &str, name: &'static str, value: u64) -> Result<()> {
    if value > 0 {
        Ok(())
    } else {
        Err(invalid(owner, name, value, "at least 1"))
    }
}

/// An optional decoupled weight decay: `None`, or finite and `>= 0`.
pub(crate) fn weight_decay(owner: &str, value: Option<f32>) -> Result<()> {
    value.map_or(Ok(()), |w| non_negative(owner, "weight_decay", w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_parameter_and_value() {
        let e = unit_open("Adam", "beta_1", 1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument `beta_1`: Adam's beta_1 is 1; it must be in [0, 1)"
        );
        let e = non_negative("SGD", "learning_rate", f32::NAN).unwrap_err();
        assert!(e.to_string().contains("SGD's learning_rate is NaN"), "{e}");
        assert!(positive("Adam", "epsilon", 0.0).is_err());
        assert!(unit_closed("SGD", "momentum", 1.0).is_ok());
        assert!(unit_closed("SGD", "momentum", f32::NAN).is_err());
        assert!(steps("ExponentialDecay", "decay_steps", 0).is_err());
        assert!(finite("CosineDecay", "alpha", f32::INFINITY).is_err());
        assert!(weight_decay("Adam", None).is_ok());
        assert!(weight_decay("Adam", Some(-0.1)).is_err());
    }
}
