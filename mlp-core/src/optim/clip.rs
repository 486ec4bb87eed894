//! Gradient clipping, as Keras's optimizers apply it before each update.

/// Keras's `global_clipnorm` and `clipvalue` (off by default). Keras applies
/// at most one: the global norm when set, else the value. Keras's
/// per-variable `clipnorm` has no equivalent here, where an optimizer sees
/// all parameters as one flat slice.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clipping {
    /// Scale all gradients so that their joint L2 norm is at most this.
    pub global_clipnorm: Option<f32>,
    /// Clip each gradient to `[-clipvalue, clipvalue]`.
    pub clipvalue: Option<f32>,
}

impl Clipping {
    /// Whether the clipping of a gradient depends on that gradient alone, so
    /// that an update can run chunk by chunk: not with a global norm.
    pub fn elementwise(&self) -> bool {
        !matches!(self.global_clipnorm, Some(c) if c > 0.0)
    }

    /// Checks that a clipping threshold that is set is a number `> 0`
    /// (infinity clips nothing and is allowed).
    #[cfg(feature = "alloc")]
    pub(crate) fn validate(&self, owner: &str) -> crate::Result<()> {
        for (name, value) in [
            ("global_clipnorm", self.global_clipnorm),
            ("clipvalue", self.clipvalue),
        ] {
            if let Some(v) = value
                && (v.is_nan() || v <= 0.0)
            {
                return Err(crate::Error::InvalidArgument {
                    name,
                    message: alloc::format!("{owner}'s {name} is {v}; it must be > 0"),
                });
            }
        }
        Ok(())
    }

    /// Whether no gradient is ever clipped.
    pub(crate) fn is_off(&self) -> bool {
        matches!(self.prepare(&[]), Clip::None)
    }

    /// The clipped gradients of one step, as a function of each raw value
    /// (computes the global norm once).
    #[inline]
    pub(crate) fn prepare(&self, grads: &[f32]) -> Clip {
        match (self.global_clipnorm, self.clipvalue) {
            (Some(c), _) if c > 0.0 => {
                let norm = libm::sqrtf(grads.iter().map(|g| g * g).sum::<f32>());
                // Keras: clip_norm * min(1 / norm, 1 / clip_norm), NaN for a non-finite norm.
                let scale = if norm.is_finite() {
                    c * (1.0 / norm).min(1.0 / c)
                } else {
                    f32::NAN
                };
                Clip::Scale(scale)
            }
            (_, Some(v)) if v > 0.0 => Clip::Value(v),
            _ => Clip::None,
        }
    }
}

/// How to clip the gradients of one step.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Clip {
    None,
    Scale(f32),
    Value(f32),
}

/// Evaluates `$body` with `$clip` (a [`Clip`]) bound as the closure `$f`
/// that clips one gradient, once per kind of clipping: each update loop is
/// compiled without a branch on the kind inside it, so that it vectorises.
macro_rules! with_clip {
    ($clip:expr, |$f:ident| $body:expr) => {
        match $clip {
            $crate::optim::clip::Clip::None => {
                let $f = |g: f32| g;
                $body
            }
            $crate::optim::clip::Clip::Scale(s) => {
                let $f = move |g: f32| g * s;
                $body
            }
            $crate::optim::clip::Clip::Value(v) => {
                let $f = move |g: f32| g.clamp(-v, v);
                $body
            }
        }
    };
}
pub(crate) use with_clip;

#[cfg(test)]
impl Clip {
    /// One clipped gradient.
    fn apply(self, g: f32) -> f32 {
        with_clip!(self, |clip| clip(g))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_norm_scales_only_when_above() {
        let c = Clipping {
            global_clipnorm: Some(1.0),
            clipvalue: Some(0.1),
        };
        let clip = c.prepare(&[3.0, 4.0]);
        assert!((clip.apply(3.0) - 0.6).abs() < 1e-7);
        let clip = c.prepare(&[0.3, 0.4]);
        assert!((clip.apply(0.3) - 0.3).abs() < 1e-7);
        let clip = c.prepare(&[f32::INFINITY, 0.4]);
        assert!(clip.apply(0.4).is_nan());
    }

    #[test]
    fn value_clips_each() {
        let c = Clipping {
            global_clipnorm: None,
            clipvalue: Some(0.5),
        };
        let clip = c.prepare(&[3.0, -4.0, 0.2]);
        assert_eq!([3.0, -4.0, 0.2].map(|g| clip.apply(g)), [0.5, -0.5, 0.2]);
    }
}
