//! Weight initializers, with Keras's formulas and defaults.
//!
//! The `network!` macro records each layer's initializers in its layer table
//! (`kernel_initializer = he_normal`), and [`Network::initialize`] fills the
//! weights from one seeded ChaCha stream, layer after layer: the same seed gives
//! the same model on every machine.
//!
//! [`Network::initialize`]: crate::model::Model::initialize
//!
//! ```
//! use mlp_core::initializer::Initializer;
//! use rand::SeedableRng;
//!
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
//! let mut kernel = [0.0_f32; 784 * 300];
//! Initializer::GlorotUniform.fill(&mut kernel, 784, 300, &mut rng);
//! let limit = (6.0_f32 / (784.0 + 300.0)).sqrt();
//! assert!(kernel.iter().all(|w| w.abs() <= limit));
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use core::fmt;
#[cfg(feature = "rand")]
use rand::Rng;
#[cfg(feature = "rand")]
use rand_distr::{Distribution, StandardNormal};

/// Keras's correction so that a normal truncated at two standard deviations
/// has the wanted variance (`VarianceScaling`, "truncated_normal").
#[cfg(feature = "rand")]
const TRUNCATED_STDDEV_CORRECTION: f32 = 0.879_625_7;

macro_rules! initializers {
    ($($(#[$doc:meta])* $variant:ident = $name:literal $({ $($param:ident = $default:literal),* })?,)*) => {
        /// How to fill a kernel or a bias (the list, with Keras's names and
        /// parameters, is `mlp_spec::for_each_initializer!`, shared with the
        /// macro).
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Initializer {
            $($(#[$doc])* $variant $({ $(#[doc = concat!("`", stringify!($param), "` (Keras's default: ", stringify!($default), ")")] $param: f32),* })?,)*
        }

        impl Initializer {
            /// Keras's name of the initializer.
            pub const fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $name,)*
                }
            }

            /// The initializer Keras names `name`, with Keras's default
            /// parameters (`"zeros"`, `"glorot_uniform"`).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant $({ $($param: $default),* })?),)*
                    _ => None,
                }
            }
        }
    };
}

mlp_spec::for_each_initializer!(initializers);

/// Fills the parameters `params` of the layers `layers` from their
/// initializers, weight after weight, from one ChaCha8 stream seeded with
/// `seed` (what `Model::initialize` does).
#[cfg(feature = "rand")]
pub fn initialize(layers: &[crate::layer::LayerInfo], params: &mut [f32], seed: u64) {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    for weight in layers.iter().flat_map(crate::layer::LayerInfo::weights) {
        let (fan_in, fan_out) = weight.fans;
        let values = &mut params[weight.offset..weight.offset + weight.len()];
        weight.initializer.fill(values, fan_in, fan_out, &mut rng);
    }
}

impl Default for Initializer {
    /// Keras's default for kernels, `glorot_uniform`.
    fn default() -> Self {
        Self::GlorotUniform
    }
}

impl Initializer {
    /// Keras's `RandomNormal()` defaults.
    pub const RANDOM_NORMAL: Self = Self::RandomNormal {
        mean: 0.0,
        stddev: 0.05,
    };
    /// Keras's `RandomUniform()` defaults.
    pub const RANDOM_UNIFORM: Self = Self::RandomUniform {
        minval: -0.05,
        maxval: 0.05,
    };
    /// Keras's `TruncatedNormal()` defaults.
    pub const TRUNCATED_NORMAL: Self = Self::TruncatedNormal {
        mean: 0.0,
        stddev: 0.05,
    };
}

#[cfg(feature = "rand")]
impl Initializer {
    /// Fills `out` for a layer with `fan_in` inputs and `fan_out` units.
    pub fn fill<R: Rng + ?Sized>(
        &self,
        out: &mut [f32],
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) {
        let (fan_in, fan_out) = (fan_in.max(1) as f32, fan_out.max(1) as f32);
        let avg = (fan_in + fan_out) / 2.0;
        match *self {
            Self::Zeros => out.fill(0.0),
            Self::Ones => out.fill(1.0),
            Self::Constant { value } => out.fill(value),
            Self::RandomNormal { mean, stddev } => {
                for w in out {
                    *w = mean + stddev * normal(rng);
                }
            }
            Self::RandomUniform { minval, maxval } => uniform(out, minval, maxval, rng),
            Self::TruncatedNormal { mean, stddev } => truncated(out, mean, stddev, rng),
            Self::GlorotUniform => symmetric(out, libm::sqrtf(3.0 / avg), rng),
            Self::HeUniform => symmetric(out, libm::sqrtf(6.0 / fan_in), rng),
            Self::LecunUniform => symmetric(out, libm::sqrtf(3.0 / fan_in), rng),
            Self::GlorotNormal => scaled_truncated(out, 1.0 / avg, rng),
            Self::HeNormal => scaled_truncated(out, 2.0 / fan_in, rng),
            Self::LecunNormal => scaled_truncated(out, 1.0 / fan_in, rng),
        }
    }
}

impl fmt::Display for Initializer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(feature = "rand")]
fn normal<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    StandardNormal.sample(rng)
}

#[cfg(feature = "rand")]
fn uniform<R: Rng + ?Sized>(out: &mut [f32], lo: f32, hi: f32, rng: &mut R) {
    for w in out {
        *w = lo + (hi - lo) * rng.random::<f32>();
    }
}

#[cfg(feature = "rand")]
fn symmetric<R: Rng + ?Sized>(out: &mut [f32], limit: f32, rng: &mut R) {
    uniform(out, -limit, limit, rng)
}

#[cfg(feature = "rand")]
fn truncated<R: Rng + ?Sized>(out: &mut [f32], mean: f32, stddev: f32, rng: &mut R) {
    for w in out {
        let x = loop {
            let x = normal(rng);
            if x.abs() <= 2.0 {
                break x;
            }
        };
        *w = mean + stddev * x;
    }
}

#[cfg(feature = "rand")]
fn scaled_truncated<R: Rng + ?Sized>(out: &mut [f32], variance: f32, rng: &mut R) {
    truncated(
        out,
        0.0,
        libm::sqrtf(variance) / TRUNCATED_STDDEV_CORRECTION,
        rng,
    )
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn stats(init: Initializer, fan_in: usize, fan_out: usize) -> (f32, f32, f32) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut v = vec![0.0_f32; 200_000];
        init.fill(&mut v, fan_in, fan_out, &mut rng);
        let n = v.len() as f32;
        let mean = v.iter().sum::<f32>() / n;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
        let max = v.iter().fold(0.0_f32, |m, x| m.max(x.abs()));
        (mean, var, max)
    }

    #[test]
    fn variance_scaling_matches_keras() {
        // (initializer, fan_in, fan_out, expected variance, bound on |w|)
        let cases = [
            (
                Initializer::GlorotUniform,
                784,
                300,
                2.0_f32 / 1084.0,
                (6.0_f32 / 1084.0).sqrt(),
            ),
            (
                Initializer::GlorotNormal,
                784,
                300,
                2.0_f32 / 1084.0,
                f32::MAX,
            ),
            (
                Initializer::HeUniform,
                300,
                100,
                2.0 / 300.0,
                (6.0_f32 / 300.0).sqrt(),
            ),
            (Initializer::HeNormal, 300, 100, 2.0 / 300.0, f32::MAX),
            (
                Initializer::LecunUniform,
                100,
                10,
                1.0 / 100.0,
                (3.0_f32 / 100.0).sqrt(),
            ),
            (Initializer::LecunNormal, 100, 10, 1.0 / 100.0, f32::MAX),
            (Initializer::RANDOM_NORMAL, 1, 1, 0.0025, f32::MAX),
            (Initializer::RANDOM_UNIFORM, 1, 1, 0.01 / 12.0, 0.05),
        ];
        for (init, fan_in, fan_out, var, bound) in cases {
            let (m, v, max) = stats(init, fan_in, fan_out);
            assert!(m.abs() < 0.01 * var.sqrt() + 1e-4, "{init}: mean {m}");
            assert!(
                (v / var - 1.0).abs() < 0.03,
                "{init}: variance {v}, want {var}"
            );
            assert!(max <= bound, "{init}: |w| {max} > {bound}");
        }
    }

    #[test]
    fn truncated_normal_stays_within_two_stddev() {
        let (_, _, max) = stats(Initializer::TRUNCATED_NORMAL, 1, 1);
        assert!(max <= 0.1);
    }

    #[test]
    fn constants() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let mut v = [9.0_f32; 4];
        Initializer::Zeros.fill(&mut v, 2, 2, &mut rng);
        assert_eq!(v, [0.0; 4]);
        Initializer::Constant { value: 0.1 }.fill(&mut v, 2, 2, &mut rng);
        assert_eq!(v, [0.1; 4]);
        Initializer::Ones.fill(&mut v, 2, 2, &mut rng);
        assert_eq!(v, [1.0; 4]);
    }
}
