//! ONNX models, in and out: [`OnnxFile::load_onnx`] reads a model exported
//! by PyTorch (`torch.onnx.export`) or any other tool into a declared
//! model, chain or graph, after checking its operators, their order
//! and connections, the widths, the activations (a file that ends in
//! logits matches a last `Dense` that is linear, and only a file with the
//! `Softmax` matches `softmax`) and BatchNormalization's epsilon against the
//! declaration; [`OnnxFile::save_onnx`] writes an inference graph (opset
//! 17, dynamic batch axis) that onnxruntime and tract run. Behind the
//! `onnx` feature.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { pub struct Net { Input[4] -> Dense<8, relu> -> Dropout<0.2> -> Dense<3, softmax> } }
//!
//! let model = Net::new(1);
//! let bytes = model.onnx_to_bytes()?;
//! let mut copy = Net::new_zeroed();
//! copy.load_onnx_from_bytes(&bytes)?;
//! assert_eq!(copy.params(), model.params());
//!
//! // A file of another architecture is refused, naming the layer and both descriptions.
//! network! { pub struct Logits { Input[4] -> Dense<8, relu> -> Dense<3> } }
//! let err = Logits::new(1).load_onnx_from_bytes(&bytes).unwrap_err();
//! assert!(err.to_string().contains("node `dense_1/Softmax` (Softmax) of the file is not in the declaration"), "{err}");
//! # Ok::<(), mlp_core::Error>(())
//! ```

mod write;

use super::arch::{arch, named};
use crate::model::Model;
use crate::weights::NamedArray;
use crate::{Error, Result};
use mlp_spec::arch::Arch;
use std::path::Path;

/// The weights of the ONNX bytes for `arch`, its graph checked.
fn decode(arch: &Arch, bytes: &[u8], source: &str) -> Result<Vec<NamedArray>> {
    named(mlp_spec::onnx::read_arrays(bytes, arch), source)
}

/// The ONNX bytes of `arch` with the weights `arrays`.
fn encode(arch: &Arch, arrays: &[NamedArray]) -> Result<Vec<u8>> {
    write::encode(arch, arrays).map_err(|message| Error::Data {
        source_name: format!("ONNX export of `{}`", arch.name),
        message,
    })
}

/// ONNX files for every model, chain or graph. A chain's file has one
/// input `input` of shape `(batch, ...)` and one output `output`; a
/// graph's has its declared inputs and outputs, by name and in order. In
/// the prelude.
pub trait OnnxFile: Model {
    /// Replaces every weight from the ONNX model at `path`, once its graph
    /// matches the declaration. Everything is checked first: on error,
    /// naming the file, the declared layer and the file's operator with
    /// both descriptions, no weight has changed.
    fn load_onnx(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = crate::fs::read(path)?;
        let arrays = decode(&arch::<Self>(), &bytes, &path.display().to_string())?;
        self.set_weights(&arrays)
    }

    /// [`OnnxFile::load_onnx`] from bytes already in memory.
    fn load_onnx_from_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode(&arch::<Self>(), bytes, "ONNX bytes")?;
        self.set_weights(&arrays)
    }

    /// Writes the model to `path` as ONNX (opset 17, dynamic batch axis),
    /// whole or not at all.
    fn save_onnx(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fs::write_atomic(path, &self.onnx_to_bytes()?)
    }

    /// The bytes [`OnnxFile::save_onnx`] writes.
    fn onnx_to_bytes(&self) -> Result<Vec<u8>> {
        encode(&arch::<Self>(), &self.get_weights())
    }
}

impl<M: Model> OnnxFile for M {}
