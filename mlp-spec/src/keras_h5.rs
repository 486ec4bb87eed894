//! The weights of a Keras 3 model in HDF5 (`model.weights.h5`, alone or
//! inside a `.keras` archive), read with the pure-Rust `hdf5-pure` crate.
//!
//! Keras 3 keys each layer's variables by the layer's place in the model,
//! not by its name: the group `layers/<kind>[_<k>]/vars` holds the variables
//! `0`, `1`, ... of the `k`-th layer of that kind (`layers/dense_1/vars/0`
//! is the kernel of the model's second Dense layer), and the group's `name`
//! attribute gives the layer's own name (`dense_8`). `optimizer/vars` holds
//! the optimizer's variables, `vars` the model's own.
//!
//! One reader for the runtime's `load_keras`/`load_keras_weights`
//! (`mlp-core`) and the `#[weights("model.keras")]` bake (`mlp-macros`).
//! Behind the `keras` feature.
//!
//! ```
//! let err = mlp_spec::keras_h5::read_layers(b"PK\x03\x04", &[]).unwrap_err();
//! assert!(err.starts_with("not an HDF5 file"));
//! # Ok::<(), String>(())
//! ```

use crate::keras_config::MAX_LAYERS;
use hdf5_pure::{AttrValue, DType, Layout};
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

/// One variable: its shape (Keras's: `(inputs, units)` for a kernel) and
/// its values, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct H5Variable {
    /// The shape.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<f32>,
}

/// One group under `layers/`: Keras's key for a layer and its variables.
#[derive(Clone, Debug, PartialEq)]
pub struct H5Layer {
    /// The group's name: `dense`, `dense_1`, `batch_normalization`, ...
    pub key: String,
    /// The kind's snake-case name (`dense`) and the layer's index among the
    /// layers of that kind (1 for `dense_1`).
    pub kind_and_index: (String, usize),
    /// The layer's own name (the `vars` group's `name` attribute), if stored.
    pub name: Option<String>,
    /// The variables `vars/0`, `vars/1`, ... in order.
    pub vars: Vec<H5Variable>,
}

impl H5Layer {
    /// Keras's class name of the layer's kind, from the group's key:
    /// `batch_normalization_2` -> `BatchNormalization`, `p_re_lu` -> `PReLU`
    /// (the shared layer table's kinds by their names; others camel-cased).
    pub fn class_name(&self) -> String {
        let kind = self.kind_and_index.0.as_str();
        if let Some(spec) = crate::LAYERS
            .iter()
            .find(|l| !l.default_name.is_empty() && l.default_name == kind)
        {
            return spec.name.to_string();
        }
        camel(kind)
    }

    /// The group's path in the file, and Keras's name of the layer when it
    /// differs (`` `layers/dense_1` (Keras's layer `dense_8`) ``), for error
    /// messages: a path in the file, never one of the network's layer names.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(name) if *name != self.key => format!(
                "`layers/{}` (Keras's layer `{}`)",
                short_name(&self.key),
                short_name(name)
            ),
            _ => format!("`layers/{}`", short_name(&self.key)),
        }
    }
}

/// Keras's class name of a snake-case name: `glorot_uniform` ->
/// `GlorotUniform`, `concatenate` -> `Concatenate`.
pub fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `dense_12` -> (`dense`, 12); `dense` -> (`dense`, 0); `input_layer_1`
/// -> (`input_layer`, 1).
fn split_key(key: &str) -> (String, usize) {
    if let Some((stem, n)) = key.rsplit_once('_')
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = n.parse::<usize>()
    {
        return (stem.to_string(), n);
    }
    (key.to_string(), 0)
}

/// The variables a reader may read: for each group key of the network's
/// layers (`dense_1`), the shapes of the variables it declares there, in
/// order.
pub type Wanted = [(String, Vec<Vec<usize>>)];

/// At most this many variables in one layer's group (Keras's layers have
/// at most four).
const MAX_VARIABLES: usize = 64;

/// `name` cut to 64 characters, for messages that stay short whatever a
/// file holds.
pub fn short_name(name: &str) -> String {
    const SHOWN: usize = 64;
    match name.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}...", &name[..at]),
        None => name.to_string(),
    }
}

/// Reads the groups under `layers/` of the HDF5 file in `bytes`, each with
/// its variables' shapes, ordered by kind and then by index (so `dense_2`
/// comes before `dense_10`). Only the variables that `wanted` lists, with
/// the shapes it gives, are read; the others keep their shape and no values
/// (an empty `data`), for the caller's check to refuse: a shape the network
/// does not declare allocates nothing. A variable that is read is first
/// checked against what the file stores (contiguous bytes within the file,
/// or every chunk of a chunked dataset: chunks never written take no space
/// in the file but would read as zeros), so memory stays within the
/// network's size plus the file's. Errors name the object at fault; a
/// corrupt or truncated file is an error, never a panic.
pub fn read_layers(bytes: &[u8], wanted: &Wanted) -> Result<Vec<H5Layer>, String> {
    let err = |message: String| message;
    let h5 = |what: &str, e: hdf5_pure::Error| err(format!("{what}: {e}"));
    if bytes.len() < 8 || &bytes[..8] != b"\x89HDF\r\n\x1a\n" {
        return Err(err(
            "not an HDF5 file (its first 8 bytes are not HDF5's signature)".into(),
        ));
    }
    // The reader holds its own copy; a `catch_unwind` guards against a
    // panic inside the crate on a corrupt file, turning it into an error.
    let owned = bytes.to_vec();
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        move || -> Result<Vec<H5Layer>, String> {
            let file = hdf5_pure::File::from_bytes(owned)
                .map_err(|e| h5("not a readable HDF5 file", e))?;
            // HDF5 records the file's length: a shorter file was cut short,
            // even where the part left holds every weight.
            let eof = file.superblock().eof_address;
            if eof > bytes.len() as u64 {
                return Err(err(format!(
                    "truncated: HDF5's superblock gives the file {eof} bytes, it has {}",
                    bytes.len()
                )));
            }
            let layers = file
                .group("layers")
                .map_err(|e| h5("no `layers` group (not a Keras 3 weights file)", e))?;
            let mut keys = layers.groups().map_err(|e| h5("layers", e))?;
            if keys.len() > MAX_LAYERS {
                return Err(err(format!(
                    "the file holds {} layer groups, more than the {MAX_LAYERS} this library reads",
                    keys.len()
                )));
            }
            keys.sort_by_key(|k| split_key(k));
            let mut out = Vec::with_capacity(keys.len());
            for key in keys {
                let path = format!("layers/{}/vars", short_name(&key));
                let vars = file
                    .group(&format!("layers/{key}/vars"))
                    .map_err(|e| h5(&path, e))?;
                let name = vars.attrs().ok().and_then(|attrs| match attrs.get("name") {
                    Some(AttrValue::String(s) | AttrValue::AsciiString(s)) => Some(s.clone()),
                    Some(AttrValue::VarLenString(s)) => Some(s.clone()),
                    _ => None,
                });
                let mut names = vars.datasets().map_err(|e| h5(&path, e))?;
                if names.len() > MAX_VARIABLES {
                    return Err(err(format!(
                        "{path} holds {} variables, more than the {MAX_VARIABLES} a layer may have",
                        names.len()
                    )));
                }
                // Variables are numbered 0, 1, ...; anything else is not Keras's.
                names.sort_by_key(|n| n.parse::<usize>().unwrap_or(usize::MAX));
                let declared = wanted.iter().find(|(k, _)| *k == key).map(|(_, s)| s);
                let mut list = Vec::with_capacity(names.len());
                for (i, n) in names.iter().enumerate() {
                    if n.parse::<usize>() != Ok(i) {
                        return Err(err(format!(
                            "{path} holds `{}` where variable `{i}` was expected",
                            short_name(n)
                        )));
                    }
                    let var_path = format!("{path}/{n}");
                    let ds = file
                        .dataset(&format!("layers/{key}/vars/{n}"))
                        .map_err(|e| h5(&var_path, e))?;
                    let dtype = ds.dtype().map_err(|e| h5(&var_path, e))?;
                    if !matches!(dtype, DType::F32 | DType::I64) {
                        return Err(err(format!(
                            "{var_path} holds {dtype} values; only float32 weights (and \
                             Normalization's int64 `count`) are read"
                        )));
                    }
                    let shape: Vec<usize> = ds
                        .shape()
                        .map_err(|e| h5(&var_path, e))?
                        .into_iter()
                        .map(|d| usize::try_from(d).unwrap_or(usize::MAX))
                        .collect();
                    if declared.and_then(|d| d.get(i)) != Some(&shape) {
                        // Not the network's: refused by the caller, unread.
                        list.push(H5Variable {
                            shape,
                            data: Vec::new(),
                        });
                        continue;
                    }
                    let count = shape.iter().product::<usize>();
                    let value_bytes = if dtype == DType::I64 { 8 } else { 4 };
                    stored(&ds, &shape, value_bytes, bytes.len())
                        .map_err(|m| err(format!("{var_path} {m}")))?;
                    let data = if dtype == DType::I64 {
                        let ints = ds.read_i64().map_err(|e| h5(&var_path, e))?;
                        ints.into_iter().map(|v| v as f32).collect()
                    } else {
                        ds.read_f32().map_err(|e| h5(&var_path, e))?
                    };
                    if data.len() != count {
                        return Err(err(format!(
                            "{var_path} holds {} values, its shape {} needs {count}",
                            data.len(),
                            crate::arch::shape(&shape)
                        )));
                    }
                    list.push(H5Variable { shape, data });
                }
                out.push(H5Layer {
                    kind_and_index: split_key(&key),
                    key,
                    name,
                    vars: list,
                });
            }
            Ok(out)
        },
    ));
    match read {
        Ok(result) => result,
        Err(_) => Err(err(
            "the HDF5 reader could not make sense of the file (corrupt or truncated)".into(),
        )),
    }
}

/// Checks that the file stores every value of the dataset `ds` of `shape`,
/// with values of `value_bytes` bytes each, in a file of `file_len` bytes: compact bytes of that length,
/// contiguous bytes of that length within the file, or every chunk of a
/// chunked dataset, each within the file. The error completes
/// "`<dataset>` ...".
fn stored(
    ds: &hdf5_pure::Dataset,
    shape: &[usize],
    value_bytes: u64,
    file_len: usize,
) -> core::result::Result<(), String> {
    let bytes = shape.iter().product::<usize>() as u64 * value_bytes;
    let within = |address: u64, size: u64| {
        address
            .checked_add(size)
            .is_some_and(|end| end <= file_len as u64)
    };
    match ds.layout().map_err(|e| e.to_string())? {
        Layout::Compact { size } if size == bytes => Ok(()),
        Layout::Contiguous { address: None, .. } if bytes == 0 => Ok(()),
        Layout::Contiguous { address: None, .. } => {
            Err("was never written: the file stores none of its values".into())
        }
        Layout::Contiguous {
            address: Some(address),
            size,
        } if size == bytes => {
            if within(address, size) {
                Ok(())
            } else {
                Err(format!(
                    "lies past the end of the file: {size} bytes at offset {address}, in a file \
                     of {file_len} bytes"
                ))
            }
        }
        Layout::Compact { size } | Layout::Contiguous { size, .. } => Err(format!(
            "stores {size} bytes; its shape {} needs {bytes}",
            crate::arch::shape(shape)
        )),
        Layout::Chunked { chunk_shape, .. } => {
            if chunk_shape.len() != shape.len()
                || chunk_shape
                    .iter()
                    .zip(shape)
                    .any(|(&c, &d)| c == 0 || c > (d as u64).max(1))
            {
                return Err(format!(
                    "has chunks of shape {:?}, which do not tile its shape {}",
                    chunk_shape,
                    crate::arch::shape(shape)
                ));
            }
            let grid: u128 = chunk_shape
                .iter()
                .zip(shape)
                .map(|(&c, &d)| u128::from((d as u64).div_ceil(c)))
                .product();
            let chunks = ds.chunks().map_err(|e| e.to_string())?;
            if chunks.len() as u128 != grid {
                return Err(format!(
                    "stores {} of its {grid} chunks (a chunk never written takes no space in the \
                     file and would read as zeros)",
                    chunks.len()
                ));
            }
            match chunks.iter().find(|c| !within(c.address, c.storage_size)) {
                Some(c) => Err(format!(
                    "has a chunk past the end of the file: {} bytes at offset {}, in a file of \
                     {file_len} bytes",
                    c.storage_size, c.address
                )),
                None => Ok(()),
            }
        }
        other => Err(format!(
            "is stored as {other:?}; only compact, contiguous and chunked datasets are read"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn keys_order_by_kind_then_index() {
        let mut keys = vec![
            "dense_10",
            "dense",
            "dense_2",
            "batch_normalization_1",
            "input_layer",
        ];
        keys.sort_by_key(|k| split_key(k));
        assert_eq!(
            keys,
            [
                "batch_normalization_1",
                "dense",
                "dense_2",
                "dense_10",
                "input_layer"
            ]
        );
        assert_eq!(split_key("input_layer_1"), ("input_layer".to_string(), 1));
        assert_eq!(split_key("dense_"), ("dense_".to_string(), 0));
    }

    #[test]
    fn class_names_from_keys() {
        let layer = |key: &str| H5Layer {
            key: key.into(),
            kind_and_index: split_key(key),
            name: None,
            vars: vec![],
        };
        assert_eq!(
            layer("batch_normalization_2").class_name(),
            "BatchNormalization"
        );
        assert_eq!(layer("concatenate").class_name(), "Concatenate");
        assert_eq!(layer("p_re_lu_1").class_name(), "PReLU");
        assert_eq!(layer("leaky_re_lu").class_name(), "LeakyReLU");
        assert_eq!(layer("dense_1").class_name(), "Dense");
    }

    #[test]
    fn not_hdf5_is_an_error() {
        for bytes in [&b""[..], b"PK\x03\x04", b"\x89HDF\r\n\x1a\n"] {
            let err = read_layers(bytes, &[]).unwrap_err();
            assert!(err.starts_with("not"), "{err}");
        }
    }
}
