//! The values of an ONNX tensor (an initializer or a `Constant`), every
//! size checked against the bytes actually present, so that a file that
//! declares a huge tensor costs no memory.

use super::proto::TensorProto;
use super::proto::tensor_proto::{DataLocation, DataType};
use std::format;
use std::string::String;
use std::vec::Vec;

/// The tensor's dimensions (an error for a negative one).
pub fn dims(t: &TensorProto) -> Result<Vec<usize>, String> {
    t.dims
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| format!("tensor `{}` has a negative dimension {d}", t.name()))
        })
        .collect()
}

/// The number of values `dims` hold (an error when it overflows).
fn count(t: &TensorProto) -> Result<usize, String> {
    dims(t)?
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| {
            format!(
                "tensor `{}` declares more values than memory holds",
                t.name()
            )
        })
}

/// The tensor's values as `f32` (from FLOAT or DOUBLE data).
pub fn floats(t: &TensorProto) -> Result<Vec<f32>, String> {
    let name = t.name();
    if t.data_location == Some(DataLocation::External as i32) {
        return Err(format!(
            "tensor `{name}` is stored outside the file (external data): save the model with its \
             weights inside (`torch.onnx.export(..., external_data=False)`)"
        ));
    }
    let n = count(t)?;
    let dtype = t.data_type();
    let raw = t.raw_data();
    let (values, found): (Vec<f32>, usize) = if dtype == DataType::Float as i32 {
        if raw.is_empty() && !t.float_data.is_empty() || n == 0 {
            (t.float_data.clone(), t.float_data.len())
        } else {
            let v: Vec<f32> = raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let found = if raw.len().is_multiple_of(4) {
                v.len()
            } else {
                usize::MAX
            };
            (v, found)
        }
    } else if dtype == DataType::Double as i32 {
        if raw.is_empty() && !t.double_data.is_empty() || n == 0 {
            let v: Vec<f32> = t.double_data.iter().map(|&d| d as f32).collect();
            let found = v.len();
            (v, found)
        } else {
            let v: Vec<f32> = raw
                .chunks_exact(8)
                .map(|c| {
                    f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32
                })
                .collect();
            let found = if raw.len().is_multiple_of(8) {
                v.len()
            } else {
                usize::MAX
            };
            (v, found)
        }
    } else {
        let name_of =
            DataType::try_from(dtype).map_or_else(|_| format!("{dtype}"), |d| format!("{d:?}"));
        return Err(format!(
            "tensor `{name}` has data type {name_of}; float weights (FLOAT, DOUBLE) are read"
        ));
    };
    if found != n {
        return Err(format!(
            "tensor `{name}` declares {n} values but holds {} (a truncated or corrupt file)",
            if found == usize::MAX {
                "a partial one".into()
            } else {
                format!("{found}")
            }
        ));
    }
    Ok(values)
}

/// The tensor's values as integers (INT64 or INT32 data).
pub fn ints(t: &TensorProto) -> Result<Vec<i64>, String> {
    let name = t.name();
    let n = count(t)?;
    let dtype = t.data_type();
    let raw = t.raw_data();
    let values: Vec<i64> = if dtype == DataType::Int64 as i32 {
        if raw.is_empty() {
            t.int64_data.clone()
        } else {
            raw.chunks_exact(8)
                .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect()
        }
    } else if dtype == DataType::Int32 as i32 {
        if raw.is_empty() {
            t.int32_data.iter().map(|&v| i64::from(v)).collect()
        } else {
            raw.chunks_exact(4)
                .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect()
        }
    } else {
        return Err(format!("tensor `{name}` should hold integers (INT64)"));
    };
    if values.len() != n {
        return Err(format!(
            "tensor `{name}` declares {n} values but holds {}",
            values.len()
        ));
    }
    Ok(values)
}
