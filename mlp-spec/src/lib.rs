//! The tables that the `network!` macro (`mlp-macros`) and the runtime
//! (`mlp-core`) share, so that every list of names is written once: the
//! activations, the initializers with their parameters and Keras's defaults,
//! the regularizers and constraints, and the layer kinds with their options.
//!
//! Each list is a callback macro (`for_each_activation!`,
//! `for_each_initializer!`) that hands the entries to a macro of the caller:
//! the runtime generates its enums and marker types from them, and this
//! crate generates the plain data tables ([`ACTIVATIONS`], [`INITIALIZERS`])
//! that the proc macro reads. Adding an entry here adds it everywhere.
//!
//! ```
//! let relu = mlp_spec::activation("relu").ok_or("no relu")?;
//! assert_eq!(relu.variant, "Relu");
//! let silu = mlp_spec::activation("silu").ok_or("no silu")?;
//! assert_eq!(silu.variant, "Swish");
//! let normal = mlp_spec::initializer("random_normal").ok_or("no random_normal")?;
//! assert_eq!(normal.params, &[("mean", 0.0), ("stddev", 0.05)]);
//! assert_eq!(mlp_spec::layer("Dense").ok_or("no Dense")?.default_name, "dense");
//! # Ok::<(), &'static str>(())
//! ```
#![no_std]
#![warn(missing_docs)]

mod activations;
#[cfg(feature = "safetensors")]
pub mod arch;
mod initializers;
#[cfg(feature = "keras")]
pub mod keras_check;
#[cfg(feature = "keras")]
pub mod keras_config;
#[cfg(feature = "keras")]
pub mod keras_h5;
#[cfg(feature = "keras")]
pub mod keras_options;
#[cfg(feature = "alloc")]
mod keras_order;
mod kind;
mod layers;
#[cfg(feature = "onnx")]
pub mod onnx;
mod regularizers;
#[cfg(feature = "safetensors")]
pub mod safetensors_check;
#[cfg(feature = "alloc")]
mod text;
#[cfg(feature = "safetensors")]
pub mod torch;

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "safetensors", feature = "keras"))]
extern crate std;

pub use activations::{ACTIVATIONS, ActivationSpec, activation};
pub use initializers::{
    DEFAULT_BIAS_INITIALIZER, DEFAULT_KERNEL_INITIALIZER, FunctionSpec, INITIALIZERS,
    InitializerSpec, initializer,
};
#[cfg(feature = "alloc")]
pub use keras_order::keras_order;
pub use kind::{Field, LayerOp, Payload};
pub use layers::{
    DEFAULT_PRELU_INITIALIZER, LAYERS, LayerRole, LayerSpec, Refused, WeightShape, layer, settings,
};
pub use regularizers::{CONSTRAINTS, REGULARIZERS, constraint, regularizer};
#[cfg(feature = "alloc")]
pub use text::{short_list, to_snake_case};

/// The README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
