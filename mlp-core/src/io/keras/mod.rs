//! Keras 3's own files, read at run time into a declared model, chain or
//! graph: `.keras` archives (`model.save("model.keras")`) and `.weights.h5`
//! files (`model.save_weights("model.weights.h5")`); and `.keras` archives
//! written for Keras ([`KerasFile::save_keras`]: a chain as a Sequential
//! model, a graph as a Functional one).
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::io::KerasFile;
//!
//! network! {
//!     /// The book's California housing regressor.
//!     pub struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> }
//! }
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keras-files/housing_sequential");
//! let mut model = Housing::new_zeroed();
//! model.load_keras(format!("{dir}/model.keras"))?;
//! let y = model.predict_one(&SVector::<f32, 8>::zeros());
//! assert!(y[0].is_finite());
//!
//! // The same weights from the weights file alone.
//! let mut copy = Housing::new_zeroed();
//! copy.load_keras_weights(format!("{dir}/model.weights.h5"))?;
//! assert_eq!(copy.params(), model.params());
//!
//! // A network that is not the model saved is refused, naming the layer.
//! network! { pub struct Tanh { Input[8] -> Dense<30, tanh> -> Dense<1> } }
//! let err = Tanh::new_zeroed().load_keras(format!("{dir}/model.keras")).unwrap_err();
//! assert!(err.to_string().contains("`dense`: Dense(30, activation=\"relu\")"));
//!
//! // A graph (Keras's Functional API) through the same trait: the book's
//! // two-input, two-output Wide & Deep model.
//! network! {
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
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keras-files/wide_deep_two_outputs");
//! let mut wide_deep = WideDeep::new_zeroed();
//! wide_deep.load_keras(format!("{dir}/model.keras"))?;
//! // Saved back as a Functional model, it reads back to the same weights.
//! let mut again = WideDeep::new_zeroed();
//! again.load_keras_bytes(&wide_deep.keras_to_bytes()?)?;
//! assert_eq!(again.params(), wide_deep.params());
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! # What is read, and what is checked
//!
//! A `.keras` archive is a zip (read with the `zip` crate) of `config.json`
//! (the architecture), `model.weights.h5` (the weights, HDF5) and
//! `metadata.json`. The architecture is checked against the declaration
//! first: the model's layers, in Keras's order (a chain's declaration
//! order; a graph's, that of Keras's `map_graph`, the order of
//! [`Model::summary`]'s rows), must be of the
//! kinds the model declares (an `InputLayer` gives an input's shape), each
//! with the same
//! settings: a Dense layer's units, activation and bias; a Dropout's
//! `rate`; a BatchNormalization's `momentum` and `epsilon`; the `ReLU`,
//! `LeakyReLU` and `ELU` layers' options (`max_value`, `negative_slope`,
//! `threshold`, `alpha`); a chain's one input of the declared shape and one
//! output; a graph's inputs (their sizes) and number of outputs, and in a
//! Functional file the connections: each layer reads the layers it reads
//! here, in order (a `Concatenate` of `wide_input` and `hidden2` is not one
//! of `hidden2` and `wide_input`), and the outputs are the declared ones,
//! in order (the file's names mapped to ours by place, so a file's
//! `dense_3` may be `hidden2` here). A difference is an error naming the
//! layer and both descriptions. A layer
//! of a kind this library does not have (`LayerNormalization`, `Conv2D`,
//! ..., and a merge such as `Concatenate` in a chain) is refused, naming the kind, and so is an
//! option it does not have, naming the option: a BatchNormalization with
//! `center=False` or `scale=False` (no `beta` or no `gamma`), an axis other
//! than the last, `renorm`; a PReLU with `shared_axes`; a Dropout with a
//! `noise_shape`; a Normalization with `invert=True`, an axis other than
//! the last, or its `mean` and `variance` in the config (each kind's row
//! of `mlp_spec::LAYERS` lists what it refuses). Initializers and regularizers are not compared at run
//! time: the weights read replace whatever they drew.
//!
//! The weights file keys a layer's variables by its kind and place, not its
//! name (`layers/dense_1/vars/0` is the kernel of the model's second Dense
//! layer, whatever its name), and they are matched to the model's layers
//! the way Keras's `model.load_weights` matches them: the `k`-th layer of a
//! kind in Keras's order takes
//! `layers/<kind>_k` (the first `layers/<kind>`), `<kind>` being Keras's
//! snake-case class name (`dense`, `batch_normalization`, `dropout`,
//! `re_lu`, `leaky_re_lu`, `elu`, `p_re_lu`, `normalization`), counted per kind. A Dense
//! layer's variables are its kernel `(inputs, units)` (row-major, as in
//! Keras) and bias; a BatchNormalization's `gamma`, `beta`, `moving_mean`,
//! `moving_variance`, in that order; a PReLU's `alpha`; the `InputLayer`s
//! and a graph's merges (`layers/concatenate`, `layers/add`,
//! `layers/average`) none, their number the graph's; a Normalization's
//! `mean`, `variance` and `count` (an int64 scalar in Keras's files, read
//! and written as such); the others have none. Every count and shape is checked before any weight changes. A
//! `.weights.h5` file alone has no architecture: kinds, counts and shapes
//! are what is checked. The optimizer's variables in the file are not read.
//!
//! Corrupt or truncated archives and HDF5 files are errors, never panics
//! (the tests cut and flip bytes of real Keras files in a loop).
//!
//! # The HDF5 reader
//!
//! The reader is `mlp_spec::keras_h5`, shared with the `#[weights("model.keras")]` bake.
//!
//! HDF5 is read by [`hdf5-pure`](https://crates.io/crates/hdf5-pure), pure
//! Rust (no libhdf5, no C), chosen among the pure-Rust HDF5 crates on
//! crates.io after running each on the four model files Keras 3.15.1 saved
//! for the tests (every variable compared bit for bit with h5py's reading),
//! and on 13,776 truncated and bit-flipped copies of one of them:
//!
//! | crate | the 4 Keras files | corrupt copies | from bytes | writes HDF5 | dependencies |
//! | --- | --- | --- | --- | --- | --- |
//! | `hdf5-pure` 0.47 | 40/40 variables exact | 0 panics | yes | yes | byteorder, flate2 |
//! | `hdf5-reader` 0.12 | 40/40 exact | 0 panics | yes | no (read-only) | ndarray, memmap2, libc, parking_lot, lru, ... |
//! | `rust-hdf5` 0.7 | 40/40 exact | 0 panics | path only | yes | flate2, zlib-rs, ... |
//! | `rustyhdf5` 1.93 | 40/40 exact | 0 panics | yes | yes | own format/io crates |
//! | `hdf5-pure-rust` 0.3 | 40/40 exact | 0 panics | path only | yes | ndarray, parking_lot, ... |
//! | `hdf5-rust` 1.1 | refuses them ("unsupported HDF5 version 17") | - | yes | yes | none (2.0 needs Rust 1.99) |
//!
//! `hdf5-pure` reads what Keras writes from memory (a `.keras` archive's
//! member needs no temporary file), did not panic on any corrupt copy, has
//! two small dependencies, and can also write HDF5, which writing `.keras`
//! files needs. A `catch_unwind` around the reader stays as a last guard.

mod archive;
mod check;
mod config;
mod declaration;
mod difference;
mod matching;
mod write;

pub use write::KERAS_FORMAT_VERSION;

use crate::Result;
use crate::model::{Model, NodeInfo, NodeKind};
use crate::weights::NamedArray;
use archive::KerasArchive;
use std::path::Path;

/// Keras's snake-case names of the merge layers (the stems of their groups
/// in a weights file) and their classes.
const MERGES: [(&str, &str); 3] = [
    ("concatenate", "Concatenate"),
    ("add", "Add"),
    ("average", "Average"),
];

/// Keras's class name of a merge node, `None` for an input or a layer.
fn merge_class(node: &NodeInfo) -> Option<&'static str> {
    match node.kind {
        NodeKind::Concatenate => Some("Concatenate"),
        NodeKind::Add => Some("Add"),
        NodeKind::Average => Some("Average"),
        _ => None,
    }
}

/// The model's nodes in Keras's order of a model's layers: a chain's in
/// declaration order, a graph's in the order of
/// `keras.src.ops.function.map_graph` (the order of [`Model::summary`]'s
/// rows), which numbers the groups of a weights file.
fn keras_nodes<M: Model>() -> Vec<&'static NodeInfo> {
    let (order, _) = crate::summary::graph::keras_order(M::NODES, M::OUTPUTS);
    order.into_iter().map(|n| &M::NODES[n]).collect()
}

/// Reads a `.keras` archive in memory as the weights of `M`, after checking
/// its architecture against `M` (see the module docs).
fn decode_keras<M: Model>(bytes: &[u8], source_name: &str) -> Result<Vec<NamedArray>> {
    let archive = KerasArchive::from_bytes(bytes, source_name)?;
    let model = config::parse_config(&archive.config, source_name)?;
    if M::FORM == crate::model::Form::Sequential {
        declaration::refuse_functional_in_chain(&model, &archive.config, M::NAME, source_name)?;
    }
    check::check_architecture::<M>(&model, source_name)?;
    let h5_name = format!("{source_name}: model.weights.h5");
    decode_keras_weights::<M>(&archive.weights_h5, &h5_name)
}

/// Reads a Keras 3 `.weights.h5` file in memory as the weights of `M`.
fn decode_keras_weights<M: Model>(bytes: &[u8], source_name: &str) -> Result<Vec<NamedArray>> {
    let wanted = matching::wanted(&matching::keras_layers::<M>());
    let layers = mlp_spec::keras_h5::read_layers(bytes, &wanted)
        .map_err(|message| crate::error::data(source_name, message))?;
    matching::arrays_for::<M>(&layers, source_name)
}

/// Keras's `keras.models.load_model`, `model.load_weights`, `model.save`
/// and `model.to_json` for Keras's own files, for every model declared
/// here, chain or graph. In the prelude. On any error no weight has
/// changed.
pub trait KerasFile: Model {
    /// Loads the weights of the `.keras` archive at `path`, after checking
    /// its architecture against this model.
    fn load_keras(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let arrays = decode_keras::<Self>(&crate::fs::read(path)?, &path.display().to_string())?;
        self.set_weights(&arrays)
    }

    /// [`KerasFile::load_keras`] from the archive's bytes in memory.
    fn load_keras_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode_keras::<Self>(bytes, ".keras bytes")?;
        self.set_weights(&arrays)
    }

    /// Writes this model as a `.keras` archive that Keras 3 loads with
    /// `keras.models.load_model` (Keras's `model.save("model.keras")`), a
    /// chain as a Sequential model, a graph as a Functional one, whole or
    /// not at all.
    fn save_keras(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fs::write_atomic(path, &write::encode_keras(self)?)
    }

    /// The bytes [`KerasFile::save_keras`] writes.
    fn keras_to_bytes(&self) -> Result<Vec<u8>> {
        write::encode_keras(self)
    }

    /// Keras's `model.to_json()`: the architecture as the `config.json` of
    /// a `.keras` archive holds it (`keras.models.model_from_json` reads
    /// it).
    fn to_json(&self) -> String {
        write::keras_config::<Self>().to_string()
    }

    /// Loads a Keras 3 `.weights.h5` file (`model.save_weights`).
    fn load_keras_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let arrays =
            decode_keras_weights::<Self>(&crate::fs::read(path)?, &path.display().to_string())?;
        self.set_weights(&arrays)
    }

    /// [`KerasFile::load_keras_weights`] from the file's bytes in memory.
    fn load_keras_weights_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode_keras_weights::<Self>(bytes, ".weights.h5 bytes")?;
        self.set_weights(&arrays)
    }
}

impl<M: Model> KerasFile for M {}
