//! Layers: the typed [`Dense`] and [`Flatten`], and the runtime table
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

mod dense;
mod flatten;
mod info;

pub use dense::Dense;
#[cfg(feature = "std")]
pub use dense::DenseShape;
pub use flatten::Flatten;
pub use info::{LayerInfo, LayerKind, WeightInfo};
