//! The contract every `network!` struct implements, chain or graph: its
//! layer table, its nodes and ports, its flat parameters, its construction
//! and Keras's introspection. A chain (`Input[8] -> Dense<30, relu> ->
//! Dense<1>`) is a graph with one input, one output and a straight plan;
//! what differs is only the type of one sample ([`Network`](crate::Network)'s
//! `predict_one(&x) -> y`, [`Graph`](crate::graph::Graph)'s
//! `predict_one(&Inputs) -> Outputs`).
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     /// A chain.
//!     pub struct Chain { Input[4] -> hidden: Dense<8, relu> -> Dense<3, softmax> }
//! }
//! network! {
//!     /// The same layers as a graph.
//!     pub struct Wired {
//!         x = Input[4];
//!         hidden = Dense<8, relu>(x);
//!         output y = Dense<3, softmax>(hidden);
//!     }
//! }
//!
//! /// Written once for every model.
//! fn describe<M: Model>(model: &M) -> String {
//!     let nodes: Vec<&str> = M::NODES.iter().map(|n| n.name).collect();
//!     format!("{}: {} params, nodes {nodes:?}, {} weight arrays", M::NAME, M::PARAMS, model.get_weights().len())
//! }
//!
//! assert_eq!(describe(&*Chain::new(1)), r#"Chain: 67 params, nodes ["input_layer", "hidden", "dense"], 4 weight arrays"#);
//! assert_eq!(describe(&*Wired::new(1)), r#"Wired: 67 params, nodes ["x", "dense", "y"], 4 weight arrays"#);
//! assert_eq!(Chain::new(7).params(), Wired::new(7).params());
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::layer::LayerInfo;

/// How a model was declared, which decides Keras's class and file layout:
/// a chain is Keras's `Sequential`, a graph its Functional `Model`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `Input[8] -> Dense<30, relu> -> Dense<1>`: Keras's `Sequential`.
    Sequential,
    /// Named nodes, `Input`s and `output`s: Keras's Functional API.
    Functional,
}

/// What a node of a model computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeKind {
    /// A declared input (`Input[5]`; Keras's `InputLayer`).
    Input,
    /// A layer applied to one node: the row of [`Model::LAYERS`] at this
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

/// One node of a model, in declaration order (which is an order of
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

/// A declared input or output of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortInfo {
    /// The name declared: the field of a graph's inputs or outputs struct
    /// (a chain's one input is `input_layer`, its one output its last
    /// layer).
    pub name: &'static str,
    /// The node it is (for an output, the layer's name).
    pub node: &'static str,
    /// Values per sample.
    pub size: usize,
}

/// A model declared with `network!`, chain or graph: a `#[repr(C)]` struct
/// of layers whose parameters are `f32`s laid out back to back, described by
/// its layer table and its nodes.
///
/// # Safety
///
/// Implementors promise that the struct holds exactly [`Self::PARAMS`]
/// `f32`s and nothing else (no padding, no other fields), in the order and
/// at the offsets of [`Self::LAYERS`], and that all-zero bytes are a valid
/// value. The `network!` macro upholds this and checks it at compile time;
/// do not implement this trait by hand.
pub unsafe trait Model: Sized + Send + Sync + 'static {
    /// One sample of every input: a chain's input sample
    /// (`SMatrix<f32, 28, 28>` after `Flatten[28, 28]`, `SVector<f32, 8>`
    /// after `Input[8]`), a graph's struct with a field per declared input.
    type Inputs: Copy + Send + Sync + 'static;
    /// What the model computes for one sample: a chain's output vector, a
    /// graph's struct with a field per declared output.
    type Outputs: Copy + Send + Sync + 'static;
    /// The sample type of each input, as `fit` and `predict` take them one
    /// slice per input: a tuple (`(SVector<f32, 5>, SVector<f32, 6>)`; a
    /// chain's is `(Inputs,)`).
    type InputSamples;
    /// The output type of each output, which with its loss types its
    /// targets: a tuple (`(SVector<f32, 1>, SVector<f32, 10>)`; a chain's is
    /// `(Outputs,)`).
    type OutputSamples;
    /// The struct's name.
    const NAME: &'static str;
    /// Keras's class of the model: `Sequential` for a chain, the
    /// Functional `Model` for a graph.
    const FORM: Form;
    /// The declared inputs, in order (a chain has one).
    const INPUTS: &'static [PortInfo];
    /// The declared outputs, in order (a chain has one).
    const OUTPUTS: &'static [PortInfo];
    /// Every node, inputs and merges included, in declaration order.
    const NODES: &'static [NodeInfo];
    /// One row per layer with a field in the struct, in declaration order.
    const LAYERS: &'static [LayerInfo];
    /// Parameters (Keras's "Total params").
    const PARAMS: usize;
    /// Bytes of parameters: `PARAMS * 4`. Usable in `const` context:
    /// `const _: () = assert!(MyNet::WEIGHT_BYTES <= 64 * 1024);`
    const WEIGHT_BYTES: usize = Self::PARAMS * core::mem::size_of::<f32>();

    /// The forward pass of one sample: no heap, no `std`.
    ///
    /// A NaN or infinite input is not an error (this call cannot fail): it
    /// propagates, as in Keras, so the outputs it reaches are NaN (every
    /// activation keeps a NaN a NaN), never a plausible finite answer. Check
    /// the input first where inputs may be bad.
    ///
    /// A `Flatten[28, 28]` model takes an `SMatrix<f32, 28, 28>`, not the
    /// 784 values of a flattened image: `Sample::from_row_major(&pixels)`
    /// (in the prelude) builds the image from them, row by row as numpy and
    /// Keras store it. Anything else is a compile error that says so (see
    /// [`InputOf`]).
    fn predict_one<X: InputOf<Self::Inputs> + ?Sized>(&self, x: &X) -> Self::Outputs {
        self.forward_one(x.as_input())
    }

    /// The forward pass of one sample, as `network!` writes it for each
    /// model; call [`Model::predict_one`], which takes the same input and
    /// explains a wrong one.
    fn forward_one(&self, x: &Self::Inputs) -> Self::Outputs;

    /// One sample's [`Model::Outputs`] from each output's values (one slice
    /// per declared output, in order, each of the output's width), as the
    /// batch path computes them.
    fn outputs_from_rows(rows: &[&[f32]]) -> Self::Outputs;

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

    /// A model whose parameters are all zero, by value (for small models
    /// and targets without a heap; on `std`, prefer [`Model::new`]).
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: all-zero bytes are a valid value.
        unsafe { core::mem::zeroed() }
    }

    /// Fills every parameter from its layer's initializers, from one ChaCha8
    /// stream seeded with `seed`, layer after layer (feature `rand`, which
    /// `std` turns on).
    #[cfg(feature = "rand")]
    fn initialize(&mut self, seed: u64) {
        crate::initializer::initialize(Self::LAYERS, self.params_mut(), seed);
    }

    /// A new model built in place on the heap, initialised from `seed`. It
    /// is boxed so that its weights (a megabyte for the book's Fashion-MNIST
    /// model) never pass through the stack, whatever their size (features
    /// `alloc` and `rand`).
    #[cfg(all(feature = "alloc", feature = "rand"))]
    fn new(seed: u64) -> alloc::boxed::Box<Self> {
        let mut model = Self::new_zeroed();
        model.initialize(seed);
        model
    }

    /// A model of zeros built in place on the heap.
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

    /// Keras's `model.summary()` as a value that displays the table: the
    /// Sequential table for a chain, the functional one (a row per node,
    /// with "Connected to") for a graph. A compiled model's adds its
    /// optimizer's line with
    /// [`Summary::with_optimizer`](crate::summary::Summary::with_optimizer).
    #[cfg(feature = "alloc")]
    fn summary(&self) -> crate::summary::Summary {
        match Self::FORM {
            Form::Sequential => {
                crate::summary::Summary::new(Self::NAME, Self::LAYERS, Self::PARAMS)
            }
            Form::Functional => crate::summary::Summary::graph(
                Self::NAME,
                Self::NODES,
                Self::LAYERS,
                Self::OUTPUTS,
                Self::PARAMS,
            ),
        }
    }

    /// Every weight array in Keras's order and layout: `dense/kernel` as a
    /// row-major `(784, 300)` array, then `dense/bias`, and so on, layer
    /// after layer in declaration order.
    #[cfg(feature = "alloc")]
    fn get_weights(&self) -> alloc::vec::Vec<crate::weights::NamedArray> {
        crate::weights::get_weights(Self::LAYERS, self.params())
    }

    /// Replaces every weight from arrays in [`Model::get_weights`]'s order
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

/// What [`Model::predict_one`] takes as a model's input `I`: `I` itself, and
/// nothing else. It exists for its compile error: a wrong input (the 784
/// values of a flattened image for a `Flatten[28, 28]` model, bytes for
/// floats) says what the model takes and how to build it, rather than only
/// "expected `28`, found `784`".
#[diagnostic::on_unimplemented(
    message = "this is not the model's input: it takes `{I}`",
    label = "not the model's input",
    note = "an image input (`Flatten[28, 28]`) takes an `SMatrix<f32, 28, 28>`: \
            `Sample::from_row_major(&pixels)` (in the prelude) builds one from 784 values in \
            row-major order, as numpy and Keras store them, and `image.map(|p| p as f32 / 255.0)` \
            turns bytes into floats; an `Input[N]` takes an `SVector<f32, N>`; a graph, its \
            `<Name>Inputs` struct"
)]
pub trait InputOf<I> {
    /// The input itself.
    fn as_input(&self) -> &I;
}

impl<I> InputOf<I> for I {
    #[inline]
    fn as_input(&self) -> &I {
        self
    }
}

/// A reference to the input, as `model.predict_one(x)` gets it in
/// `xs.iter().map(|x| ...)`.
impl<I> InputOf<I> for &I {
    #[inline]
    fn as_input(&self) -> &I {
        self
    }
}
