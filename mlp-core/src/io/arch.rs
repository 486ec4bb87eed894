//! A chain's or a graph's declaration as [`mlp_spec::arch::Arch`], the plain
//! description the PyTorch and ONNX readers (shared with the `#[weights]`
//! bake) check files against; and their problems as one [`Error`].

use crate::graph::{Graph, NodeKind};
use crate::layer::{Elementwise, LayerInfo, LayerKind};
use crate::network::Network;
use crate::weights::NamedArray;
use crate::{Error, Result};
use mlp_spec::arch::{Arch, Array, Op};

/// The reader's description of one layer.
fn op(layer: &LayerInfo) -> Op {
    match layer.kind {
        LayerKind::Flatten { rows, cols } => Op::Flatten { rows, cols },
        LayerKind::Dense {
            inputs,
            units,
            activation,
            ..
        } => Op::Dense {
            inputs,
            units,
            activation: activation.name().into(),
        },
        LayerKind::Dropout { units, rate } => Op::Dropout { units, rate },
        LayerKind::BatchNormalization { units, epsilon, .. } => {
            Op::BatchNormalization { units, epsilon }
        }
        LayerKind::Activation { units, function } => Op::Activation {
            units,
            kind: function.type_name().into(),
            settings: match function {
                Elementwise::ReLU {
                    max_value,
                    negative_slope,
                    threshold,
                } => vec![max_value, negative_slope, threshold],
                Elementwise::LeakyReLU { negative_slope } => vec![negative_slope],
                Elementwise::ELU { alpha } => vec![alpha],
            },
        },
        LayerKind::PReLU { units, .. } => Op::PReLU { units },
        LayerKind::Normalization { units } => Op::Normalization { units },
    }
}

/// A chain: its input (`input`), each layer reading the one before, one
/// output (`output`).
pub(crate) fn chain<N: Network>() -> Arch {
    let mut arch = Arch::new(N::NAME);
    let shape = N::INPUT_SHAPE.to_vec();
    let mut last = arch.push("input", Op::Input { shape }, &[]);
    for layer in N::LAYERS {
        last = arch.push(layer.name, op(layer), &[last]);
    }
    arch.outputs.push(("output".into(), last));
    arch
}

/// A graph: its nodes in declaration order, its declared outputs.
pub(crate) fn graph<G: Graph>() -> Arch {
    let mut arch = Arch::new(G::NAME);
    let index = |arch: &Arch, name: &str| arch.nodes.iter().position(|n| n.name == name);
    for node in G::NODES {
        let inputs: Vec<usize> = node
            .inputs
            .iter()
            .filter_map(|name| index(&arch, name))
            .collect();
        let op = match node.kind {
            NodeKind::Layer(i) => op(&G::LAYERS[i]),
            NodeKind::Concatenate => Op::Concatenate,
            NodeKind::Add => Op::Add,
            NodeKind::Average => Op::Average,
            // `NodeKind::Input`, and any kind added later, read as an input.
            _ => Op::Input {
                shape: vec![node.size],
            },
        };
        arch.push(node.name, op, &inputs);
    }
    for port in G::OUTPUTS {
        if let Some(i) = index(&arch, port.node) {
            arch.outputs.push((port.name.into(), i));
        }
    }
    arch
}

/// The readers' arrays as [`NamedArray`]s, or their problems as one
/// [`Error::Data`] naming `source`.
pub(crate) fn named(
    arrays: std::result::Result<Vec<Array>, Vec<String>>,
    source: &str,
) -> Result<Vec<NamedArray>> {
    match arrays {
        Ok(arrays) => Ok(arrays
            .into_iter()
            .map(|a| NamedArray {
                name: a.name,
                shape: a.shape,
                data: a.data,
            })
            .collect()),
        Err(problems) => Err(Error::Data {
            source_name: source.into(),
            message: problems.join("; "),
        }),
    }
}
