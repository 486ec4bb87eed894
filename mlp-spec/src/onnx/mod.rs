//! ONNX models (`.onnx`) read into a declared model, shared by the runtime's
//! `load_onnx` and the `#[weights("model.onnx")]` bake: the protobuf
//! decoded by prost (with ONNX's own `onnx.proto` compiled ahead of time:
//! [`proto`]), the graph checked against the declaration ([`check`]), the
//! weights handed back with Keras's names and layout. Behind the `onnx`
//! feature.
//!
//! ```
//! use mlp_spec::arch::{Arch, Op};
//! use mlp_spec::onnx::read_arrays;
//!
//! let mut arch = Arch::new("Net");
//! let x = arch.push("input", Op::Input { shape: vec![2] }, &[]);
//! arch.push("dense", Op::dense(2, 1, "linear"), &[x]);
//! // Bytes that are not a model are an error, never a panic.
//! let problems = read_arrays(b"\x0a\xff\xff\xff", &arch).unwrap_err();
//! assert!(problems[0].starts_with("not an ONNX model"), "{problems:?}");
//! ```

pub mod check;
pub mod ops;
#[allow(missing_docs, clippy::all, clippy::pedantic, rustdoc::all)]
pub mod proto;
pub mod tensors;
#[cfg(test)]
mod tests;

use crate::arch::{Arch, Array};
use prost::Message;
use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// The opset this library writes (ONNX 1.12's; read by onnxruntime and
/// tract).
pub const OPSET: i64 = 17;

/// Decodes an ONNX model. Every length in the protobuf is checked against
/// the bytes present (by prost), so a file that declares more than it holds
/// is an error, not an allocation.
pub fn decode(bytes: &[u8]) -> Result<proto::ModelProto, String> {
    proto::ModelProto::decode(bytes).map_err(|e| format!("not an ONNX model (protobuf): {e}"))
}

/// The weights of the ONNX model `bytes` for `arch` (see [`check::arrays`]).
pub fn read_arrays(bytes: &[u8], arch: &Arch) -> Result<Vec<Array>, Vec<String>> {
    let model = decode(bytes).map_err(|e| vec![e])?;
    check::arrays(&model, arch)
}
