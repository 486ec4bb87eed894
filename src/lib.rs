//! # mlp
//!
//! Multilayer perceptrons whose shapes are types. A network declared as
//! `Flatten[28, 28] -> Dense<300, relu> -> Dense<10, softmax>` becomes a plain
//! struct of statically sized nalgebra matrices, so a shape mistake is a
//! compile error; around it sits the workflow of Keras's `Sequential`
//! (chapter 10 of Géron's *Hands-On Machine Learning*).
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     /// The book's Fashion-MNIST classifier (chapter 10).
//!     pub struct FashionMlp {
//!         Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
//!     }
//! }
//!
//! let model = FashionMlp::new(42);
//! println!("{}", model.summary());
//! let hidden1 = model.get_layer("dense")?;
//! assert_eq!(hidden1.kernel().unwrap().shape(), (784, 300));
//! let image = SMatrix::<f32, 28, 28>::zeros();
//! let p: SVector<f32, 10> = model.predict_one(&image);
//! assert!((p.sum() - 1.0).abs() < 1e-5);
//! # Ok::<(), mlp::Error>(())
//! ```
//!
//! ## The grammar of `network!`
//!
//! ```text
//! network! {
//!     #[attributes] /// doc comments
//!     [#[weights("path/to/file.safetensors")]]
//!     [pub] struct Name {
//!         [name:] Flatten[rows, cols]            // or: Input[n]
//!         -> [name:] Dense<units[, activation][, option = value]*>
//!         -> ...
//!     }
//! }
//! ```
//!
//! Layers are named as Keras names them (`flatten`, `dense`, `dense_1`, ...)
//! unless a name is given. Options are `kernel_initializer` and
//! `bias_initializer` (`glorot_uniform`, `he_normal`, `constant(0.1)`,
//! `random_normal(mean = 0.0, stddev = 0.05)`, ...).
//!
//! ### Graphs: Keras's Functional API
//!
//! A body of statements ending in `;` declares a graph: several inputs,
//! merges, several outputs. Each statement names a node and applies a layer
//! to the nodes it reads, as `hidden1 = keras.layers.Dense(30,
//! activation="relu")(input_deep)` does in Keras:
//!
//! ```text
//! name = Input[n];                          // an input: n features
//! name = Layer(node);                       // any chain layer: Dense<30, relu>, Dropout<0.2>, ...
//! name = Concatenate(a, b, ...);            // widths summed
//! name = Add(a, b, ...);                    // one width (else a compile error naming both)
//! name = Average(a, b, ...);                // one width
//! output name = Layer(node);                // a node that is also an output
//! output name;                              // an existing node as an output
//! ```
//!
//! A node reads only nodes defined above it (so a graph has no cycle), and
//! every input and node must lead to an output. Inputs and outputs are
//! named by their node; the other layers are named as Keras names them
//! (`dense`, `dense_1`, `concatenate`, ...) unless given Keras's `name`
//! option (`Dense<30, relu, name = hidden>`). The struct has one field per
//! layer, as a chain's; beside it `network!` writes `NameInputs` and
//! `NameOutputs`, with a field per input and per output, which
//! [`Graph::predict_one`](crate::graph::Graph::predict_one) takes and
//! returns (no heap, `no_std`). Structs rather than tuples: fields named as
//! declared cannot be swapped silently, even when two outputs have the same
//! width. The book's Wide & Deep model with two inputs and an auxiliary
//! output:
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
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
//! let y: WideDeepOutputs = model.predict_one(&WideDeepInputs {
//!     wide_input: SVector::zeros(),
//!     deep_input: SVector::zeros(),
//! });
//! assert!(y.main_output[0].is_finite() && y.aux_output[0].is_finite());
//! assert_eq!(model.get_layer("dense_1")?.kernel().unwrap().shape(), (30, 30));
//! # Ok::<(), mlp::Error>(())
//! ```
//!
//! The book's first Wide & Deep model has one input read twice
//! (`Concatenate(input, hidden2)`); its second, the two inputs without the
//! auxiliary output. Training graphs (`fit` with one slice per input and
//! output) is not available yet.
//!
//! ### Baked weights: `#[weights("file.safetensors")]`
//!
//! The attribute `#[weights("path")]` (the macro's own: it is not put on the
//! struct) reads a safetensors weights file at compile time, as
//! [`save_weights`](crate::io::WeightsFile::save_weights) or Keras writes it,
//! and gives the struct a constant `Name::WEIGHTS` holding those weights:
//! `static MODEL: Name = Name::WEIGHTS;` keeps the model in read-only memory,
//! with no file, no parsing and no heap at run time (for `#![no_std]`
//! targets). The path is relative to the folder of the crate that invokes
//! the macro (its `CARGO_MANIFEST_DIR`); the crate is rebuilt when the file
//! changes. The file must hold exactly the tensors `<layer>/kernel`
//! (inputs x units, row-major, as Keras and numpy) and `<layer>/bias` of
//! every Dense layer, in `F32`: a missing file, a file that is not
//! safetensors, a missing or extra tensor, another dtype or another shape is
//! a compile error pointing at the path.
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     /// A small regressor whose weights are compiled into the binary.
//!     #[weights("tests/fixtures/weights/tiny.safetensors")]
//!     pub struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
//! }
//!
//! static MODEL: Tiny = Tiny::WEIGHTS;
//!
//! // The same weights as loading the file at run time.
//! let mut loaded = Tiny::new_zeroed();
//! loaded.load_weights(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/weights/tiny.safetensors"))?;
//! assert_eq!(MODEL.params(), loaded.params());
//! let y = MODEL.predict_one(&SVector::<f32, 2>::new(0.5, -1.0));
//! assert!(y[0].is_finite());
//! # Ok::<(), mlp::Error>(())
//! ```
#![warn(missing_docs)]

pub use mlp_core::*;
