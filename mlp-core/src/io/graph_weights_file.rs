//! Safetensors weights files for graphs: the same format as a chain's
//! ([`WeightsFile`](super::WeightsFile)), tensors named as Keras names
//! them (`dense/kernel`, `main_output/bias`, ...).
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     pub struct WideDeep {
//!         wide = Input[5];
//!         deep = Input[6];
//!         hidden = Dense<30, relu>(deep);
//!         concat = Concatenate(wide, hidden);
//!         output main = Dense<1>(concat);
//!     }
//! }
//!
//! let model = WideDeep::new(1);
//! let bytes = model.weights_to_bytes()?;
//! let mut copy = WideDeep::new_zeroed();
//! copy.load_weights_from_bytes(&bytes)?;
//! assert_eq!(copy.params(), model.params());
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::weights_file::{decode_arrays, encode};
use crate::Result;
use crate::graph::Graph;
use crate::weights::NamedArray;
use std::path::Path;

/// Keras's `model.save_weights(path)` and `model.load_weights(path)` for
/// every graph, in safetensors. In the prelude.
///
/// ```
/// use mlp_core::prelude::*;
///
/// network! {
///     pub struct Two {
///         a = Input[2];
///         b = Input[3];
///         j = Concatenate(a, b);
///         output y = Dense<1>(j);
///     }
/// }
/// network! {
///     pub struct Wider {
///         a = Input[2];
///         b = Input[4];
///         j = Concatenate(a, b);
///         output y = Dense<1>(j);
///     }
/// }
///
/// let bytes = Two::new(7).weights_to_bytes()?;
/// // A file made for another architecture is refused, and changes nothing.
/// let err = Wider::new(1).load_weights_from_bytes(&bytes).unwrap_err();
/// assert_eq!(err.to_string(), "safetensors bytes: tensor `y/kernel`: expected shape (6, 1), found (5, 1)");
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub trait GraphWeightsFile: Graph {
    /// Writes every weight to `path` (Keras's `model.save_weights`), whole
    /// or not at all.
    fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fs::write_atomic(path, &self.weights_to_bytes()?)
    }

    /// Replaces every weight from the safetensors file at `path` (Keras's
    /// `model.load_weights`). Every tensor name, dtype, shape and value is
    /// checked first: on error, naming the file, the tensor and both shapes,
    /// no weight has changed.
    fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = crate::fs::read(path)?;
        let arrays = decode_graph_weights::<Self>(&bytes, &path.display().to_string())?;
        self.set_weights(&arrays)
    }

    /// The bytes of the safetensors file that
    /// [`GraphWeightsFile::save_weights`] writes.
    fn weights_to_bytes(&self) -> Result<Vec<u8>> {
        encode(Self::NAME, &self.get_weights())
    }

    /// [`GraphWeightsFile::load_weights`] from bytes already in memory.
    fn load_weights_from_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode_graph_weights::<Self>(bytes, "safetensors bytes")?;
        self.set_weights(&arrays)
    }
}

impl<G: Graph> GraphWeightsFile for G {}

/// Reads the safetensors bytes `bytes` (from `source_name`, used in error
/// messages) as the weights of the graph `G`, in [`Graph::get_weights`]'s
/// order and layout, with the checks of
/// [`decode_weights`](super::decode_weights).
pub fn decode_graph_weights<G: Graph>(bytes: &[u8], source_name: &str) -> Result<Vec<NamedArray>> {
    decode_arrays(G::NAME, G::LAYERS, bytes, source_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    network! {
        struct Branches {
            x = Input[3];
            h = Dense<4, relu>(x);
            s = Add(h, h);
            output y = Dense<2>(s);
            output z = Dense<1, name = side>(h);
        }
    }

    #[test]
    fn round_trip_is_exact_and_a_missing_tensor_is_named() {
        let model = Branches::new(3);
        let bytes = model.weights_to_bytes().unwrap();
        let mut copy = Branches::new(4);
        assert_ne!(copy.params(), model.params());
        copy.load_weights_from_bytes(&bytes).unwrap();
        assert_eq!(copy.params(), model.params());

        let mut arrays = model.get_weights();
        arrays.retain(|a| a.name != "side/bias");
        let short = encode("Branches", &arrays).unwrap();
        let before = copy.params().to_vec();
        let err = copy.load_weights_from_bytes(&short).unwrap_err();
        assert_eq!(
            err.to_string(),
            "safetensors bytes: missing tensor(s) `side/bias` (1,) that `Branches` needs"
        );
        assert_eq!(copy.params(), before.as_slice());
    }
}
