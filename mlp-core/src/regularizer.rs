//! Weight regularizers and constraints of a Dense layer, with Keras's
//! formulas: a regularizer adds a penalty to the loss (and its gradient to
//! the weights' gradients); a constraint rewrites the weights after every
//! optimizer step.
//!
//! ```
//! use mlp_core::regularizer::{Constraint, Regularizer};
//!
//! let w = [3.0_f32, -4.0];
//! let l2 = Regularizer::L2 { l2: 0.01 };
//! assert!((l2.penalty(&w) - 0.25).abs() < 1e-6);
//! let mut g = [0.0_f32; 2];
//! l2.add_gradient(&w, &mut g);
//! assert_eq!(g, [0.06, -0.08]);
//!
//! // max_norm(2): the unit's incoming weights (norm 5) are scaled to norm 2.
//! let mut kernel = [3.0_f32, -4.0];
//! Constraint::MaxNorm { max_value: 2.0 }.apply(&mut kernel, 2);
//! assert!((kernel[0] - 1.2).abs() < 1e-5 && (kernel[1] + 1.6).abs() < 1e-5);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use core::fmt;

/// Keras's `backend.epsilon()`, which `max_norm` adds to the norm.
pub const EPSILON: f32 = 1e-7;

macro_rules! functions {
    ($(#[$meta:meta])* $enum:ident; $($(#[$doc:meta])* $variant:ident = $name:literal $({ $($param:ident = $default:literal),* })?,)*) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum $enum {
            $($(#[$doc])* $variant $({ $(#[doc = concat!("`", stringify!($param), "` (Keras's default: ", stringify!($default), ")")] $param: f32),* })?,)*
        }

        impl $enum {
            /// Keras's name.
            pub const fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $name,)*
                }
            }
        }

        impl fmt::Display for $enum {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

macro_rules! regularizers {
    ($($entries:tt)*) => {
        functions! {
            /// A penalty on a weight array added to the loss (the list, with
            /// Keras's names and defaults, is `mlp_spec::for_each_regularizer!`).
            Regularizer; $($entries)*
        }
    };
}

macro_rules! constraints {
    ($($entries:tt)*) => {
        functions! {
            /// A projection applied to a weight array after every optimizer
            /// step (the list is `mlp_spec::for_each_constraint!`).
            Constraint; $($entries)*
        }
    };
}

mlp_spec::for_each_regularizer!(regularizers);
mlp_spec::for_each_constraint!(constraints);

impl Regularizer {
    /// The `(l1, l2)` factors.
    const fn factors(self) -> (f32, f32) {
        match self {
            Self::L1 { l1 } => (l1, 0.0),
            Self::L2 { l2 } => (0.0, l2),
            Self::L1L2 { l1, l2 } => (l1, l2),
        }
    }

    /// The penalty on `w`: `l1 * sum(|w|) + l2 * sum(w²)` (summed in eight
    /// `f32` lanes, which vectorise, then in `f64`).
    pub fn penalty(self, w: &[f32]) -> f32 {
        let (l1, l2) = self.factors();
        let (mut abs, mut squares) = ([0.0_f32; 8], [0.0_f32; 8]);
        let chunks = w.chunks_exact(8);
        let tail = chunks.remainder();
        for chunk in chunks {
            for i in 0..8 {
                abs[i] += chunk[i].abs();
                squares[i] += chunk[i] * chunk[i];
            }
        }
        for (i, v) in tail.iter().enumerate() {
            abs[i] += v.abs();
            squares[i] += v * v;
        }
        let sum = |lanes: [f32; 8]| lanes.iter().map(|&v| f64::from(v)).sum::<f64>();
        (f64::from(l1) * sum(abs) + f64::from(l2) * sum(squares)) as f32
    }

    /// Adds the penalty's gradient, `l1 * sign(w) + 2 * l2 * w`, to `g`.
    pub fn add_gradient(self, w: &[f32], g: &mut [f32]) {
        let (l1, l2) = self.factors();
        for (g, &w) in g.iter_mut().zip(w) {
            let sign = if w > 0.0 {
                1.0
            } else if w < 0.0 {
                -1.0
            } else {
                0.0
            };
            *g += l1 * sign + 2.0 * l2 * w;
        }
    }

    /// Whether its factors are finite and not negative (Keras raises
    /// `ValueError` otherwise).
    pub fn is_valid(self) -> bool {
        let (l1, l2) = self.factors();
        l1.is_finite() && l2.is_finite() && l1 >= 0.0 && l2 >= 0.0
    }
}

impl Constraint {
    /// Applies the constraint to `w`, whose values come in groups of
    /// `group` (a Dense kernel's column of `inputs` weights feeding one
    /// unit: Keras's `axis=0`; a whole bias is one group).
    pub fn apply(self, w: &mut [f32], group: usize) {
        match self {
            Self::MaxNorm { max_value } => {
                for unit in w.chunks_mut(group.max(1)) {
                    let squares: f64 = unit.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
                    let norm = libm::sqrt(squares) as f32;
                    let desired = norm.clamp(0.0, max_value);
                    let scale = desired / (EPSILON + norm);
                    for v in unit {
                        *v *= scale;
                    }
                }
            }
            Self::NonNeg => {
                for v in w {
                    // Keras: `w * (w >= 0)`, which keeps a NaN a NaN.
                    if *v < 0.0 {
                        *v = 0.0;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalties_are_keras_formulas() {
        // The formulas of keras/src/regularizers/regularizers_test.py
        // (`0.1 * sum(|w|)`, `0.1 * sum(w²)`, `0.1 * sum(|w|) + 0.2 *
        // sum(w²)`) on [[1, -2], [3, -4]]: 1.0, 3.0 and 7.0.
        let w = [1.0_f32, -2.0, 3.0, -4.0];
        assert!((Regularizer::L1 { l1: 0.1 }.penalty(&w) - 1.0).abs() < 1e-6);
        assert!((Regularizer::L2 { l2: 0.1 }.penalty(&w) - 3.0).abs() < 1e-6);
        let both = Regularizer::L1L2 { l1: 0.1, l2: 0.2 };
        assert!((both.penalty(&w) - 7.0).abs() < 1e-6);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let w = [0.3_f32, -1.2, 2.0, -0.7];
        for r in [
            Regularizer::L1 { l1: 0.05 },
            Regularizer::L2 { l2: 0.02 },
            Regularizer::L1L2 { l1: 0.01, l2: 0.03 },
        ] {
            let mut g = [0.0_f32; 4];
            r.add_gradient(&w, &mut g);
            for i in 0..w.len() {
                let h = 1e-2_f32;
                let (mut up, mut down) = (w, w);
                up[i] += h;
                down[i] -= h;
                let numeric = (r.penalty(&up) - r.penalty(&down)) / (2.0 * h);
                assert!(
                    (numeric - g[i]).abs() < 1e-4,
                    "{r} at {i}: {numeric} vs {}",
                    g[i]
                );
            }
        }
    }

    #[test]
    fn max_norm_leaves_short_columns_and_scales_long_ones() {
        // Two units of two inputs: norms 0.5 and 10.
        let mut w = [0.3_f32, 0.4, 6.0, 8.0];
        Constraint::MaxNorm { max_value: 2.0 }.apply(&mut w, 2);
        assert!((w[0] - 0.3).abs() < 1e-6 && (w[1] - 0.4).abs() < 1e-6);
        let norm = (w[2] * w[2] + w[3] * w[3]).sqrt();
        assert!((norm - 2.0).abs() < 1e-5, "{norm}");
    }

    #[test]
    fn invalid_factors_are_refused() {
        assert!(Regularizer::L2 { l2: 0.01 }.is_valid());
        assert!(!Regularizer::L2 { l2: -0.01 }.is_valid());
        assert!(!Regularizer::L1 { l1: f32::NAN }.is_valid());
    }
}
