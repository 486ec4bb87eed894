//! The regularizers and constraints a Dense layer's options may name, with
//! Keras's parameters and defaults.

use crate::initializers::function_table;

/// Hands every regularizer to `$callback!` as
/// `$(#[doc] Variant = "keras_name" { param = default, ... },)*`.
#[macro_export]
macro_rules! for_each_regularizer {
    ($callback:ident) => {
        $callback! {
            /// `l1`: adds `l1 * sum(|w|)` to the loss.
            L1 = "l1" { l1 = 0.01 },
            /// `l2`: adds `l2 * sum(w²)` to the loss.
            L2 = "l2" { l2 = 0.01 },
            /// `l1_l2`: adds `l1 * sum(|w|) + l2 * sum(w²)` to the loss.
            L1L2 = "l1_l2" { l1 = 0.0, l2 = 0.0 },
        }
    };
}

/// Hands every weight constraint to `$callback!`, as
/// [`for_each_regularizer!`] does.
#[macro_export]
macro_rules! for_each_constraint {
    ($callback:ident) => {
        $callback! {
            /// `max_norm`: after each step, rescales every unit's incoming
            /// weights whose norm exceeds `max_value` to that norm.
            MaxNorm = "max_norm" { max_value = 2.0 },
            /// `non_neg`: after each step, sets negative weights to zero.
            NonNeg = "non_neg",
        }
    };
}

macro_rules! regularizer_table {
    ($($entries:tt)*) => {
        function_table! {
            /// Every regularizer, in the order of [`for_each_regularizer!`].
            REGULARIZERS; $($entries)*
        }
    };
}

macro_rules! constraint_table {
    ($($entries:tt)*) => {
        function_table! {
            /// Every constraint, in the order of [`for_each_constraint!`].
            CONSTRAINTS; $($entries)*
        }
    };
}

for_each_regularizer!(regularizer_table);
for_each_constraint!(constraint_table);

/// The regularizer Keras calls `name`.
pub fn regularizer(name: &str) -> Option<&'static crate::FunctionSpec> {
    REGULARIZERS.iter().find(|r| r.name == name)
}

/// The constraint Keras calls `name`.
pub fn constraint(name: &str) -> Option<&'static crate::FunctionSpec> {
    CONSTRAINTS.iter().find(|c| c.name == name)
}
