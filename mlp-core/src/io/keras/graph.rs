//! Keras 3's own files read into a graph (Keras's Functional API):
//! `.weights.h5` files and the weights of `.keras` archives, matched to the
//! graph's layers as Keras matches them.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     /// The book's Wide & Deep model with an auxiliary output.
//!     pub struct WideDeep {
//!         wide_input = Input[5];
//!         deep_input = Input[6];
//!         hidden1 = Dense<30, relu>(deep_input);
//!         hidden2 = Dense<30, relu>(hidden1);
//!         concat = Concatenate(wide_input, hidden2);
//!         output main_output = Dense<1>(concat);
//!         output aux_output = Dense<1>(hidden2);
//!     }
//! }
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/keras-files/wide_deep_two_outputs");
//! let mut model = WideDeep::new_zeroed();
//! model.load_keras_weights(format!("{dir}/model.weights.h5"))?;
//! // The archive gives the same weights, after its architecture is checked.
//! let mut copy = WideDeep::new_zeroed();
//! copy.load_keras(format!("{dir}/model.keras"))?;
//! assert_eq!(copy.params(), model.params());
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! Keras 3 keys a layer's variables by its kind and place among the
//! model's layers (`layers/dense_1/vars/0` is the kernel of the model's
//! second Dense layer), not by its name, and a functional model's layers
//! are in the order of `keras.src.ops.function.map_graph` (by depth from
//! the deepest, then by a depth-first walk from the outputs; the order of
//! [`Graph::summary`]'s rows). So the `k`-th layer of a kind in that order
//! takes `layers/<kind>_k`, whatever names the file's session gave its
//! layers (`dense_2` in the file may be `dense` here), as `model.load_weights`
//! does in Keras. The `InputLayer`s (`layers/input_layer_k`) and the merge
//! layers (`layers/concatenate`, `layers/add`, `layers/average`) hold no
//! variables: their number must be the graph's. Every count and shape is
//! checked before any weight changes. A `.keras` archive's `config.json` is
//! checked first: a `Functional` model with the graph's inputs (their
//! sizes) and its number of outputs, and in that order the same layers (a
//! Dense layer's units, activation and bias; the merges' kinds).

use super::archive::KerasArchive;
use super::config::{KerasModel, declared, parse_config, same_layer, shape_text};
use super::h5::{H5Layer, read_layers};
use super::matching::arrays_for_layers;
use crate::graph::{Graph, NodeInfo, NodeKind};
use crate::layer::LayerInfo;
use crate::weights::NamedArray;
use crate::{Error, Result};
use std::path::Path;

/// Keras's snake-case names of the merge layers, the stems of their groups.
const MERGES: [(&str, &str); 3] = [
    ("concatenate", "Concatenate"),
    ("add", "Add"),
    ("average", "Average"),
];

/// The graph's nodes in Keras's order of a functional model's layers.
fn keras_nodes<G: Graph>() -> Vec<&'static NodeInfo> {
    let (order, _) = crate::summary::graph::keras_order(G::NODES, G::OUTPUTS);
    order.into_iter().map(|n| &G::NODES[n]).collect()
}

/// Keras's class name of a merge node, `None` for an input or a layer.
fn merge_class(node: &NodeInfo) -> Option<&'static str> {
    match node.kind {
        NodeKind::Concatenate => Some("Concatenate"),
        NodeKind::Add => Some("Add"),
        NodeKind::Average => Some("Average"),
        NodeKind::Input | NodeKind::Layer(_) => None,
    }
}

/// The arrays of the graph `G` (in [`Model::get_weights`](crate::model::Model::get_weights) order, ready for
/// [`Model::set_weights`](crate::model::Model::set_weights)) from the layer groups of a Keras weights file:
/// see the module docs. Errors name the source and the layer.
pub fn graph_arrays_for<G: Graph>(
    layers: &[H5Layer],
    source_name: &str,
) -> Result<Vec<NamedArray>> {
    let err = |message: String| Error::Data {
        source_name: source_name.to_string(),
        message,
    };
    let nodes = keras_nodes::<G>();
    let mut rest = Vec::with_capacity(layers.len());
    for layer in layers {
        let kind = layer.kind_and_index.0.as_str();
        if MERGES.iter().any(|(stem, _)| *stem == kind) {
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
    for (stem, class) in MERGES {
        let theirs = layers.iter().filter(|l| l.kind_and_index.0 == stem).count();
        let ours = nodes
            .iter()
            .filter(|n| merge_class(n) == Some(class))
            .count();
        if theirs != ours {
            return Err(err(format!(
                "the weights file holds {theirs} {class} layer(s), the graph `{}` declares {ours}",
                G::NAME
            )));
        }
    }
    let ours: Vec<&LayerInfo> = nodes
        .iter()
        .filter_map(|n| match n.kind {
            NodeKind::Layer(i) => G::LAYERS.get(i),
            _ => None,
        })
        .collect();
    let arrays = arrays_for_layers(G::NAME, &ours, G::INPUTS.len(), &rest, source_name)?;
    // From Keras's order back to the declaration order of `get_weights`.
    let mut ordered = Vec::with_capacity(arrays.len());
    for layer in G::LAYERS {
        ordered.extend(
            arrays
                .iter()
                .filter(|a| a.name.rsplit_once('/').map(|(l, _)| l) == Some(layer.name))
                .cloned(),
        );
    }
    Ok(ordered)
}

/// Checks a `.keras` archive's model against the graph `G`: see the module
/// docs.
pub fn check_graph_architecture<G: Graph>(model: &KerasModel, source_name: &str) -> Result<()> {
    let err = |message: String| Error::Data {
        source_name: source_name.to_string(),
        message,
    };
    if model.class_name != "Functional" {
        return Err(err(format!(
            "the Keras model `{}` is a {}; a graph reads a Functional model",
            model.name, model.class_name
        )));
    }
    let nodes = keras_nodes::<G>();
    let inputs: Vec<&NodeInfo> = nodes
        .iter()
        .copied()
        .filter(|n| n.kind == NodeKind::Input)
        .collect();
    let theirs: Vec<String> = model.inputs.iter().map(|s| shape_text(s)).collect();
    let ours: Vec<String> = inputs.iter().map(|n| shape_text(&[n.size])).collect();
    if theirs != ours {
        return Err(err(format!(
            "the Keras model `{}` takes inputs of shapes [{}], the graph `{}` [{}] (in Keras's order)",
            model.name,
            theirs.join(", "),
            G::NAME,
            ours.join(", ")
        )));
    }
    if model.outputs.len() != G::OUTPUTS.len() {
        return Err(err(format!(
            "the Keras model `{}` has {} outputs ({}), the graph `{}` {}",
            model.name,
            model.outputs.len(),
            model.outputs.join(", "),
            G::NAME,
            G::OUTPUTS.len()
        )));
    }
    let layers: Vec<&NodeInfo> = nodes
        .iter()
        .copied()
        .filter(|n| n.kind != NodeKind::Input)
        .collect();
    let describe = |n: &NodeInfo| match (n.kind, merge_class(n)) {
        (NodeKind::Layer(i), _) => G::LAYERS.get(i).map_or_else(String::new, declared),
        (_, Some(class)) => format!("`{}`: {class}", n.name),
        _ => String::new(),
    };
    let ours: Vec<String> = layers.iter().map(|n| describe(n)).collect();
    let same = |i: usize, j: usize| {
        let keras = &model.layers[i];
        match (layers[j].kind, merge_class(layers[j])) {
            (NodeKind::Layer(l), _) => G::LAYERS.get(l).is_some_and(|l| same_layer(keras, l)),
            (_, Some(class)) => keras.class_name == class,
            _ => false,
        }
    };
    if let Some(difference) = super::difference::first_difference(
        &model.name,
        &model.layers,
        &format!("the graph `{}`", G::NAME),
        &ours,
        same,
        ", in Keras's order",
    ) {
        return Err(err(difference));
    }
    Ok(())
}

/// Reads a `.keras` archive in memory as the weights of the graph `G`,
/// after checking its architecture against `G`.
pub fn decode_graph_keras<G: Graph>(bytes: &[u8], source_name: &str) -> Result<Vec<NamedArray>> {
    let archive = KerasArchive::from_bytes(bytes, source_name)?;
    let model = parse_config(&archive.config, source_name)?;
    check_graph_architecture::<G>(&model, source_name)?;
    let h5_name = format!("{source_name}: model.weights.h5");
    let layers = read_layers(&archive.weights_h5, &h5_name)?;
    graph_arrays_for::<G>(&layers, &h5_name)
}

/// Reads a Keras 3 `.weights.h5` file in memory as the weights of the
/// graph `G`.
pub fn decode_graph_keras_weights<G: Graph>(
    bytes: &[u8],
    source_name: &str,
) -> Result<Vec<NamedArray>> {
    let layers = read_layers(bytes, source_name)?;
    graph_arrays_for::<G>(&layers, source_name)
}

/// Keras's `keras.models.load_model` and `model.load_weights` for Keras's
/// own files, into a graph declared here. In the prelude. On any error no
/// weight has changed.
pub trait GraphKerasFile: Graph {
    /// Loads the weights of the `.keras` archive at `path`, after checking
    /// its architecture against this graph.
    fn load_keras(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let arrays =
            decode_graph_keras::<Self>(&crate::fs::read(path)?, &path.display().to_string())?;
        self.set_weights(&arrays)
    }

    /// [`GraphKerasFile::load_keras`] from the archive's bytes in memory.
    fn load_keras_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode_graph_keras::<Self>(bytes, ".keras bytes")?;
        self.set_weights(&arrays)
    }

    /// Loads a Keras 3 `.weights.h5` file (`model.save_weights`).
    fn load_keras_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let arrays = decode_graph_keras_weights::<Self>(
            &crate::fs::read(path)?,
            &path.display().to_string(),
        )?;
        self.set_weights(&arrays)
    }

    /// [`GraphKerasFile::load_keras_weights`] from the file's bytes in
    /// memory.
    fn load_keras_weights_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode_graph_keras_weights::<Self>(bytes, ".weights.h5 bytes")?;
        self.set_weights(&arrays)
    }
}

impl<G: Graph> GraphKerasFile for G {}
