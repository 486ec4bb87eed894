//! Matching a Keras weights file's layers to a model's, as Keras does:
//! by kind and place in Keras's order of the model's layers (a chain's
//! declaration order, a graph's `map_graph` order): the `k`-th Dense layer
//! takes the variables of `layers/dense_k`, the `k`-th BatchNormalization
//! those of `layers/batch_normalization_k` (`gamma`, `beta`, `moving_mean`,
//! `moving_variance`), whatever names the file's session gave its layers.
//! The `InputLayer`s and a graph's merge layers (`layers/concatenate`,
//! `layers/add`, `layers/average`) hold no variables: a graph's merges must
//! be as many as the file's. Every count and shape is checked.

use super::{MERGES, keras_nodes, merge_class};
use crate::layer::{LayerInfo, WeightInfo};
use crate::model::{Form, Model, NodeKind};
use crate::weights::NamedArray;
use crate::{Error, Result};
use mlp_spec::keras_h5::H5Layer;

pub(crate) use mlp_spec::keras_check::{group_key as key, keras_kind};

/// Keras's kind and index of each layer of `ours` (in the model's order):
/// the `k`-th layer of a kind takes the group `<kind>_k` (the shared
/// [`mlp_spec::keras_check::group_keys`]).
fn group_keys(ours: &[&LayerInfo]) -> Vec<Option<(&'static str, usize)>> {
    mlp_spec::keras_check::group_keys(ours.iter().map(|l| l.type_name()))
}

/// The model's layers (not its inputs and merges) in Keras's order.
pub(crate) fn keras_layers<M: Model>() -> Vec<&'static LayerInfo> {
    keras_nodes::<M>()
        .into_iter()
        .filter_map(|n| match n.kind {
            NodeKind::Layer(i) => M::LAYERS.get(i),
            _ => None,
        })
        .collect()
}

/// What a weights file's reader may read for the layers `ours` (in the
/// model's order): each group key with the shapes of the variables the
/// layer declares (see [`mlp_spec::keras_h5::read_layers`]).
pub(crate) fn wanted(ours: &[&LayerInfo]) -> Vec<(String, Vec<Vec<usize>>)> {
    ours.iter()
        .zip(group_keys(ours))
        .filter_map(|(layer, key)| {
            let (kind, k) = key?;
            let shapes = layer.weights().map(|w| w.shape().to_vec()).collect();
            Some((self::key(kind, k), shapes))
        })
        .collect()
}

/// The arrays of `M` (in [`Model::get_weights`] order, ready for
/// [`Model::set_weights`]) from the layer groups of a Keras weights file.
///
/// Refused, with an error naming the source and the layer: a layer of a kind
/// this library does not have (naming the kind), more inputs than `M`'s, a
/// graph's merges other than the file's, a layer of the model the file
/// lacks or a layer of the file the model lacks, a variable count or a
/// shape other than the model's.
pub(crate) fn arrays_for<M: Model>(
    layers: &[H5Layer],
    source_name: &str,
) -> Result<Vec<NamedArray>> {
    let err = |message: String| crate::error::data(source_name, message);
    let nodes = keras_nodes::<M>();
    let mut rest = Vec::with_capacity(layers.len());
    for layer in layers {
        let kind = layer.kind_and_index.0.as_str();
        if M::FORM == Form::Functional && MERGES.iter().any(|(stem, _)| *stem == kind) {
            if !layer.vars.is_empty() {
                return Err(err(format!(
                    "the file's group {} holds {} variable(s); a merge layer holds none",
                    layer.describe(),
                    layer.vars.len()
                )));
            }
        } else {
            rest.push(layer.clone());
        }
    }
    if M::FORM == Form::Functional {
        for (stem, class) in MERGES {
            let theirs = layers.iter().filter(|l| l.kind_and_index.0 == stem).count();
            let ours = nodes
                .iter()
                .filter(|n| merge_class(n) == Some(class))
                .count();
            if theirs != ours {
                return Err(err(format!(
                    "the weights file holds {theirs} {class} layer(s), the graph `{}` declares {ours}",
                    M::NAME
                )));
            }
        }
    }
    let ours = keras_layers::<M>();
    let arrays = arrays_for_layers(M::NAME, &ours, M::INPUTS.len(), &rest, source_name)?;
    // From Keras's order back to the declaration order of `get_weights`.
    let mut ordered = Vec::with_capacity(arrays.len());
    for layer in M::LAYERS {
        ordered.extend(
            arrays
                .iter()
                .filter(|a| a.name.rsplit_once('/').map(|(l, _)| l) == Some(layer.name))
                .cloned(),
        );
    }
    Ok(ordered)
}

/// [`arrays_for`]'s matching of layers: `network` (its name, for
/// messages) with the layers `ours` in Keras's order and `inputs` inputs.
/// The arrays come in the order of `ours`.
fn arrays_for_layers(
    network: &str,
    ours: &[&LayerInfo],
    inputs: usize,
    layers: &[H5Layer],
    source_name: &str,
) -> Result<Vec<NamedArray>> {
    let err = |message: String| crate::error::data(source_name, message);
    // A graph's loader takes the merge groups out before calling this: any
    // left are a Functional model's, given to a chain.
    let merges: Vec<String> = layers
        .iter()
        .filter(|l| ["concatenate", "add", "average"].contains(&l.kind_and_index.0.as_str()))
        .map(|l| format!("{} of a {}", l.describe(), l.class_name()))
        .collect();
    if !merges.is_empty() {
        return Err(err(format!(
            "the weights file is a Functional model's: it holds the group(s) {}, merge layers, \
             which a chain (`Input[..] -> ...`) cannot hold; declare `{network}` as a graph, with \
             named nodes and `Concatenate(a, b)` (its `.keras` file's error shows the declaration)",
            merges.join(", ")
        )));
    }
    let unknown: Vec<&H5Layer> = layers
        .iter()
        .filter(|l| {
            let kind = l.kind_and_index.0.as_str();
            kind != "input_layer"
                && !mlp_spec::LAYERS
                    .iter()
                    .any(|spec| !spec.default_name.is_empty() && spec.default_name == kind)
        })
        .collect();
    if !unknown.is_empty() {
        let mut kinds: Vec<String> = unknown.iter().map(|l| l.class_name()).collect();
        kinds.dedup();
        let list: Vec<String> = unknown
            .iter()
            .map(|l| format!("the group {} is a {}", l.describe(), l.class_name()))
            .collect();
        return Err(err(format!(
            "the weights file has layers of a kind this library does not have ({}): {}",
            mlp_spec::short_list(&kinds),
            mlp_spec::short_list(&list)
        )));
    }
    let expected_inputs = inputs;
    let inputs: Vec<&H5Layer> = layers
        .iter()
        .filter(|l| l.kind_and_index.0 == "input_layer")
        .collect();
    if inputs.len() > expected_inputs {
        let list: Vec<String> = inputs.iter().map(|l| l.describe()).collect();
        return Err(err(if expected_inputs == 1 {
            format!(
                "the weights file's model has {} inputs ({}); a network here has one",
                inputs.len(),
                list.join(", ")
            )
        } else {
            format!(
                "the weights file's model has {} inputs ({}); the graph `{network}` has {expected_inputs}",
                inputs.len(),
                list.join(", ")
            )
        }));
    }
    if let Some(input) = inputs.iter().find(|l| !l.vars.is_empty()) {
        return Err(err(format!(
            "the file's group {} holds {} variable(s); an InputLayer holds none",
            input.describe(),
            input.vars.len()
        )));
    }

    let mut used = vec![false; layers.len()];
    let mut arrays = Vec::new();
    for (&ours, wanted) in ours.iter().zip(group_keys(ours)) {
        let class = ours.type_name();
        let (kind, k) = wanted.ok_or_else(|| {
            err(format!(
                "the network's layer `{}` is a {class}, which Keras files are not read into yet",
                ours.name
            ))
        })?;
        let wanted = key(kind, k);
        let found = layers.iter().position(|l| l.key == wanted);
        let declared = super::check::declared(ours);
        let expected: Vec<WeightInfo> = ours.weights().collect();
        let Some(i) = found else {
            if expected.is_empty() {
                // Nothing to read (Keras writes an empty group; a file
                // without it is as good).
                continue;
            }
            let in_file = layers.iter().filter(|l| l.kind_and_index.0 == kind).count();
            return Err(err(format!(
                "the network `{network}`'s layer {declared} is its {class} layer {k} (counting \
                 from 0), whose weights are the file's group `layers/{wanted}`; the weights file \
                 holds {in_file} {class} group(s), and no `layers/{wanted}`"
            )));
        };
        used[i] = true;
        let layer = &layers[i];
        if layer.vars.len() != expected.len() {
            let list: Vec<String> = expected
                .iter()
                .map(|w| format!("{} {}", w.name, crate::error::shape(w.shape())))
                .collect();
            let has = if expected.is_empty() {
                "none".to_string()
            } else {
                format!("{} ({})", expected.len(), list.join(", "))
            };
            return Err(err(format!(
                "the file's group {} holds {} variable(s); the network's layer {declared} has {has}",
                layer.describe(),
                layer.vars.len(),
            )));
        }
        for (var, w) in layer.vars.iter().zip(&expected) {
            let shape = w.shape().to_vec();
            if var.shape != shape {
                return Err(Error::Shape {
                    what: format!(
                        "{source_name}: the file's group {}, its `{}` (for the network's layer \
                         {declared})",
                        layer.describe(),
                        w.name
                    ),
                    expected: shape,
                    found: var.shape.clone(),
                });
            }
            arrays.push(NamedArray {
                name: format!("{}/{}", ours.name, w.name),
                shape,
                data: var.data.clone(),
            });
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
            "the weights file holds group(s) of layers that the network `{}` does not declare: {}",
            network,
            mlp_spec::short_list(&extra)
        )));
    }
    Ok(arrays)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;
    use mlp_spec::keras_h5::H5Variable;

    network! {
        struct Kinds {
            Input[3]
                -> Dense<2, relu>
                -> BatchNormalization
                -> Dropout<0.5>
                -> PReLU
                -> Dense<2>
                -> BatchNormalization
                -> Dense<1>
        }
    }

    fn var(shape: &[usize], start: f32) -> H5Variable {
        let n = shape.iter().product::<usize>();
        H5Variable {
            shape: shape.to_vec(),
            data: (0..n).map(|i| start + i as f32).collect(),
        }
    }

    fn group(key: &str, vars: Vec<H5Variable>) -> H5Layer {
        let (stem, k) = key
            .rsplit_once('_')
            .and_then(|(s, n)| Some((s.to_string(), n.parse().ok()?)))
            .unwrap_or((key.to_string(), 0));
        H5Layer {
            key: key.into(),
            kind_and_index: (stem, k),
            name: None,
            vars,
        }
    }

    /// The groups Keras 3 writes for `Kinds` (`layers/<snake_case class>[_k]`).
    fn file() -> Vec<H5Layer> {
        let bn = |u, s| (0..4).map(|i| var(&[u], s + 10.0 * i as f32)).collect();
        vec![
            group("batch_normalization", bn(2, 100.0)),
            group("batch_normalization_1", bn(2, 200.0)),
            group("dense", vec![var(&[3, 2], 0.0), var(&[2], 10.0)]),
            group("dense_1", vec![var(&[2, 2], 20.0), var(&[2], 30.0)]),
            group("dense_2", vec![var(&[2, 1], 60.0), var(&[1], 70.0)]),
            group("dropout", vec![]),
            group("input_layer", vec![]),
            group("p_re_lu", vec![var(&[2], 50.0)]),
        ]
    }

    #[test]
    fn each_kind_takes_its_groups_in_order() {
        let arrays = arrays_for::<Kinds>(&file(), "w.h5").unwrap();
        let names: Vec<&str> = arrays.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "dense/kernel",
                "dense/bias",
                "batch_normalization/gamma",
                "batch_normalization/beta",
                "batch_normalization/moving_mean",
                "batch_normalization/moving_variance",
                "p_re_lu/alpha",
                "dense_1/kernel",
                "dense_1/bias",
                "batch_normalization_1/gamma",
                "batch_normalization_1/beta",
                "batch_normalization_1/moving_mean",
                "batch_normalization_1/moving_variance",
                "dense_2/kernel",
                "dense_2/bias",
            ]
        );
        // BN's four arrays in Keras's order: vars/0 gamma ... vars/3 moving_variance.
        let first: Vec<f32> = arrays.iter().map(|a| a.data[0]).collect();
        assert_eq!(
            first,
            [
                0.0, 10.0, 100.0, 110.0, 120.0, 130.0, 50.0, 20.0, 30.0, 200.0, 210.0, 220.0,
                230.0, 60.0, 70.0
            ]
        );
        let mut model = Kinds::new_zeroed();
        model.set_weights(&arrays).unwrap();
        assert_eq!(model.get_weights(), arrays);
    }

    #[test]
    fn a_missing_or_short_group_is_named() {
        let mut layers = file();
        layers.retain(|l| l.key != "batch_normalization_1");
        let err = arrays_for::<Kinds>(&layers, "w.h5")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "w.h5: the network `Kinds`'s layer `batch_normalization_1`: \
             BatchNormalization<momentum = 0.99, epsilon = 0.001> is its BatchNormalization layer 1 \
             (counting from 0), whose weights are the file's group \
             `layers/batch_normalization_1`; the weights file holds 1 BatchNormalization group(s), \
             and no `layers/batch_normalization_1`"
        );
        let mut layers = file();
        layers[0].vars.pop();
        let err = arrays_for::<Kinds>(&layers, "w.h5")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "w.h5: the file's group `layers/batch_normalization` holds 3 variable(s); the \
             network's layer `batch_normalization`: BatchNormalization<momentum = 0.99, epsilon = \
             0.001> has 4 (gamma (2,), beta (2,), moving_mean (2,), moving_variance (2,))"
        );
        let mut layers = file();
        layers[7].vars[0] = var(&[3], 0.0);
        let err = arrays_for::<Kinds>(&layers, "w.h5")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "the file's group `layers/p_re_lu`, its `alpha` (for the network's layer \
                 `p_re_lu`: PReLU)"
            ),
            "{err}"
        );
        // A group the network does not declare.
        let mut layers = file();
        layers.push(group("leaky_re_lu", vec![]));
        let err = arrays_for::<Kinds>(&layers, "w.h5")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("that the network `Kinds` does not declare: `layers/leaky_re_lu`"),
            "{err}"
        );
    }
}
