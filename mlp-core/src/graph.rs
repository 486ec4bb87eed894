//! The trait every graph declared with `network!` implements beside
//! [`Model`] (Keras's Functional API): several named inputs, merge layers,
//! several named outputs, each typed.
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
//! A graph's input and output are structs with a field per declared input
//! and output (`WideDeepInputs`, `WideDeepOutputs`, generated beside the
//! network); everything else is [`Model`]'s, as for a chain.

use crate::model::Model;
pub use crate::model::{NodeInfo, NodeKind, PortInfo};

/// A graph declared with `network!` (Keras's Functional API): typed inputs
/// and outputs ([`Model::Inputs`], [`Model::Outputs`]), one field per
/// declared name. Everything else is [`Model`]'s.
pub trait Graph: Model {}
