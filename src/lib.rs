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
#![warn(missing_docs)]

pub use mlp_core::*;
