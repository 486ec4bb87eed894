//! The runtime of [`mlp`](https://docs.rs/mlp): typed layers, activations,
//! initializers, the batch engine and introspection. Most users depend on the
//! facade crate `mlp`; this crate is what a `#![no_std]` target depends on
//! directly (`default-features = false`).
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     /// The book's Fashion-MNIST classifier (chapter 10).
//!     pub struct FashionMlp {
//!         Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
//!     }
//! }
//!
//! let model = FashionMlp::new(42);
//! assert_eq!(FashionMlp::PARAMS, 266_610);
//! assert_eq!(model.dense.kernel().shape(), (784, 300));
//! let p = model.predict_one(&SMatrix::<f32, 28, 28>::zeros());
//! assert!((p.sum() - 1.0).abs() < 1e-5);
//! # Ok::<(), mlp_core::Error>(())
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[macro_use]
mod setters;

pub mod activation;
#[cfg(feature = "datasets")]
pub mod datasets;
#[cfg(feature = "std")]
mod engine;
#[cfg(feature = "alloc")]
pub mod error;
#[cfg(feature = "std")]
mod fs;
pub mod graph;
#[cfg(feature = "std")]
pub mod history;
pub mod initializer;
#[cfg(feature = "std")]
pub mod io;
mod kernels;
pub mod layer;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod network;
pub mod on_device;
pub mod optim;
#[cfg(feature = "plot")]
pub mod plot;
#[cfg(feature = "std")]
mod pool;
#[cfg(feature = "std")]
pub mod predict;
pub mod quant;
pub mod regularizer;
pub mod sample;
#[cfg(feature = "alloc")]
pub mod summary;
pub mod target;
#[cfg(feature = "std")]
pub mod train;
#[cfg(feature = "std")]
pub mod tune;
pub mod utils;
#[cfg(feature = "alloc")]
pub mod weights;

#[cfg(feature = "alloc")]
pub use error::{Error, Result};
pub use kernels::{Kernels, KernelsUnavailable, kernels, select_kernels};
pub use layer::{Dense, Flatten, LayerInfo, LayerKind};
pub use model::Model;
pub use network::Network;
pub use sample::Sample;

/// Re-exports of nalgebra, whose static matrices are this crate's currency.
pub use nalgebra;
pub use nalgebra::{SMatrix, SVector};

/// Declares a network; see the crate documentation of `mlp` for the grammar.
///
/// ```
/// use mlp_core::prelude::*;
///
/// network! {
///     /// California housing regressor.
///     pub struct Housing {
///         Input[8] -> Dense<30, relu> -> Dense<1>
///     }
/// }
/// assert_eq!(Housing::PARAMS, 8 * 30 + 30 + 30 + 1);
/// ```
#[macro_export]
macro_rules! network {
    ($($body:tt)*) => {
        $crate::__private::network_impl! { ($crate) $($body)* }
    };
}

/// What most programs need: `use mlp_core::prelude::*;` brings the macro,
/// the model traits, and what every training program writes (the losses,
/// the optimizers, `Metric`, `Fit` and the callbacks).
pub mod prelude {
    pub use crate::activation::Activation;
    pub use crate::graph::Graph;
    #[cfg(feature = "std")]
    #[cfg(feature = "keras")]
    pub use crate::io::KerasFile;
    #[cfg(feature = "onnx")]
    pub use crate::io::OnnxFile;
    #[cfg(feature = "std")]
    pub use crate::io::TorchFile;
    #[cfg(feature = "std")]
    pub use crate::io::WeightsFile;
    pub use crate::loss::{
        BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
        SparseCategoricalCrossentropy,
    };
    pub use crate::metrics::Metric;
    pub use crate::model::Model;
    pub use crate::network;
    pub use crate::network::Network;
    pub use crate::optim::{Adagrad, Adam, AdamW, Adamax, Nadam, RmsProp, Sgd};
    #[cfg(feature = "std")]
    pub use crate::predict::Predict;
    pub use crate::sample::Sample;
    #[cfg(feature = "std")]
    pub use crate::train::{
        BackupAndRestore, Callback, CsvLogger, EarlyStopping, LearningRateScheduler,
        ModelCheckpoint, ReduceLrOnPlateau, TerminateOnNaN,
    };
    #[cfg(feature = "std")]
    pub use crate::train::{Compile, Fit};
    pub use nalgebra::{SMatrix, SVector};
}

/// The engine's internals, for the crate's own benchmarks, examples and
/// tests. Not public API: no stability promise.
#[doc(hidden)]
pub mod __internal {
    #[cfg(feature = "std")]
    pub use crate::engine::{Backward, NotFinite, Phase, UPDATE_CHUNK, UpdateFn, Workspace};
    #[cfg(feature = "alloc")]
    pub use crate::kernels::PackedI8;
    pub use crate::kernels::{
        Int8Path, ONE_PASS_DEPTH, Operand, Product, all_finite, gemm_nn, gemm_nn_sub, gemm_nt,
        gemv_t, gemv_u8i8, gemv_u8i8_on, int8_path, int8_paths, kernel_name, max_abs, prefetch,
        quantize_u8, quantize_u8_on,
    };
    #[cfg(feature = "std")]
    pub use crate::layer::DenseShape;
    #[cfg(feature = "std")]
    pub use crate::pool::{Pool, split};
}

/// Paths the `network!` macro expands to. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::activation::{self, Activation, ActivationKind};
    pub use crate::graph::Graph;
    pub use crate::initializer::Initializer;
    pub use crate::layer::{
        ActivationLayer, BatchNormalization, Dense, DenseOptions, Dropout, Elementwise, Flatten,
        LayerInfo, LayerKind, Normalization, PReLU,
    };
    pub use crate::model::{Form, Model, NodeInfo, NodeKind, PortInfo};
    pub use crate::network::Network;
    pub use crate::quant::{DenseI8, DenseQ, LutQ, PReluQ, QuantParams, Requant, SoftmaxQ};
    pub use crate::regularizer::{Constraint, Regularizer};
    pub use core;
    pub use mlp_macros::network_impl;
    pub use nalgebra::{SMatrix, SVector};
}

/// The README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
