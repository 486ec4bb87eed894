//! Weights files: safetensors with Keras's names and layout, written whole
//! or not at all.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { pub struct Net { Input[4] -> Dense<8, relu> -> Dense<3, softmax> } }
//!
//! let dir = tempfile::tempdir().map_err(|e| mlp_core::Error::Io { path: ".".into(), source: e })?;
//! let path = dir.path().join("net.safetensors");
//! let model = Net::new(1);
//! model.save_weights(&path)?;
//!
//! let mut copy = Net::new_zeroed();
//! copy.load_weights(&path)?;
//! assert_eq!(copy.params(), model.params());
//! # Ok::<(), mlp_core::Error>(())
//! ```

mod arch;
#[cfg(feature = "keras")]
pub mod keras;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod torch;
mod weights_file;

#[cfg(feature = "keras")]
pub use keras::KerasFile;
#[cfg(feature = "onnx")]
pub use onnx::OnnxFile;
pub use torch::TorchFile;
pub use weights_file::{WeightsFile, decode_weights};
