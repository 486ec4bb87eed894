//! The end of `fit`: Keras's `optimizer.finalize_variable_values`, over the
//! layout `fit` keeps the optimizer's state in.

use super::Optimizer;
use crate::engine::UPDATE_CHUNK;
use crate::layer::LayerInfo;

/// Calls [`Optimizer::finalize`] as [`Optimizer::step`] is called (chunk by
/// chunk of `UPDATE_CHUNK` parameters for an elementwise optimizer, at once
/// otherwise); the weights that are not trainable (a BatchNormalization's
/// moving statistics) keep their values, as Keras finalizes the trainable
/// weights only.
pub(crate) fn finalize_variables<O: Optimizer + ?Sized>(
    optimizer: &O,
    layers: &[LayerInfo],
    params: &mut [f32],
    state: &[f32],
) {
    let fixed: Vec<(usize, Vec<f32>)> = layers
        .iter()
        .flat_map(LayerInfo::weights)
        .filter(|w| !w.trainable)
        .map(|w| {
            let range = w.offset..w.offset + w.shape().iter().product::<usize>();
            (w.offset, params[range].to_vec())
        })
        .collect();
    let slots = optimizer.slots();
    if optimizer.elementwise() {
        for start in (0..params.len()).step_by(UPDATE_CHUNK) {
            let end = (start + UPDATE_CHUNK).min(params.len());
            optimizer.finalize(&mut params[start..end], &state[slots * start..slots * end]);
        }
    } else {
        optimizer.finalize(params, state);
    }
    for (offset, values) in fixed {
        params[offset..offset + values.len()].copy_from_slice(&values);
    }
}
