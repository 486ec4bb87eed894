//! A model's declaration, chain or graph, as [`mlp_spec::arch::Arch`], the plain
//! description the PyTorch and ONNX readers (shared with the `#[weights]`
//! bake) check files against; and their problems as one [`Error`].

use crate::activation::ActivationKind;
use crate::initializer::Initializer;
use crate::layer::{Elementwise, LayerInfo, LayerKind, TypedPayload};
use crate::model::{Form, Model, NodeKind};
use crate::weights::NamedArray;
use crate::{Error, Result};
use mlp_spec::arch::{Arch, Array, Op, ToPlain};

impl ToPlain for TypedPayload {
    fn activation_name(activation: &ActivationKind) -> &str {
        activation.name()
    }

    fn function_settings(function: &Elementwise) -> Vec<f32> {
        match *function {
            Elementwise::ReLU {
                max_value,
                negative_slope,
                threshold,
            } => vec![max_value, negative_slope, threshold],
            Elementwise::LeakyReLU { negative_slope } => vec![negative_slope],
            Elementwise::ELU { alpha } => vec![alpha],
        }
    }

    fn initializer_name(init: &Initializer) -> Option<&str> {
        Some(init.name())
    }
}

/// The readers' description of one layer.
pub(crate) fn op(layer: &LayerInfo) -> Op {
    Op::Layer(layer.kind.to_plain())
}

/// The shape of one sample of `M`'s `i`-th input: a chain that opens with
/// `Flatten[rows, cols]` takes `(rows, cols)` matrices, every other input
/// is a vector of its size.
pub(crate) fn input_shape<M: Model>(i: usize) -> Vec<usize> {
    match (M::FORM, M::LAYERS.first().map(|l| l.kind)) {
        (Form::Sequential, Some(LayerKind::Flatten { rows, cols })) => vec![rows, cols],
        _ => vec![M::INPUTS.get(i).map_or(0, |p| p.size)],
    }
}

/// Any model: its nodes in declaration order, its outputs. A chain's one
/// input is named `input` and its one output `output` (the names the
/// files it exports use); a graph's are its declared names.
pub(crate) fn arch<M: Model>() -> Arch {
    let mut arch = Arch::new(M::NAME);
    // The arch's nodes are `M::NODES`, in order.
    let index = |name: &str| M::NODES.iter().position(|n| n.name == name);
    let chain = M::FORM == Form::Sequential;
    let mut inputs_seen = 0;
    for node in M::NODES {
        let inputs: Vec<usize> = node.inputs.iter().filter_map(|name| index(name)).collect();
        let op = match node.kind {
            NodeKind::Layer(i) => op(&M::LAYERS[i]),
            NodeKind::Concatenate => Op::Concatenate,
            NodeKind::Add => Op::Add,
            NodeKind::Average => Op::Average,
            // `NodeKind::Input`, and any kind added later, read as an input.
            _ => {
                inputs_seen += 1;
                Op::Input {
                    shape: input_shape::<M>(inputs_seen - 1),
                }
            }
        };
        let name = if chain && node.kind == NodeKind::Input {
            "input"
        } else {
            node.name
        };
        arch.push(name, op, &inputs);
    }
    for port in M::OUTPUTS {
        if let Some(i) = index(port.node) {
            let name = if chain { "output" } else { port.name };
            arch.outputs.push((name.into(), i));
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
