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
