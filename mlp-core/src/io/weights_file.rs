//! Weights in safetensors files, with Keras's tensor names (`dense/kernel`,
//! `dense/bias`, `dense_1/kernel`, ...), shapes (`(784, 300)` for a kernel,
//! inputs x units) and row-major layout, in `F32`: files that Keras writes
//! (`safetensors.numpy.save_file` of `layer.get_weights()`) load here, and
//! files saved here load into Keras.

use crate::error::shape;
use crate::layer::LayerInfo;
use crate::model::Model;
use crate::weights::NamedArray;
use crate::{Error, Result};
use mlp_spec::safetensors_check::{Problem, check_weights};
use safetensors::Dtype;
use safetensors::tensor::TensorView;
use std::collections::HashMap;
use std::path::Path;

/// Keras's `model.save_weights(path)` and `model.load_weights(path)` for every
/// model, chain or graph, in safetensors. In the prelude.
///
/// ```
/// use mlp_core::prelude::*;
///
/// network! { pub struct Net { Input[2] -> Dense<3, relu> -> Dense<1> } }
///
/// let model = Net::new(7);
/// let bytes = model.weights_to_bytes()?;
/// let mut copy = Net::new_zeroed();
/// copy.load_weights_from_bytes(&bytes)?;
/// assert_eq!(copy.params(), model.params());
///
/// // A file made for another architecture is refused, and changes nothing.
/// network! { pub struct Wider { Input[2] -> Dense<4, relu> -> Dense<1> } }
/// let err = Wider::new(1).load_weights_from_bytes(&bytes).unwrap_err();
/// assert_eq!(err.to_string(), "safetensors bytes: tensor `dense/kernel`: expected shape (2, 4), found (2, 3)");
///
/// // A graph's file is the same format, its tensors named after its layers.
/// network! {
///     pub struct Two {
///         a = Input[2];
///         b = Input[3];
///         j = Concatenate(a, b);
///         output y = Dense<1>(j);
///     }
/// }
/// let bytes = Two::new(7).weights_to_bytes()?;
/// let mut copy = Two::new_zeroed();
/// copy.load_weights_from_bytes(&bytes)?;
/// assert_eq!(copy.get_layer("y")?.kernel().unwrap().shape(), (5, 1));
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub trait WeightsFile: Model {
    /// Writes every weight to `path` (Keras's `model.save_weights`). The file
    /// is written whole or not at all: a temporary file in the same folder,
    /// renamed over `path` once complete.
    fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fs::write_atomic(path, &self.weights_to_bytes()?)
    }

    /// Replaces every weight from the safetensors file at `path` (Keras's
    /// `model.load_weights`). Every tensor name, dtype, shape and value is
    /// checked first: on error, naming the file, the tensor and both shapes
    /// (or the index of a NaN or infinite value, which is always refused), no
    /// weight has changed.
    fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = crate::fs::read(path)?;
        let arrays = decode_weights::<Self>(&bytes, &path.display().to_string())?;
        self.set_weights(&arrays)
    }

    /// The bytes of the safetensors file that [`WeightsFile::save_weights`] writes.
    fn weights_to_bytes(&self) -> Result<Vec<u8>> {
        encode(Self::NAME, &self.get_weights())
    }

    /// [`WeightsFile::load_weights`] from bytes already in memory.
    fn load_weights_from_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode_weights::<Self>(bytes, "safetensors bytes")?;
        self.set_weights(&arrays)
    }
}

impl<M: Model> WeightsFile for M {}

pub(crate) fn encode(network: &str, arrays: &[NamedArray]) -> Result<Vec<u8>> {
    let bytes: Vec<Vec<u8>> = arrays
        .iter()
        .map(|a| a.data.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let fail = |e: safetensors::SafeTensorError| Error::Data {
        source_name: format!("weights of `{network}`"),
        message: format!("cannot encode as safetensors: {e}"),
    };
    let mut views = Vec::with_capacity(arrays.len());
    for (array, data) in arrays.iter().zip(&bytes) {
        views.push((
            array.name.as_str(),
            TensorView::new(Dtype::F32, array.shape.clone(), data).map_err(fail)?,
        ));
    }
    let metadata = HashMap::from([("network".to_string(), network.to_string())]);
    safetensors::serialize(views, Some(metadata)).map_err(fail)
}

/// Reads the safetensors bytes `bytes` (from `source_name`, used in error
/// messages) as the weights of `M`: one array per name of
/// [`Model::get_weights`], in that order and layout, ready for
/// [`Model::set_weights`].
///
/// Errors name the source and the tensor: a file that is not safetensors
/// (truncated, corrupt), a missing or an extra tensor, a dtype other than
/// `F32`, a shape other than the network's, a NaN or infinite value
/// ([`Error::NonFinite`], naming the tensor and the index).
pub fn decode_weights<M: Model>(bytes: &[u8], source_name: &str) -> Result<Vec<NamedArray>> {
    decode_arrays(M::NAME, M::LAYERS, bytes, source_name)
}

/// [`decode_weights`] by layer table: `network` (its name, for messages)
/// with the layer table `layers`.
pub(crate) fn decode_arrays(
    network: &str,
    layers: &[LayerInfo],
    bytes: &[u8],
    source_name: &str,
) -> Result<Vec<NamedArray>> {
    let data_error = |message: String| Error::Data {
        source_name: source_name.to_string(),
        message,
    };
    // The network's own arrays give the names and shapes expected.
    let expected: Vec<(String, Vec<usize>)> = expected_arrays(layers);
    let wanted: Vec<(&str, &[usize])> = expected
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()))
        .collect();
    // The checks the `#[weights]` bake runs too, in one function.
    let problems = match check_weights(bytes, &wanted) {
        Ok(values) => {
            return Ok(expected
                .into_iter()
                .zip(values)
                .map(|((name, shape), data)| NamedArray { name, shape, data })
                .collect());
        }
        Err(problems) => problems,
    };
    let mut missing: Vec<String> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    for p in &problems {
        match p {
            Problem::Missing { name, shape: dims } => {
                missing.push(format!("`{name}` {}", shape(dims)));
            }
            Problem::Unexpected { name, shape: dims } => {
                extra.push(format!("`{name}` {}", shape(dims)));
            }
            _ => {}
        }
    }
    if !missing.is_empty() || !extra.is_empty() {
        let mut message = String::new();
        if !missing.is_empty() {
            message += &format!(
                "missing tensor(s) {} that `{}` needs",
                missing.join(", "),
                network
            );
        }
        if !extra.is_empty() {
            if !message.is_empty() {
                message += "; ";
            }
            message += &format!(
                "unexpected tensor(s) {} that `{}` does not have",
                extra.join(", "),
                network
            );
        }
        return Err(data_error(message));
    }
    Err(match problems.into_iter().next() {
        Some(Problem::NotSafetensors(e)) => {
            data_error(format!("not a valid safetensors file: {e}"))
        }
        // The safetensors crate keeps the last of two entries with one name.
        Some(Problem::DuplicateName(name)) => data_error(format!(
            "not a valid safetensors file: its header names tensor `{name}` twice"
        )),
        Some(Problem::Dtype { name, dtype }) => {
            data_error(format!("tensor `{name}` has dtype {dtype}, expected F32"))
        }
        Some(Problem::Shape {
            name,
            expected,
            found,
        }) => Error::Shape {
            what: format!("{source_name}: tensor `{name}`"),
            expected,
            found,
        },
        Some(Problem::NonFinite { name, index, value }) => {
            let dims = wanted
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(&[][..], |(_, s)| *s);
            crate::weights::non_finite(
                &format!("{source_name}: tensor `{name}`"),
                dims,
                index,
                value,
            )
        }
        Some(Problem::Missing { .. } | Problem::Unexpected { .. }) | None => {
            data_error("not a valid weights file".into())
        }
    })
}

/// Names and shapes of the weight arrays of `layers`, in `get_weights`
/// order, without reading any weight.
fn expected_arrays(layers: &[LayerInfo]) -> Vec<(String, Vec<usize>)> {
    layers
        .iter()
        .flat_map(|l| {
            l.weights()
                .map(move |w| (format!("{}/{}", l.name, w.name), w.shape().to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    network! { struct Small { Input[3] -> Dense<4, relu> -> Dense<2> } }
    network! { struct Renamed { Input[3] -> hidden: Dense<4, relu> -> Dense<2> } }
    network! { struct Deeper { Input[3] -> Dense<4, relu> -> Dense<2> -> Dense<1> } }

    fn tensors(list: &[(&str, Dtype, Vec<usize>)]) -> Vec<u8> {
        let data: Vec<Vec<u8>> = list
            .iter()
            .map(|(_, d, s)| vec![0; s.iter().product::<usize>() * d.bitsize() / 8])
            .collect();
        let views = list
            .iter()
            .zip(&data)
            .map(|((n, d, s), b)| (*n, TensorView::new(*d, s.clone(), b).unwrap()));
        safetensors::serialize(views, None).unwrap()
    }

    #[test]
    fn expected_names_follow_get_weights() {
        let model = Small::new(1);
        let names: Vec<_> = model
            .get_weights()
            .into_iter()
            .map(|a| (a.name, a.shape))
            .collect();
        assert_eq!(names, expected_arrays(Small::LAYERS));
    }

    #[test]
    fn round_trip_is_exact() {
        let model = Small::new(3);
        let bytes = model.weights_to_bytes().unwrap();
        let mut copy = Small::new(4);
        assert_ne!(copy.params(), model.params());
        copy.load_weights_from_bytes(&bytes).unwrap();
        assert_eq!(copy.params(), model.params());
    }

    #[test]
    fn renamed_layer_names_missing_and_extra_tensors() {
        let bytes = Small::new(1).weights_to_bytes().unwrap();
        // `Renamed`'s layers are `hidden` and `dense` (the first unnamed Dense).
        let err = Renamed::new(1).load_weights_from_bytes(&bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "safetensors bytes: missing tensor(s) `hidden/kernel` (3, 4), `hidden/bias` (4,) that `Renamed` needs; \
             unexpected tensor(s) `dense_1/bias` (2,), `dense_1/kernel` (4, 2) that `Renamed` does not have"
        );
    }

    #[test]
    fn extra_layer_in_the_network_is_missing_in_the_file() {
        let bytes = Small::new(1).weights_to_bytes().unwrap();
        let mut deeper = Deeper::new(5);
        let before = deeper.params().to_vec();
        let err = deeper.load_weights_from_bytes(&bytes).unwrap_err();
        // `dense_1` is (4, 2) in both; `dense_2` is missing.
        assert_eq!(
            err.to_string(),
            "safetensors bytes: missing tensor(s) `dense_2/kernel` (2, 1), `dense_2/bias` (1,) that `Deeper` needs"
        );
        assert_eq!(deeper.params(), before.as_slice());
    }

    #[test]
    fn extra_tensor_alone_is_named() {
        let mut list = vec![
            ("dense/kernel", Dtype::F32, vec![3, 4]),
            ("dense/bias", Dtype::F32, vec![4]),
            ("dense_1/kernel", Dtype::F32, vec![4, 2]),
            ("dense_1/bias", Dtype::F32, vec![2]),
        ];
        list.push(("optimizer/iterations", Dtype::I64, vec![]));
        let err = Small::new(1)
            .load_weights_from_bytes(&tensors(&list))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "safetensors bytes: unexpected tensor(s) `optimizer/iterations` () that `Small` does not have"
        );
    }

    #[test]
    fn wrong_dtype_and_shape_change_nothing() {
        let mut model = Small::new(2);
        let before = model.params().to_vec();
        let f64_bias = tensors(&[
            ("dense/kernel", Dtype::F32, vec![3, 4]),
            ("dense/bias", Dtype::F64, vec![4]),
            ("dense_1/kernel", Dtype::F32, vec![4, 2]),
            ("dense_1/bias", Dtype::F32, vec![2]),
        ]);
        let err = model.load_weights_from_bytes(&f64_bias).unwrap_err();
        assert_eq!(
            err.to_string(),
            "safetensors bytes: tensor `dense/bias` has dtype F64, expected F32"
        );
        let transposed = tensors(&[
            ("dense/kernel", Dtype::F32, vec![3, 4]),
            ("dense/bias", Dtype::F32, vec![4]),
            ("dense_1/kernel", Dtype::F32, vec![2, 4]),
            ("dense_1/bias", Dtype::F32, vec![2]),
        ]);
        let err = model.load_weights_from_bytes(&transposed).unwrap_err();
        assert!(matches!(err, Error::Shape { .. }));
        assert_eq!(
            err.to_string(),
            "safetensors bytes: tensor `dense_1/kernel`: expected shape (4, 2), found (2, 4)"
        );
        assert_eq!(model.params(), before.as_slice());
    }

    #[test]
    fn non_finite_value_in_a_file_is_refused_naming_tensor_and_index() {
        let model = Small::new(1);
        let mut w = model.get_weights();
        w[2].data[5] = f32::INFINITY;
        let bytes = encode("Small", &w).unwrap();
        let mut copy = Small::new(2);
        let before = copy.params().to_vec();
        let err = copy.load_weights_from_bytes(&bytes).unwrap_err();
        assert!(matches!(err, Error::NonFinite { .. }));
        assert_eq!(
            err.to_string(),
            "safetensors bytes: tensor `dense_1/kernel` holds a non-finite value (inf) at index 5 (row 2, column 1)"
        );
        w[2].data[5] = 0.0;
        w[3].data[0] = f32::NAN;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nan.safetensors");
        std::fs::write(&path, encode("Small", &w).unwrap()).unwrap();
        let err = copy.load_weights(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: tensor `dense_1/bias` holds a non-finite value (NaN) at index 0",
                path.display()
            )
        );
        assert_eq!(copy.params(), before.as_slice());
    }

    #[test]
    fn duplicate_tensor_names_are_refused() {
        // Two `dense/bias` entries; before, the last one silently won.
        let bytes = Small::new(1).weights_to_bytes().unwrap();
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
        let entry_start = header.find("\"dense/bias\"").unwrap();
        let entry_end = entry_start + header[entry_start..].find('}').unwrap() + 1;
        let entry = &header[entry_start..entry_end];
        let doubled = format!("{{{entry},{}", &header[1..]);
        let doubled = format!("{doubled:<width$}", width = doubled.len().div_ceil(8) * 8);
        let mut file = (doubled.len() as u64).to_le_bytes().to_vec();
        file.extend(doubled.as_bytes());
        file.extend(&bytes[8 + n..]);
        let mut model = Small::new(2);
        let before = model.params().to_vec();
        let err = model.load_weights_from_bytes(&file).unwrap_err();
        assert_eq!(
            err.to_string(),
            "safetensors bytes: not a valid safetensors file: its header names tensor `dense/bias` twice"
        );
        assert_eq!(model.params(), before.as_slice());
    }

    #[test]
    fn every_truncation_is_an_error_never_a_panic() {
        let bytes = Small::new(1).weights_to_bytes().unwrap();
        let mut model = Small::new(2);
        let before = model.params().to_vec();
        for len in 0..bytes.len() {
            let err = model.load_weights_from_bytes(&bytes[..len]).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("safetensors bytes: not a valid safetensors file"),
                "{len}: {err}"
            );
        }
        assert_eq!(model.params(), before.as_slice());
    }

    #[test]
    fn corrupt_bytes_never_panic() {
        let bytes = Small::new(1).weights_to_bytes().unwrap();
        let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut model = Small::new(2);
        let mut refused = 0;
        for i in 0..header_end {
            for value in [0u8, b'"', b'9', 0xff] {
                let mut bad = bytes.clone();
                bad[i] = value;
                if model.load_weights_from_bytes(&bad).is_err() {
                    refused += 1;
                }
            }
        }
        // Most single-byte changes in the header break it; none panics.
        assert!(refused > header_end * 2, "{refused} of {}", header_end * 4);
    }

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
