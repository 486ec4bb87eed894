//! Keras 3's own files, read at run time into a declared network: `.keras`
//! archives (`model.save("model.keras")`) and `.weights.h5` files
//! (`model.save_weights("model.weights.h5")`).
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
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! # What is read, and what is checked
//!
//! A `.keras` archive is a zip (read with the `zip` crate) of `config.json`
//! (the architecture), `model.weights.h5` (the weights, HDF5) and
//! `metadata.json`. The architecture is checked against the declaration
//! first: the model's layers, in order, must be of the kinds the network
//! declares (an `InputLayer` gives the input shape), each with the same
//! settings: a Dense layer's units, activation and bias; a Dropout's
//! `rate`; a BatchNormalization's `momentum` and `epsilon`; the `ReLU`,
//! `LeakyReLU` and `ELU` layers' options (`max_value`, `negative_slope`,
//! `threshold`, `alpha`); one input of the declared shape, one output. A
//! difference is an error naming the first layer that differs (counted
//! from 0, the `InputLayer` not counted) and both descriptions. A
//! Functional model that a chain cannot hold (several inputs or outputs, a
//! `Concatenate`, `Add` or `Average`) is refused with the graph declaration
//! that reads it, written from the file's `config.json`. A layer of a kind
//! this library does not have (`LayerNormalization`, ...) is refused,
//! naming the kind, and so is an
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
//! layer, whatever its name), and they are matched to the network's layers
//! the way Keras matches them: the `k`-th layer of a kind takes
//! `layers/<kind>_k` (the first `layers/<kind>`), `<kind>` being Keras's
//! snake-case class name (`dense`, `batch_normalization`, `dropout`,
//! `re_lu`, `leaky_re_lu`, `elu`, `p_re_lu`, `normalization`), counted per kind. A Dense
//! layer's variables are its kernel `(inputs, units)` (row-major, as in
//! Keras) and bias; a BatchNormalization's `gamma`, `beta`, `moving_mean`,
//! `moving_variance`, in that order; a PReLU's `alpha`; a Normalization's
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
mod config;
mod declaration;
mod difference;
mod graph;
mod h5;
mod matching;
mod write;

pub use archive::KerasArchive;
pub use config::{KerasLayer, KerasModel, check_architecture, parse_config};
pub use graph::{
    GraphKerasFile, check_graph_architecture, decode_graph_keras, decode_graph_keras_weights,
    graph_arrays_for,
};
pub use h5::{H5Layer, H5Variable, read_layers};
pub use matching::arrays_for;
pub use write::{KERAS_FORMAT_VERSION, encode_keras, keras_config, keras_weights_h5};

use crate::Result;
use crate::network::Network;
use crate::weights::NamedArray;
use std::path::Path;

/// Reads a `.keras` archive in memory as the weights of `N`, after checking
/// its architecture against `N` (see the module docs).
pub fn decode_keras<N: Network>(bytes: &[u8], source_name: &str) -> Result<Vec<NamedArray>> {
    let archive = KerasArchive::from_bytes(bytes, source_name)?;
    let model = parse_config(&archive.config, source_name)?;
    declaration::refuse_functional_in_chain(&model, &archive.config, N::NAME, source_name)?;
    check_architecture::<N>(&model, source_name)?;
    let h5_name = format!("{source_name}: model.weights.h5");
    let layers = read_layers(&archive.weights_h5, &h5_name)?;
    arrays_for::<N>(&layers, &h5_name)
}

/// Reads a Keras 3 `.weights.h5` file in memory as the weights of `N`.
pub fn decode_keras_weights<N: Network>(
    bytes: &[u8],
    source_name: &str,
) -> Result<Vec<NamedArray>> {
    let layers = read_layers(bytes, source_name)?;
    arrays_for::<N>(&layers, source_name)
}

/// Keras's `keras.models.load_model` and `model.load_weights` for Keras's
/// own files, into a network declared here. In the prelude. On any error no
/// weight has changed.
pub trait KerasFile: Network {
    /// Loads the weights of the `.keras` archive at `path`, after checking
    /// its architecture against this network.
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

    /// Writes this network as a `.keras` archive that Keras 3 loads with
    /// `keras.models.load_model` (Keras's `model.save("model.keras")`),
    /// whole or not at all.
    fn save_keras(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fs::write_atomic(path, &encode_keras(self)?)
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

impl<N: Network> KerasFile for N {}
