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

use crate::layer::{LayerInfo, WeightInfo};
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
        // `weights_of` takes offsets relative to the first layer given.
        get_weights(core::slice::from_ref(self.info), self.params)
    }
}

/// Every weight array of `layers` in Keras's order, with offsets relative
/// to the first layer given (so that one layer's view works too).
fn weights_of(layers: &[LayerInfo]) -> impl Iterator<Item = (&LayerInfo, WeightInfo)> {
    let base = layers.first().map_or(0, |l| l.offset);
    layers.iter().flat_map(move |l| {
        l.weights().map(move |w| {
            let offset = w.offset - base;
            (l, WeightInfo { offset, ..w })
        })
    })
}

/// Copies a weight out of the flat parameters in Keras's row-major layout.
fn read_weight(w: &WeightInfo, params: &[f32]) -> Vec<f32> {
    let stored = &params[w.offset..w.offset + w.len()];
    if !w.transposed {
        return stored.to_vec();
    }
    // Column-major (each unit's weights contiguous) in memory.
    let [rows, cols] = w.dims;
    let mut data = vec![0.0; rows * cols];
    for c in 0..cols {
        for r in 0..rows {
            data[r * cols + c] = stored[c * rows + r];
        }
    }
    data
}

/// Writes a weight given in Keras's row-major layout into the parameters.
fn write_weight(w: &WeightInfo, params: &mut [f32], data: &[f32]) {
    let stored = &mut params[w.offset..w.offset + w.len()];
    if !w.transposed {
        stored.copy_from_slice(data);
        return;
    }
    let [rows, cols] = w.dims;
    for c in 0..cols {
        for r in 0..rows {
            stored[c * rows + r] = data[r * cols + c];
        }
    }
}

/// The layer named `name` of `layers`, over the parameters `params` (what
/// `Network::get_layer` and `Graph::get_layer` return); an error listing
/// the known names.
pub(crate) fn get_layer<'a>(
    layers: &'static [LayerInfo],
    params: &'a [f32],
    name: &str,
) -> Result<LayerView<'a>> {
    let info = layers
        .iter()
        .find(|l| l.name == name)
        .ok_or_else(|| Error::UnknownLayer {
            name: name.into(),
            known: layers.iter().map(|l| l.name).collect(),
        })?;
    Ok(LayerView::new(info, params))
}

pub(crate) fn get_weights(layers: &[LayerInfo], params: &[f32]) -> Vec<NamedArray> {
    weights_of(layers)
        .map(|(layer, w)| NamedArray {
            name: format!("{}/{}", layer.name, w.name),
            shape: w.shape().to_vec(),
            data: read_weight(&w, params),
        })
        .collect()
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
    Err(non_finite(what, shape, index, data[index]))
}

/// The error of a non-finite `value` at `index` of an array of `shape`
/// held by `what`: the row and column too for a kernel.
pub(crate) fn non_finite(what: &str, shape: &[usize], index: usize, value: f32) -> Error {
    let position = match shape {
        [_, cols] if *cols > 0 => format!(
            "index {index} (row {}, column {})",
            index / cols,
            index % cols
        ),
        _ => format!("index {index}"),
    };
    Error::NonFinite {
        what: what.into(),
        position,
        value,
    }
}

pub(crate) fn set_weights(
    layers: &[LayerInfo],
    params: &mut [f32],
    arrays: &[NamedArray],
) -> Result<()> {
    let weights: Vec<_> = weights_of(layers).collect();
    if arrays.len() != weights.len() {
        let layers_with_weights = layers
            .iter()
            .filter(|l| l.weights().next().is_some())
            .count();
        return Err(Error::Length {
            what: format!(
                "set_weights: weight arrays (a kernel and a bias for each of {layers_with_weights} Dense layers)"
            ),
            expected: weights.len(),
            found: arrays.len(),
        });
    }
    // Check everything first: a failed call changes nothing.
    for (array, (layer, w)) in arrays.iter().zip(&weights) {
        let shape = w.shape();
        if array.shape != shape || array.data.len() != w.len() {
            // The shape given, unless its data does not fill it; a shape
            // whose product overflows `usize` is shown as given.
            let found = match checked_product(&array.shape) {
                Some(n) if n != array.data.len() => vec![array.data.len()],
                _ => array.shape.clone(),
            };
            return Err(Error::Shape {
                what: format!("{}/{}", layer.name, w.name),
                expected: shape.to_vec(),
                found,
            });
        }
        check_finite(
            &format!("{}/{}", layer.name, w.name),
            &array.shape,
            &array.data,
        )?;
    }
    for (array, (_, w)) in arrays.iter().zip(&weights) {
        write_weight(w, params, &array.data);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::ActivationKind;
    use crate::initializer::Initializer;
    use crate::layer::LayerKind;
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
                options: crate::layer::DenseOptions::NONE,
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
