//! The trait every `network!` struct implements: consts describing the
//! architecture, the typed one-sample forward pass, and Keras's introspection.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     /// A small classifier.
//!     pub struct Tiny {
//!         Input[4] -> hidden: Dense<8, relu> -> Dense<3, softmax>
//!     }
//! }
//!
//! let model = Tiny::new(42);
//! assert_eq!(Tiny::PARAMS, 4 * 8 + 8 + 8 * 3 + 3);
//! let p = model.predict_one(&SVector::<f32, 4>::new(1.0, 2.0, 3.0, 4.0));
//! assert!((p.sum() - 1.0).abs() < 1e-6);
//! let hidden = model.get_layer("hidden")?;
//! assert_eq!(hidden.kernel().unwrap().shape(), (4, 8));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::layer::LayerInfo;
use crate::sample::Sample;

/// A network declared with `network!`: a `#[repr(C)]` struct of layers whose
/// parameters are `f32`s laid out back to back.
///
/// # Safety
///
/// Implementors promise that the struct holds exactly [`Self::PARAMS`] `f32`s
/// and nothing else (no padding, no other fields), in the order and at the
/// offsets of [`Self::LAYERS`], and that all-zero bytes are a valid value. The
/// `network!` macro upholds this and checks it at compile time; do not
/// implement this trait by hand.
pub unsafe trait Network: Sized + Send + Sync + 'static {
    /// One input sample: `SMatrix<f32, R, C>` after `Flatten[R, C]`,
    /// `SVector<f32, N>` after `Input[N]`.
    type Input: Sample;
    /// One output: `SVector<f32, OUTPUT_SIZE>`.
    type Output: Sample;
    /// The struct's name.
    const NAME: &'static str;
    /// The declared input shape: `[28, 28]` or `[8]`.
    const INPUT_SHAPE: &'static [usize];
    /// Values in one input sample.
    const INPUT_SIZE: usize;
    /// Values in one output.
    const OUTPUT_SIZE: usize;
    /// Trainable parameters (Keras's "Total params").
    const PARAMS: usize;
    /// Bytes of parameters: `PARAMS * 4`. Usable in `const` context:
    /// `const _: () = assert!(MyNet::WEIGHT_BYTES <= 64 * 1024);`
    const WEIGHT_BYTES: usize = Self::PARAMS * core::mem::size_of::<f32>();
    /// One row per layer, in order.
    const LAYERS: &'static [LayerInfo];

    /// The forward pass of one sample: no heap, no `std`.
    ///
    /// A NaN or infinite input is not an error (this call cannot fail): it
    /// propagates, as in Keras, so the outputs it reaches are NaN (every
    /// activation keeps a NaN a NaN), never a plausible finite answer. Check
    /// `x` first (`x.iter().all(|v| v.is_finite())`) where inputs may be bad.
    fn predict_one(&self, x: &Self::Input) -> Self::Output;

    /// All parameters as one slice, layer after layer (each kernel
    /// column-major `inputs x units`, then its bias).
    fn params(&self) -> &[f32] {
        // SAFETY: the trait's contract: `Self` is exactly `PARAMS` f32s.
        unsafe { core::slice::from_raw_parts((self as *const Self).cast::<f32>(), Self::PARAMS) }
    }

    /// All parameters, mutably.
    fn params_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `params`.
        unsafe { core::slice::from_raw_parts_mut((self as *mut Self).cast::<f32>(), Self::PARAMS) }
    }

    /// A network whose parameters are all zero, by value (for small networks
    /// and targets without a heap; on `std`, prefer [`Network::new`]).
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: all-zero bytes are a valid value.
        unsafe { core::mem::zeroed() }
    }

    /// Fills every parameter from its layer's initializers, from one ChaCha8
    /// stream seeded with `seed`.
    fn initialize(&mut self, seed: u64) {
        crate::initializer::initialize(Self::LAYERS, self.params_mut(), seed);
    }

    /// A new network built in place on the heap (it never passes through the
    /// stack, whatever its size), initialised from `seed`.
    #[cfg(feature = "alloc")]
    fn new(seed: u64) -> alloc::boxed::Box<Self> {
        let mut model = Self::new_zeroed();
        model.initialize(seed);
        model
    }

    /// A network of zeros built in place on the heap.
    #[cfg(feature = "alloc")]
    fn new_zeroed() -> alloc::boxed::Box<Self> {
        // SAFETY: the trait's contract: all-zero bytes are a valid value.
        unsafe { alloc::boxed::Box::<Self>::new_zeroed().assume_init() }
    }

    /// The layer table (Keras's `model.layers`).
    fn layers(&self) -> &'static [LayerInfo] {
        Self::LAYERS
    }

    /// A layer by name, with its weights (Keras's `model.get_layer(name)`).
    #[cfg(feature = "alloc")]
    fn get_layer(&self, name: &str) -> crate::Result<crate::weights::LayerView<'_>> {
        crate::weights::get_layer(Self::LAYERS, self.params(), name)
    }

    /// Keras's `model.summary()` as a value that displays the table.
    #[cfg(feature = "alloc")]
    fn summary(&self) -> crate::summary::Summary {
        crate::summary::Summary::new(Self::NAME, Self::LAYERS, Self::PARAMS)
    }

    /// Every weight array in Keras's order and layout: `dense/kernel` as a
    /// row-major `(784, 300)` array, then `dense/bias`, and so on.
    #[cfg(feature = "alloc")]
    fn get_weights(&self) -> alloc::vec::Vec<crate::weights::NamedArray> {
        crate::weights::get_weights(Self::LAYERS, self.params())
    }

    /// Replaces every weight from arrays in [`Network::get_weights`]'s order
    /// and layout. Checks every count and shape before changing anything.
    #[cfg(feature = "alloc")]
    fn set_weights(&mut self, arrays: &[crate::weights::NamedArray]) -> crate::Result<()> {
        crate::weights::set_weights(Self::LAYERS, self.params_mut(), arrays)
    }

    /// Keras's `layer.adapt(x)` of the Normalization layer `name` (the
    /// book's `norm_layer.adapt(X_train)`): its mean and variance become
    /// those of each feature of `x`, the samples that reach the layer.
    /// An error, changing nothing, if `name` is not a Normalization layer,
    /// if the samples' width is not its width, or if `x` is empty or holds
    /// a NaN or infinite value.
    #[cfg(feature = "alloc")]
    fn adapt_normalization<S: crate::Sample>(&mut self, name: &str, x: &[S]) -> crate::Result<()> {
        crate::layer::normalization::adapt(Self::LAYERS, self.params_mut(), name, x)
    }
}
