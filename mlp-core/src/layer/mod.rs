//! Layers: the typed [`Dense`], [`Flatten`], [`Dropout`],
//! [`BatchNormalization`], [`PReLU`], [`Normalization`] and the activation layers, and the runtime table
//! ([`LayerInfo`]) that the `network!` macro writes for every network.
//!
//! ```
//! use mlp_core::activation::Relu;
//! use mlp_core::layer::Dense;
//! use nalgebra::{SMatrix, SVector};
//!
//! let mut layer = Dense::<2, 3, Relu>::zeros();
//! layer.set_weights(&SMatrix::<f32, 2, 3>::from_row_slice(&[1., 2., 3., -1., -2., -3.]), &SVector::zeros());
//! let y = layer.forward_one(&SVector::<f32, 2>::new(1.0, 0.5));
//! assert_eq!(y, SVector::<f32, 3>::new(0.5, 1.0, 1.5));
//! # Ok::<(), core::convert::Infallible>(())
//! ```

mod batch_norm;
mod dense;
mod dropout;
mod elementwise;
mod flatten;
mod info;
pub(crate) mod normalization;
mod prelu;

#[cfg(feature = "std")]
pub use batch_norm::BatchNormShape;
pub use batch_norm::BatchNormalization;
pub use dense::Dense;
#[cfg(feature = "std")]
pub use dense::DenseShape;
pub use dropout::Dropout;
#[cfg(feature = "std")]
pub use dropout::DropoutShape;
#[cfg(feature = "std")]
pub use elementwise::ActivationShape;
pub use elementwise::{ActivationLayer, Elementwise};
pub use flatten::Flatten;
pub use info::{DenseOptions, LayerInfo, LayerKind, TypedPayload, WeightInfo};
/// The shared list of layer kinds that [`LayerKind`] instantiates, and the
/// trait of its payloads.
pub use mlp_spec::{LayerOp, Payload};
pub use normalization::Normalization;
#[cfg(feature = "std")]
pub use normalization::NormalizationShape;
pub use prelu::PReLU;
#[cfg(feature = "std")]
pub use prelu::PReluShape;
