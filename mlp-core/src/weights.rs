//! Weights as named arrays in Keras's layout, for introspection and interop.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { struct Net { Input[3] -> Dense<2, relu> } }
//!
//! let mut model = Net::new(1);
//! let mut weights = model.get_weights();
//! assert_eq!(weights[0].name, "dense/kernel");
//! assert_eq!(weights[0].shape, [3, 2]);
//! weights[1].data = vec![0.5, -0.5];
//! model.set_weights(&weights)?;
//! assert_eq!(model.dense.bias().as_slice(), &[0.5, -0.5]);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::layer::{LayerInfo, LayerKind};
use crate::{Error, Result};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use nalgebra::{DMatrixView, DVectorView};

/// One weight array: a name (`dense/kernel`), a shape and row-major data.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedArray {
    /// `<layer>/kernel` or `<layer>/bias`.
    pub name: String,
    /// Keras's shape: `[inputs, units]` for a kernel, `[units]` for a bias.
    pub shape: Vec<usize>,
    /// The values, row-major (C order), as numpy holds them.
    pub data: Vec<f32>,
}

/// A layer and its weights, borrowed from a network (`model.get_layer("dense")`).
#[derive(Clone, Copy, Debug)]
pub struct LayerView<'a> {
    info: &'static LayerInfo,
    params: &'a [f32],
}

impl<'a> LayerView<'a> {
    pub(crate) fn new(info: &'static LayerInfo, params: &'a [f32]) -> Self {
        Self {
            info,
            params: &params[info.offset..info.offset + info.params()],
        }
    }

    /// The layer's name.
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// The layer's row of the table.
    pub fn info(&self) -> &'static LayerInfo {
        self.info
    }

    /// The kernel as an `inputs x units` matrix view (None for layers without one).
    pub fn kernel(&self) -> Option<DMatrixView<'a, f32>> {
        let (inputs, units, _) = self.info.dense()?;
        Some(DMatrixView::from_slice(
            &self.params[..inputs * units],
            inputs,
            units,
        ))
    }

    /// The bias (None for layers without one).
    pub fn bias(&self) -> Option<DVectorView<'a, f32>> {
        let (inputs, units, _) = self.info.dense()?;
        Some(DVectorView::from_slice(
            &self.params[inputs * units..],
            units,
        ))
    }

    /// Keras's `layer.get_weights()`: `[kernel, bias]`, or nothing.
    pub fn get_weights(&self) -> Vec<NamedArray> {
        // `dense_layers` takes offsets relative to the first layer given.
        get_weights(core::slice::from_ref(self.info), self.params)
    }
}

/// Iterates over (layer, inputs, units, offset) of the Dense layers, with
/// offsets relative to the first layer in `layers`.
fn dense_layers(layers: &[LayerInfo]) -> impl Iterator<Item = (&LayerInfo, usize, usize, usize)> {
    let base = layers.first().map_or(0, |l| l.offset);
    layers.iter().filter_map(move |l| match l.kind {
        LayerKind::Dense { inputs, units, .. } => Some((l, inputs, units, l.offset - base)),
        LayerKind::Flatten { .. } => None,
    })
}

pub(crate) fn get_weights(layers: &[LayerInfo], params: &[f32]) -> Vec<NamedArray> {
    let mut out = Vec::new();
    for (layer, inputs, units, offset) in dense_layers(layers) {
        let kernel = &params[offset..offset + inputs * units];
        // Column-major inputs x units in memory; Keras wants row-major.
        let mut data = vec![0.0; inputs * units];
        for u in 0..units {
            for i in 0..inputs {
                data[i * units + u] = kernel[u * inputs + i];
            }
        }
        out.push(NamedArray {
            name: format!("{}/kernel", layer.name),
            shape: vec![inputs, units],
            data,
        });
        let bias = &params[offset + inputs * units..offset + inputs * units + units];
        out.push(NamedArray {
            name: format!("{}/bias", layer.name),
            shape: vec![units],
            data: bias.to_vec(),
        });
    }
    out
}

/// The number of values a shape holds, or `None` when it overflows `usize`.
pub(crate) fn checked_product(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// [`Error::NonFinite`] naming `what` and the index (and, for a matrix, the
/// row and column) of the first NaN or infinite value of `data`, laid out
/// row-major in `shape`. Weights are always finite: a NaN or infinite weight
/// makes every prediction through it NaN, so a corrupted file or array is
/// refused rather than loaded.
pub(crate) fn check_finite(what: &str, shape: &[usize], data: &[f32]) -> Result<()> {
    let Some(index) = data.iter().position(|v| !v.is_finite()) else {
        return Ok(());
    };
    let position = match shape {
        [_, cols] if *cols > 0 => format!(
            "index {index} (row {}, column {})",
            index / cols,
            index % cols
        ),
        _ => format!("index {index}"),
    };
    Err(Error::NonFinite {
        what: what.into(),
        position,
        value: data[index],
    })
}

pub(crate) fn set_weights(
    layers: &[LayerInfo],
    params: &mut [f32],
    arrays: &[NamedArray],
) -> Result<()> {
    let dense: Vec<_> = dense_layers(layers).collect();
    if arrays.len() != 2 * dense.len() {
        return Err(Error::Length {
            what: format!(
                "set_weights: weight arrays (a kernel and a bias for each of {} Dense layers)",
                dense.len()
            ),
            expected: 2 * dense.len(),
            found: arrays.len(),
        });
    }
    // Check everything first: a failed call changes nothing.
    for (pair, (layer, inputs, units, _)) in arrays.chunks(2).zip(&dense) {
        for (array, (part, shape)) in pair
            .iter()
            .zip([("kernel", vec![*inputs, *units]), ("bias", vec![*units])])
        {
            if array.shape != shape || array.data.len() != shape.iter().product::<usize>() {
                // The shape given, unless its data does not fill it; a shape
                // whose product overflows `usize` is shown as given.
                let found = match checked_product(&array.shape) {
                    Some(n) if n != array.data.len() => vec![array.data.len()],
                    _ => array.shape.clone(),
                };
                return Err(Error::Shape {
                    what: format!("{}/{part}", layer.name),
                    expected: shape,
                    found,
                });
            }
            check_finite(&format!("{}/{part}", layer.name), &array.shape, &array.data)?;
        }
    }
    for (pair, (_, inputs, units, offset)) in arrays.chunks(2).zip(&dense) {
        let (inputs, units) = (*inputs, *units);
        let kernel = &mut params[*offset..*offset + inputs * units];
        for u in 0..units {
            for i in 0..inputs {
                kernel[u * inputs + i] = pair[0].data[i * units + u];
            }
        }
        params[offset + inputs * units..offset + inputs * units + units]
            .copy_from_slice(&pair[1].data);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::ActivationKind;
    use crate::initializer::Initializer;
    use alloc::string::ToString;

    const LAYERS: [LayerInfo; 2] = [
        LayerInfo {
            name: "flatten",
            kind: LayerKind::Flatten { rows: 1, cols: 2 },
            offset: 0,
        },
        LayerInfo {
            name: "dense",
            kind: LayerKind::Dense {
                inputs: 2,
                units: 3,
                activation: ActivationKind::Relu,
                kernel_initializer: Initializer::GlorotUniform,
                bias_initializer: Initializer::Zeros,
            },
            offset: 0,
        },
    ];

    #[test]
    fn round_trip_transposes_kernels() {
        // Column-major 2x3 kernel [[1, 2, 3], [4, 5, 6]] then bias.
        let params = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0, 7.0, 8.0, 9.0];
        let w = get_weights(&LAYERS, &params);
        assert_eq!(w[0].data, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(w[1].data, [7.0, 8.0, 9.0]);
        let mut back = [0.0; 9];
        set_weights(&LAYERS, &mut back, &w).unwrap();
        assert_eq!(back, params);
    }

    #[test]
    fn wrong_shape_changes_nothing() {
        let mut params = [0.0; 9];
        let mut w = get_weights(&LAYERS, &[1.0; 9]);
        w[0].shape = vec![3, 2];
        let err = set_weights(&LAYERS, &mut params, &w).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dense/kernel: expected shape (2, 3), found (3, 2)"
        );
        assert_eq!(params, [0.0; 9]);
        let err = set_weights(&LAYERS, &mut params, &w[..1]).unwrap_err();
        assert!(err.to_string().contains("expected 2, found 1"), "{err}");
    }

    #[test]
    fn overflowing_shape_is_an_error_naming_both_shapes() {
        // Before: "attempt to multiply with overflow" (debug), or a wrapped
        // product reported as the data's length (release).
        let mut params = [0.0; 9];
        let mut w = get_weights(&LAYERS, &[1.0; 9]);
        for bad in [vec![usize::MAX, 2], vec![2, usize::MAX, usize::MAX]] {
            w[0].shape = bad.clone();
            let err = set_weights(&LAYERS, &mut params, &w).unwrap_err();
            assert!(matches!(err, Error::Shape { .. }));
            assert_eq!(
                err.to_string(),
                format!(
                    "dense/kernel: expected shape (2, 3), found {}",
                    crate::error::shape(&bad)
                )
            );
        }
        assert_eq!(params, [0.0; 9]);
    }

    #[test]
    fn non_finite_values_are_refused_naming_tensor_and_index() {
        let mut params = [0.0; 9];
        let mut w = get_weights(&LAYERS, &[1.0; 9]);
        w[0].data[4] = f32::NAN;
        let err = set_weights(&LAYERS, &mut params, &w).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dense/kernel holds a non-finite value (NaN) at index 4 (row 1, column 1)"
        );
        w[0].data[4] = 1.0;
        w[1].data[2] = f32::NEG_INFINITY;
        let err = set_weights(&LAYERS, &mut params, &w).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dense/bias holds a non-finite value (-inf) at index 2"
        );
        assert_eq!(params, [0.0; 9], "a refused call changes nothing");
    }
}
