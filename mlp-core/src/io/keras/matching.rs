//! Matching a Keras weights file's layers to a network's, as Keras does:
//! by kind and order (the `k`-th Dense layer of the network takes the
//! variables of `layers/dense_k`), checking every shape.

use super::h5::H5Layer;
use crate::layer::LayerKind;
use crate::network::Network;
use crate::weights::NamedArray;
use crate::{Error, Result};

/// Keras's group key of the `k`-th layer of a kind: `dense`, `dense_1`, ...
fn key(kind: &str, k: usize) -> String {
    if k == 0 {
        kind.to_string()
    } else {
        format!("{kind}_{k}")
    }
}

/// The arrays of `N` (in [`Network::get_weights`] order, ready for
/// [`Network::set_weights`]) from the layer groups of a Keras weights file.
///
/// Refused, with an error naming the source and the layer: a layer of a kind
/// this library does not have (naming the kind), more than one input, a
/// layer of the network the file lacks or a layer of the file the network
/// lacks, a variable count or a shape other than the network's.
pub fn arrays_for<N: Network>(layers: &[H5Layer], source_name: &str) -> Result<Vec<NamedArray>> {
    let err = |message: String| Error::Data {
        source_name: source_name.to_string(),
        message,
    };
    let unknown: Vec<&H5Layer> = layers
        .iter()
        .filter(|l| {
            !matches!(
                l.kind_and_index.0.as_str(),
                "dense" | "flatten" | "input_layer"
            )
        })
        .collect();
    if !unknown.is_empty() {
        let mut kinds: Vec<String> = unknown.iter().map(|l| l.class_name()).collect();
        kinds.dedup();
        let list: Vec<String> = unknown
            .iter()
            .map(|l| format!("{} is a {}", l.describe(), l.class_name()))
            .collect();
        return Err(err(format!(
            "the weights file has layers of a kind this library does not have ({}): {}",
            kinds.join(", "),
            list.join(", ")
        )));
    }
    let inputs: Vec<&H5Layer> = layers
        .iter()
        .filter(|l| l.kind_and_index.0 == "input_layer")
        .collect();
    if inputs.len() > 1 {
        let list: Vec<String> = inputs.iter().map(|l| l.describe()).collect();
        return Err(err(format!(
            "the weights file's model has {} inputs ({}); a network here has one",
            inputs.len(),
            list.join(", ")
        )));
    }
    if let Some(input) = inputs.first()
        && !input.vars.is_empty()
    {
        return Err(err(format!(
            "{} holds {} variable(s); an InputLayer holds none",
            input.describe(),
            input.vars.len()
        )));
    }

    let mut used = vec![false; layers.len()];
    let mut counts = [0usize; 2];
    let mut arrays = Vec::new();
    for ours in N::LAYERS {
        let (kind, slot) = match ours.kind {
            LayerKind::Dense { .. } => ("dense", 0),
            LayerKind::Flatten { .. } => ("flatten", 1),
            #[allow(unreachable_patterns)]
            _ => {
                return Err(err(format!(
                    "the network's layer `{}` is a {}, which Keras files are not read into yet",
                    ours.name,
                    ours.type_name()
                )));
            }
        };
        let k = counts[slot];
        counts[slot] += 1;
        let wanted = key(kind, k);
        let found = layers.iter().position(|l| l.key == wanted);
        let declared = super::config::declared(ours);
        match (ours.kind, found) {
            (LayerKind::Flatten { .. }, None) => {}
            (LayerKind::Flatten { .. }, Some(i)) => {
                used[i] = true;
                if !layers[i].vars.is_empty() {
                    return Err(err(format!(
                        "{} holds {} variable(s) for the network's {declared}, which has none",
                        layers[i].describe(),
                        layers[i].vars.len()
                    )));
                }
            }
            (LayerKind::Dense { inputs, units, .. }, Some(i)) => {
                used[i] = true;
                let layer = &layers[i];
                let expected = [vec![inputs, units], vec![units]];
                if layer.vars.len() != 2 {
                    return Err(err(format!(
                        "{} holds {} variable(s); the network's {declared} has 2 (kernel {}, \
                         bias {})",
                        layer.describe(),
                        layer.vars.len(),
                        crate::error::shape(&expected[0]),
                        crate::error::shape(&expected[1])
                    )));
                }
                for ((var, shape), what) in layer.vars.iter().zip(expected).zip(["kernel", "bias"])
                {
                    if var.shape != shape {
                        return Err(Error::Shape {
                            what: format!(
                                "{source_name}: {} ({what} of the network's {declared})",
                                layer.describe()
                            ),
                            expected: shape,
                            found: var.shape.clone(),
                        });
                    }
                    arrays.push(NamedArray {
                        name: format!("{}/{what}", ours.name),
                        shape,
                        data: var.data.clone(),
                    });
                }
            }
            (LayerKind::Dense { .. }, None) => {
                let in_file = layers.iter().filter(|l| l.kind_and_index.0 == kind).count();
                return Err(err(format!(
                    "the network `{}` declares {declared}, its Dense layer number {}, but the \
                     weights file holds {in_file} Dense layer(s) (no layers/{wanted})",
                    N::NAME,
                    k + 1
                )));
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    let extra: Vec<String> = layers
        .iter()
        .zip(&used)
        .filter(|(l, used)| !**used && l.kind_and_index.0 != "input_layer")
        .map(|(l, _)| l.describe())
        .collect();
    if !extra.is_empty() {
        return Err(err(format!(
            "the weights file holds layer(s) that the network `{}` does not declare: {}",
            N::NAME,
            extra.join(", ")
        )));
    }
    Ok(arrays)
}
