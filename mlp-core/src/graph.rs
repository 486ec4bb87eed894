//! The trait every graph declared with `network!` implements (Keras's
//! Functional API): several named inputs, merge layers, several named
//! outputs, each typed, and the same flat `f32` parameters as a chain.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     /// The book's Wide & Deep model with two inputs and two outputs.
//!     pub struct WideDeep {
//!         wide_input = Input[5];
//!         deep_input = Input[6];
//!         hidden1 = Dense<30, relu>(deep_input);
//!         hidden2 = Dense<30, relu>(hidden1);
//!         concat = Concatenate(wide_input, hidden2);
//!         output main_output = Dense<1>(concat);
//!         output aux_output = Dense<1>(hidden2);
//!     }
//! }
//!
//! let model = WideDeep::new(42);
//! assert_eq!(WideDeep::PARAMS, (6 * 30 + 30) + (30 * 30 + 30) + (35 + 1) + (30 + 1));
//! let names: Vec<&str> = WideDeep::LAYERS.iter().map(|l| l.name).collect();
//! assert_eq!(names, ["dense", "dense_1", "main_output", "aux_output"]);
//! let y = model.predict_one(&WideDeepInputs {
//!     wide_input: SVector::from([0.1, 0.2, 0.3, 0.4, 0.5]),
//!     deep_input: SVector::from([0.3, 0.4, 0.5, 0.6, 0.7, 0.8]),
//! });
//! assert!(y.main_output[0].is_finite() && y.aux_output[0].is_finite());
//! assert_eq!(model.get_layer("dense_1")?.kernel().unwrap().shape(), (30, 30));
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! A graph is not a [`Network`](crate::network::Network): a `Network`'s
//! input and output are one sample each, a graph's are structs with a
//! field per declared input and output (`WideDeepInputs`,
//! `WideDeepOutputs`, generated beside the network).

use crate::layer::LayerInfo;

/// What a node of a graph computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeKind {
    /// A declared input (`Input[5]`; Keras's `InputLayer`).
    Input,
    /// A layer applied to one node: the row of [`Graph::LAYERS`] at this
    /// index.
    Layer(usize),
    /// `Concatenate(a, b, ...)`: the values of its inputs one after the
    /// other.
    Concatenate,
    /// `Add(a, b, ...)`: the element-wise sum of inputs of one width.
    Add,
    /// `Average(a, b, ...)`: the element-wise mean of inputs of one width.
    Average,
}

/// One node of a graph, in declaration order (which is an order of
/// computation: a node only reads nodes declared above it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Keras's layer name: the input's name, the layer's name (`dense`,
    /// `dense_1`, `concatenate`, ... unless named).
    pub name: &'static str,
    /// What it computes.
    pub kind: NodeKind,
    /// The names of the nodes it reads, in order (Keras's "Connected to").
    pub inputs: &'static [&'static str],
    /// Values per sample after this node (Keras: `(None, size)`).
    pub size: usize,
}

/// A declared input or output of a graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortInfo {
    /// The name declared: the field of the inputs or outputs struct.
    pub name: &'static str,
    /// The node it is (for an output, the layer's name).
    pub node: &'static str,
    /// Values per sample.
    pub size: usize,
}

/// A graph declared with `network!` (Keras's Functional API): a
/// `#[repr(C)]` struct of layers whose parameters are `f32`s laid out back
/// to back, with typed inputs and outputs.
///
/// # Safety
///
/// Implementors promise that the struct holds exactly [`Self::PARAMS`]
/// `f32`s and nothing else, in the order and at the offsets of
/// [`Self::LAYERS`], and that all-zero bytes are a valid value. The
/// `network!` macro upholds this and checks it at compile time; do not
/// implement this trait by hand.
pub unsafe trait Graph: Sized + Send + Sync + 'static {
    /// One sample of every input: a struct with a field per declared input.
    type Inputs: Copy;
    /// One result of every output: a struct with a field per declared
    /// output.
    type Outputs: Copy;
    /// The struct's name.
    const NAME: &'static str;
    /// The declared inputs, in order.
    const INPUTS: &'static [PortInfo];
    /// The declared outputs, in order.
    const OUTPUTS: &'static [PortInfo];
    /// Every node, inputs and merges included, in declaration order.
    const NODES: &'static [NodeInfo];
    /// One row per layer with a field in the struct, in declaration order.
    const LAYERS: &'static [LayerInfo];
    /// Parameters (Keras's "Total params").
    const PARAMS: usize;
    /// Bytes of parameters: `PARAMS * 4`.
    const WEIGHT_BYTES: usize = Self::PARAMS * core::mem::size_of::<f32>();

    /// The forward pass of one sample of every input: no heap, no `std`.
    /// A NaN input propagates to the outputs it reaches, as in Keras.
    fn predict_one(&self, x: &Self::Inputs) -> Self::Outputs;

    /// All parameters as one slice, layer after layer.
    fn params(&self) -> &[f32] {
        // SAFETY: the trait's contract: `Self` is exactly `PARAMS` f32s.
        unsafe { core::slice::from_raw_parts((self as *const Self).cast::<f32>(), Self::PARAMS) }
    }

    /// All parameters, mutably.
    fn params_mut(&mut self) -> &mut [f32] {
        // SAFETY: as in `params`.
        unsafe { core::slice::from_raw_parts_mut((self as *mut Self).cast::<f32>(), Self::PARAMS) }
    }

    /// A graph whose parameters are all zero, by value.
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: all-zero bytes are a valid value.
        unsafe { core::mem::zeroed() }
    }

    /// Fills every parameter from its layer's initializers, from one ChaCha8
    /// stream seeded with `seed` (layer after layer, as for a `Network`).
    fn initialize(&mut self, seed: u64) {
        crate::initializer::initialize(Self::LAYERS, self.params_mut(), seed);
    }

    /// A new graph built in place on the heap, initialised from `seed`.
    #[cfg(feature = "alloc")]
    fn new(seed: u64) -> alloc::boxed::Box<Self> {
        let mut model = Self::new_zeroed();
        model.initialize(seed);
        model
    }

    /// A graph of zeros built in place on the heap.
    #[cfg(feature = "alloc")]
    fn new_zeroed() -> alloc::boxed::Box<Self> {
        // SAFETY: the trait's contract: all-zero bytes are a valid value.
        unsafe { alloc::boxed::Box::<Self>::new_zeroed().assume_init() }
    }

    /// A layer by name, with its weights (Keras's `model.get_layer(name)`).
    #[cfg(feature = "alloc")]
    fn get_layer(&self, name: &str) -> crate::Result<crate::weights::LayerView<'_>> {
        crate::weights::get_layer(Self::LAYERS, self.params(), name)
    }

    /// Every weight array in Keras's layout, layer after layer in
    /// declaration order: `dense/kernel` as a row-major `(inputs, units)`
    /// array, then `dense/bias`, and so on.
    #[cfg(feature = "alloc")]
    fn get_weights(&self) -> alloc::vec::Vec<crate::weights::NamedArray> {
        crate::weights::get_weights(Self::LAYERS, self.params())
    }

    /// Replaces every weight from arrays in [`Graph::get_weights`]'s order
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

    /// Keras's `model.summary()` of a functional model as a value that
    /// displays the table: a row per node (`InputLayer`s included) in
    /// Keras's order, with the column "Connected to". A compiled model's
    /// adds its optimizer's line with
    /// [`Summary::with_optimizer`](crate::summary::Summary::with_optimizer).
    #[cfg(feature = "alloc")]
    fn summary(&self) -> crate::summary::Summary {
        crate::summary::Summary::graph(
            Self::NAME,
            Self::NODES,
            Self::LAYERS,
            Self::OUTPUTS,
            Self::PARAMS,
        )
    }
}
