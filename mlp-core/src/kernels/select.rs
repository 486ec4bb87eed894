//! Which family of kernels the products run on, picked once at run time
//! from the processor's features, or chosen by the program
//! ([`select_kernels`]) or by the environment variable `MLP_KERNELS`
//! (`auto`, `reproducible`, `portable`, `avx2` or `avx512`, read at the first
//! product).
//!
//! The default is [`Kernels::Auto`], the fastest family this processor
//! runs, because every product the engine runs sums each output element in
//! the same order on the AVX2 and the AVX-512 family: training gives
//! bit-identical results on either, as it does on any thread count (tested
//! by forcing each family). [`Kernels::Reproducible`] pins the AVX2+FMA
//! family whatever the processor has, for programs that want that promise
//! even from future kernels whose order of summation differs by
//! instruction set.
//!
//! ```
//! use mlp_core::{Kernels, select_kernels};
//! // The AVX2+FMA family on every x86-64 processor that has it (the
//! // portable one elsewhere): results do not depend on the processor.
//! let running = select_kernels(Kernels::Reproducible)?;
//! assert!(matches!(running, Kernels::Avx2 | Kernels::Portable));
//! # select_kernels(Kernels::Auto)?;
//! # Ok::<(), mlp_core::KernelsUnavailable>(())
//! ```

use core::sync::atomic::{AtomicU8, Ordering};

/// A family of kernels, or a rule that picks one ([`select_kernels`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernels {
    /// The fastest family this processor runs: [`Kernels::Avx512`] where it
    /// has AVX-512F (x86-64, with `std`), else [`Kernels::Avx2`] where it
    /// has AVX2 and FMA, else [`Kernels::Portable`]. The default.
    Auto,
    /// [`Kernels::Avx2`] on every processor that has AVX2 and FMA, whatever
    /// else it has (else [`Kernels::Portable`]): the same results on every
    /// x86-64 processor since 2015.
    Reproducible,
    /// Plain Rust that the compiler vectorises, on every target.
    Portable,
    /// The crate's AVX2+FMA register tiles (x86-64).
    Avx2,
    /// AVX-512F: gemm 0.19's register kernels for the products of
    /// gradients, the crate's sixteen-lane tiles for the forward products
    /// of 16 samples or more, the AVX2+FMA tiles for the rest (x86-64 with
    /// `std`); every output bit for bit as [`Kernels::Avx2`] leaves it.
    Avx512,
}

impl Kernels {
    /// Its name, as `MLP_KERNELS` spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Reproducible => "reproducible",
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
            Self::Avx512 => "avx512",
        }
    }

    /// The choice `name` spells (as [`Kernels::name`] writes it).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Auto,
            Self::Reproducible,
            Self::Portable,
            Self::Avx2,
            Self::Avx512,
        ]
        .into_iter()
        .find(|k| k.name() == name.trim())
    }

    /// Whether this processor runs the family (rules always resolve).
    pub fn available(self) -> bool {
        match self {
            Self::Auto | Self::Reproducible | Self::Portable => true,
            Self::Avx2 => super::avx2_fma(),
            Self::Avx512 => avx512(),
        }
    }

    /// The family this choice runs here: a rule resolved, a family as is.
    fn resolve(self) -> Self {
        match self {
            Self::Auto if Self::Avx512.available() => Self::Avx512,
            Self::Auto | Self::Reproducible if Self::Avx2.available() => Self::Avx2,
            Self::Auto | Self::Reproducible => Self::Portable,
            family => family,
        }
    }

    /// Every family this processor runs, for tests and benchmarks.
    pub fn families() -> impl Iterator<Item = Self> {
        [Self::Portable, Self::Avx2, Self::Avx512]
            .into_iter()
            .filter(|k| k.available())
    }
}

impl core::fmt::Display for Kernels {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// A family of kernels this processor cannot run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelsUnavailable {
    /// The family asked for.
    pub requested: Kernels,
}

impl core::fmt::Display for KernelsUnavailable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "kernels `{}`: this processor lacks the instructions they need (it runs `{}`)",
            self.requested,
            Kernels::Auto.resolve()
        )
    }
}

impl core::error::Error for KernelsUnavailable {}

/// Whether gemm's AVX-512 kernels can run here (with our AVX2 tiles beside).
fn avx512() -> bool {
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        super::avx2_fma() && std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(all(target_arch = "x86_64", feature = "std")))]
    {
        false
    }
}

/// The family running, as its discriminant plus one (0 before the first
/// product).
static RUNNING: AtomicU8 = AtomicU8::new(0);

const FAMILIES: [Kernels; 3] = [Kernels::Portable, Kernels::Avx2, Kernels::Avx512];

/// Makes the products run on `kernels` from now on, in every thread, and
/// returns the family that runs. A product already running finishes on the
/// family it started with; select before training, not during it.
///
/// # Errors
/// If `kernels` is a family this processor cannot run; nothing changes then.
pub fn select_kernels(kernels: Kernels) -> Result<Kernels, KernelsUnavailable> {
    if !kernels.available() {
        return Err(KernelsUnavailable { requested: kernels });
    }
    let family = kernels.resolve();
    let code = FAMILIES.iter().position(|k| *k == family).unwrap_or(0) as u8 + 1;
    RUNNING.store(code, Ordering::Relaxed);
    Ok(family)
}

/// The family the products run on: the one selected, else the one
/// `MLP_KERNELS` names (with `std`), else [`Kernels::Auto`]'s.
#[inline]
pub fn kernels() -> Kernels {
    match RUNNING.load(Ordering::Relaxed) {
        0 => first_choice(),
        code => FAMILIES[usize::from(code - 1)],
    }
}

/// Resolves the choice on the first product.
#[cold]
fn first_choice() -> Kernels {
    #[cfg(feature = "std")]
    if let Ok(name) = std::env::var("MLP_KERNELS") {
        match Kernels::from_name(&name).map(select_kernels) {
            Some(Ok(family)) => return family,
            Some(Err(e)) => eprintln!("MLP_KERNELS: {e}; running `auto`"),
            None => eprintln!(
                "MLP_KERNELS={name:?}: not one of auto, reproducible, portable, avx2, avx512; running `auto`"
            ),
        }
    }
    select_kernels(Kernels::Auto).unwrap_or(Kernels::Portable)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_rules_resolve_to_available_families() {
        for k in [
            Kernels::Auto,
            Kernels::Reproducible,
            Kernels::Portable,
            Kernels::Avx2,
            Kernels::Avx512,
        ] {
            assert_eq!(Kernels::from_name(k.name()), Some(k));
            if k.available() {
                assert!(k.resolve().available() && FAMILIES.contains(&k.resolve()));
            }
        }
        assert_eq!(Kernels::from_name("avx1024"), None);
        assert_eq!(
            Kernels::Reproducible.resolve() == Kernels::Avx2,
            super::super::avx2_fma()
        );
        assert!(Kernels::families().any(|k| k == Kernels::Auto.resolve()));
    }

    #[test]
    fn an_unavailable_family_is_refused_by_name() {
        let missing = FAMILIES.into_iter().find(|k| !k.available());
        if let Some(k) = missing {
            let before = kernels();
            let e = select_kernels(k).unwrap_err();
            assert_eq!(e.requested, k);
            assert!(e.to_string().contains(k.name()), "{e}");
            assert_eq!(kernels(), before);
        }
    }
}
