//! numpy's `.npy` files (`np.save`), the form Keras fixtures and most
//! Python pipelines hand arrays over in: read as `f32` values with their
//! shape, or straight into samples of a model's input; written as `float32`.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::datasets::npy;
//!
//! let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
//!     .join("../tests/fixtures/keras-files/housing_sequential");
//! // Eight features per row, as `Input[8]` takes them.
//! let x: Vec<SVector<f32, 8>> = npy::read_samples(&dir.join("input_0.npy"))?;
//! let array = npy::read(&dir.join("input_0.npy"))?;
//! assert_eq!(array.shape, [x.len(), 8]);
//! assert_eq!(x[1][3], array.data[8 + 3]);
//!
//! // Rows of another width are an error naming both.
//! let err = npy::read_samples::<SVector<f32, 5>>(&dir.join("input_0.npy")).unwrap_err();
//! assert!(err.to_string().contains("samples of 5 values, found"), "{err}");
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! Read: little-endian `float32` (`<f4`), `float64` (`<f8`, numpy's
//! default, rounded to `f32`), `int64`, `int32` and `uint8` arrays in C order,
//! format versions 1 to 3. Anything else (Fortran order, big-endian,
//! objects, a payload other than the header announces) is an error naming
//! the file. Hand-written: these 150 lines read what Keras and numpy write;
//! the `.npy` crates bring a parser generator with them (`npyz` 0.8 and
//! `ndarray-npy` 0.9 both read the header with `py_literal`, which uses
//! `pest`), and `ndarray-npy` all of `ndarray`.

use crate::sample::Sample;
use crate::{Error, Result};
use std::path::Path;

/// The values of an `.npy` file as `f32`, with its shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Npy {
    /// numpy's `array.shape`.
    pub shape: Vec<usize>,
    /// The values in row-major (C) order.
    pub data: Vec<f32>,
}

/// Reads the `.npy` file at `path`.
pub fn read(path: &Path) -> Result<Npy> {
    read_bytes(&crate::fs::read(path)?, &path.display().to_string())
}

/// Reads an `.npy` file's bytes (`source_name` names it in errors).
pub fn read_bytes(bytes: &[u8], source_name: &str) -> Result<Npy> {
    let bad = |why: String| Error::Data {
        source_name: source_name.to_string(),
        message: format!("not a .npy file that this reader reads: {why}"),
    };
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("no `\\x93NUMPY` magic".into()));
    }
    let (header_len, start) = match bytes[6] {
        1 => (
            usize::from(u16::from_le_bytes([bytes[8], bytes[9]])),
            10_usize,
        ),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(format!("format version {v}"))),
    };
    let header = bytes
        .get(start..start.saturating_add(header_len))
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("a truncated header".into()))?;
    let field = |key: &str| {
        header
            .split_once(&format!("'{key}':"))
            .map(|(_, rest)| rest.trim_start())
    };
    let descr = field("descr")
        .and_then(|d| d.strip_prefix('\'')?.split_once('\''))
        .map(|(d, _)| d)
        .ok_or_else(|| bad(format!("no 'descr' in {header:?}")))?;
    let (size, decode): (usize, fn(&[u8]) -> f32) = match descr {
        "<f4" => (4, |b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        "<f8" => (8, |b| {
            f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        }),
        "<i8" => (8, |b| {
            i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32
        }),
        "<i4" => (4, |b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32),
        "|u1" => (1, |b| f32::from(b[0])),
        other => {
            return Err(bad(format!(
                "dtype {other:?} (read: '<f4', '<f8', '<i8', '<i4', '|u1')"
            )));
        }
    };
    if !field("fortran_order").is_some_and(|f| f.starts_with("False")) {
        return Err(bad(format!("not C order: {header:?}")));
    }
    let dims = field("shape")
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.split_once(')'))
        .ok_or_else(|| bad(format!("no 'shape' in {header:?}")))?
        .0;
    let shape: Vec<usize> = dims
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().map_err(|_| bad(format!("shape ({dims})"))))
        .collect::<Result<_>>()?;
    let count = shape
        .iter()
        .try_fold(1_usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| bad(format!("shape ({dims}) overflows")))?;
    let payload = &bytes[start + header.len()..];
    if Some(payload.len()) != count.checked_mul(size) {
        return Err(bad(format!(
            "{} bytes of values for shape ({dims}) of {descr}, which takes {}",
            payload.len(),
            count.saturating_mul(size)
        )));
    }
    let data = payload.chunks_exact(size).map(decode).collect();
    Ok(Npy { shape, data })
}

/// Reads the `.npy` file at `path` as one sample per row (numpy's first
/// axis): an array of shape `(n, 8)` as `n` `SVector<f32, 8>`, `(n, 28,
/// 28)` as `n` `SMatrix<f32, 28, 28>` (row-major, as numpy stores it), a
/// vector `(n,)` as `n` `SVector<f32, 1>`. An error, naming both sizes, if
/// a row does not hold `S::SIZE` values.
pub fn read_samples<S: Sample>(path: &Path) -> Result<Vec<S>> {
    let array = read(path)?;
    let row: usize = array.shape.iter().skip(1).product();
    if array.shape.is_empty() || row != S::SIZE || row == 0 {
        return Err(Error::Data {
            source_name: path.display().to_string(),
            message: format!(
                "expected samples of {} values, found an array of shape {} ({row} per row)",
                S::SIZE,
                crate::error::shape(&array.shape)
            ),
        });
    }
    Ok(array
        .data
        .chunks_exact(row)
        .map(S::from_row_major)
        .collect())
}

/// The bytes of a `float32` `.npy` file of `shape` holding `data`
/// (version 1.0, C order; `np.load` reads it). An error if `data` does not
/// hold the product of `shape` values.
pub fn to_bytes(shape: &[usize], data: &[f32]) -> Result<Vec<u8>> {
    let count: usize = shape.iter().product();
    if count != data.len() {
        return Err(Error::Shape {
            what: format!("an .npy array of {} values", data.len()),
            expected: shape.to_vec(),
            found: vec![data.len()],
        });
    }
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let tuple = match dims.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {tuple}, }}");
    // Magic (6) + version (2) + length (2) + header + '\n', padded to 64 bytes.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data.iter().flat_map(|v| v.to_le_bytes()));
    Ok(bytes)
}

/// Writes `data` of `shape` as a `float32` `.npy` file at `path`, whole or
/// not at all.
pub fn write(path: &Path, shape: &[usize], data: &[f32]) -> Result<()> {
    crate::fs::write_atomic(path, &to_bytes(shape, data)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_writes_it_reads() {
        let data: Vec<f32> = (0..6).map(|i| i as f32 * 0.5).collect();
        for shape in [vec![6], vec![2, 3], vec![1, 2, 3]] {
            let bytes = to_bytes(&shape, &data).unwrap();
            assert_eq!(bytes.len() % 64, 24, "header padded to 64 bytes");
            assert_eq!(
                read_bytes(&bytes, "t").unwrap(),
                Npy {
                    shape,
                    data: data.clone()
                }
            );
        }
        assert!(to_bytes(&[2, 2], &data).is_err());
    }

    /// The bytes `np.save(f, np.array([[1, 2], [3, 4]], dtype))` writes,
    /// with `values` as the payload.
    fn numpy(descr: &str, fortran: bool, values: &[u8]) -> Vec<u8> {
        let order = if fortran { "True" } else { "False" };
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': (2, 2), }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        bytes.extend(values);
        bytes
    }

    #[test]
    fn every_dtype_it_reads_gives_the_values() {
        let f8: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let i8: Vec<u8> = [1i64, 2, 3, 4]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let i4: Vec<u8> = [1i32, 2, 3, 4]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        for (descr, values) in [
            ("<f8", f8),
            ("<i8", i8),
            ("<i4", i4),
            ("|u1", vec![1, 2, 3, 4]),
        ] {
            let array = read_bytes(&numpy(descr, false, &values), "t").unwrap();
            assert_eq!(array.data, [1.0, 2.0, 3.0, 4.0], "{descr}");
        }
    }

    #[test]
    fn what_it_does_not_read_is_an_error_naming_the_file() {
        let cases: [(Vec<u8>, &str); 4] = [
            (b"PK\x03\x04 not npy".to_vec(), "no `\\x93NUMPY` magic"),
            (numpy(">f4", false, &[0; 16]), "dtype \">f4\""),
            (
                numpy("<f4", false, &[0; 12]),
                "12 bytes of values for shape (2, 2) of <f4, which takes 16",
            ),
            (numpy("<f4", true, &[0; 16]), "not C order"),
        ];
        for (bytes, message) in cases {
            let err = read_bytes(&bytes, "x.npy").unwrap_err().to_string();
            assert!(err.starts_with("x.npy: not a .npy file"), "{err}");
            assert!(err.contains(message), "{err}\nwanted: {message}");
        }
        for cut in 0..80 {
            assert!(read_bytes(&numpy("<f4", false, &[0; 16])[..cut], "x.npy").is_err());
        }
    }
}
