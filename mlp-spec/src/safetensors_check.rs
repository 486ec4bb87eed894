//! The checks a weights file passes before its weights are used, written
//! once for the two readers: the runtime's `load_weights` (`mlp-core`) and
//! the compile-time `#[weights("file.safetensors")]` bake (`mlp-macros`),
//! each of which words the problems in its own messages. A fuzz target
//! calls [`check_weights`] directly. Behind the `safetensors` feature.
//!
//! ```
//! use mlp_spec::safetensors_check::{Problem, check_weights};
//!
//! let kernel: Vec<u8> = [1.0_f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let view = safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![1, 2], &kernel)
//!     .map_err(|e| e.to_string())?;
//! let bytes = safetensors::serialize([("dense/kernel", view)], None).map_err(|e| e.to_string())?;
//!
//! let values = check_weights(&bytes, &[("dense/kernel", &[1, 2])]).map_err(|p| format!("{p:?}"))?;
//! assert_eq!(values, [vec![1.0, 2.0]]);
//! let problems = check_weights(&bytes, &[("dense/kernel", &[2, 1])]).unwrap_err();
//! assert_eq!(problems, [Problem::Shape { name: "dense/kernel".into(), expected: vec![2, 1], found: vec![1, 2] }]);
//! # Ok::<(), String>(())
//! ```

use safetensors::{Dtype, SafeTensors};
use std::collections::HashSet;
use std::string::{String, ToString};
use std::vec::Vec;

/// What is wrong with a weights file.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// Not a safetensors file at all (truncated, corrupt header, ...): the
    /// safetensors crate's message. Nothing else is checked.
    NotSafetensors(String),
    /// The header names this tensor twice (the safetensors crate would keep
    /// the last one). Nothing else is checked.
    DuplicateName(String),
    /// A tensor the network needs is absent.
    Missing {
        /// Its name.
        name: String,
        /// The shape the network needs.
        shape: Vec<usize>,
    },
    /// A tensor the network does not have.
    Unexpected {
        /// Its name.
        name: String,
        /// Its shape in the file.
        shape: Vec<usize>,
    },
    /// A tensor whose dtype is not `F32`.
    Dtype {
        /// Its name.
        name: String,
        /// Its dtype, as the safetensors crate prints it (`F64`).
        dtype: String,
    },
    /// A tensor whose shape is not the network's.
    Shape {
        /// Its name.
        name: String,
        /// The network's shape.
        expected: Vec<usize>,
        /// The file's shape.
        found: Vec<usize>,
    },
    /// A NaN or infinite value (the first one of its tensor).
    NonFinite {
        /// The tensor's name.
        name: String,
        /// The value's index in the tensor, row-major.
        index: usize,
        /// The value.
        value: f32,
    },
}

/// Checks the safetensors bytes `bytes` against `expected`, the names and
/// shapes of the network's weight arrays in order, and returns their values
/// (little-endian `F32`, row-major) in that order.
///
/// Otherwise every problem found, in this order: for each expected tensor,
/// [`Problem::Missing`], [`Problem::Dtype`], [`Problem::Shape`] or
/// [`Problem::NonFinite`] (at most one each, in the first of these that
/// applies); then every [`Problem::Unexpected`] tensor, sorted by name. A
/// file that is not safetensors, or whose header names a tensor twice, is
/// that one problem alone. Never panics, whatever the bytes.
pub fn check_weights(
    bytes: &[u8],
    expected: &[(&str, &[usize])],
) -> Result<Vec<Vec<f32>>, Vec<Problem>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| std::vec![Problem::NotSafetensors(e.to_string())])?;
    if let Some(name) = duplicate_key(bytes) {
        return Err(std::vec![Problem::DuplicateName(name)]);
    }
    let mut problems = Vec::new();
    let mut values = Vec::with_capacity(expected.len());
    for &(name, shape) in expected {
        let Ok(view) = file.tensor(name) else {
            problems.push(Problem::Missing {
                name: name.to_string(),
                shape: shape.to_vec(),
            });
            continue;
        };
        if view.dtype() != Dtype::F32 {
            problems.push(Problem::Dtype {
                name: name.to_string(),
                dtype: view.dtype().to_string(),
            });
            continue;
        }
        if view.shape() != shape {
            problems.push(Problem::Shape {
                name: name.to_string(),
                expected: shape.to_vec(),
                found: view.shape().to_vec(),
            });
            continue;
        }
        // The crate checked that the data is as long as dtype and shape say.
        let data: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if let Some(index) = data.iter().position(|v| !v.is_finite()) {
            problems.push(Problem::NonFinite {
                name: name.to_string(),
                index,
                value: data[index],
            });
            continue;
        }
        values.push(data);
    }
    let mut extra: Vec<(String, Vec<usize>)> = file
        .iter()
        .filter(|(n, _)| !expected.iter().any(|(e, _)| e == n))
        .map(|(n, view)| (n.to_string(), view.shape().to_vec()))
        .collect();
    extra.sort();
    problems.extend(
        extra
            .into_iter()
            .map(|(name, shape)| Problem::Unexpected { name, shape }),
    );
    if problems.is_empty() {
        Ok(values)
    } else {
        Err(problems)
    }
}

/// The first name that the JSON header of `bytes` (a safetensors file that
/// `SafeTensors::deserialize` accepted) holds twice, if any: a tensor's
/// name, which the safetensors crate would let the last entry win, and
/// would write twice again if the file were saved back.
pub fn duplicate_key(bytes: &[u8]) -> Option<String> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct FirstDuplicate;
    impl<'de> Visitor<'de> for FirstDuplicate {
        type Value = Option<String>;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            // The whole map is read: serde_json refuses a map left unfinished.
            let (mut seen, mut first) = (HashSet::new(), None);
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                if !seen.insert(key.clone()) && first.is_none() {
                    first = Some(key);
                }
            }
            Ok(first)
        }
    }
    let len = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let header = bytes.get(8..8usize.checked_add(len)?)?;
    serde_json::Deserializer::from_slice(header)
        .deserialize_map(FirstDuplicate)
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::tensor::TensorView;
    use std::vec;

    fn file(list: &[(&str, Dtype, Vec<usize>, f32)]) -> Vec<u8> {
        let data: Vec<Vec<u8>> = list
            .iter()
            .map(|(_, d, s, v)| {
                let n = s.iter().product::<usize>();
                match d {
                    Dtype::F32 => (0..n).flat_map(|_| v.to_le_bytes()).collect(),
                    _ => vec![0; n * d.bitsize() / 8],
                }
            })
            .collect();
        let views = list
            .iter()
            .zip(&data)
            .map(|((n, d, s, _), b)| (*n, TensorView::new(*d, s.clone(), b).unwrap()));
        safetensors::serialize(views, None).unwrap()
    }

    const NET: [(&str, &[usize]); 2] = [("dense/kernel", &[2, 3]), ("dense/bias", &[3])];

    #[test]
    fn a_good_file_gives_its_values_in_order() {
        let bytes = file(&[
            ("dense/bias", Dtype::F32, vec![3], 0.5),
            ("dense/kernel", Dtype::F32, vec![2, 3], 1.0),
        ]);
        assert_eq!(
            check_weights(&bytes, &NET).unwrap(),
            [vec![1.0; 6], vec![0.5; 3]]
        );
    }

    #[test]
    fn every_problem_is_reported_in_order() {
        let bytes = file(&[
            ("dense/kernel", Dtype::F64, vec![2, 3], 0.0),
            ("zeta", Dtype::F32, vec![1], 0.0),
            ("alpha", Dtype::F32, vec![2], 0.0),
        ]);
        assert_eq!(
            check_weights(&bytes, &NET).unwrap_err(),
            [
                Problem::Dtype {
                    name: "dense/kernel".into(),
                    dtype: "F64".into()
                },
                Problem::Missing {
                    name: "dense/bias".into(),
                    shape: vec![3]
                },
                Problem::Unexpected {
                    name: "alpha".into(),
                    shape: vec![2]
                },
                Problem::Unexpected {
                    name: "zeta".into(),
                    shape: vec![1]
                },
            ]
        );
    }

    #[test]
    fn shape_and_non_finite_values() {
        let bytes = file(&[
            ("dense/kernel", Dtype::F32, vec![3, 2], 1.0),
            ("dense/bias", Dtype::F32, vec![3], f32::NEG_INFINITY),
        ]);
        assert_eq!(
            check_weights(&bytes, &NET).unwrap_err(),
            [
                Problem::Shape {
                    name: "dense/kernel".into(),
                    expected: vec![2, 3],
                    found: vec![3, 2]
                },
                Problem::NonFinite {
                    name: "dense/bias".into(),
                    index: 0,
                    value: f32::NEG_INFINITY
                },
            ]
        );
    }

    #[test]
    fn truncated_files_and_duplicate_names_are_one_problem() {
        let bytes = file(&[("dense/bias", Dtype::F32, vec![3], 0.5)]);
        for len in 0..bytes.len() {
            assert!(matches!(
                check_weights(&bytes[..len], &NET).unwrap_err()[..],
                [Problem::NotSafetensors(_)]
            ));
        }
        let header = br#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
        let mut dup = (header.len() as u64).to_le_bytes().to_vec();
        dup.extend_from_slice(header);
        dup.extend_from_slice(&1.0_f32.to_le_bytes());
        assert_eq!(
            check_weights(&dup, &[("a", &[1])]).unwrap_err(),
            [Problem::DuplicateName("a".into())]
        );
    }
}
