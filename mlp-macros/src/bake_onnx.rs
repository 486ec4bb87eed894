//! `#[weights("model.onnx")]` and `#[weights("model.safetensors")]` holding
//! a PyTorch state dict: the file is checked against the declaration at
//! compile time by the readers the runtime's `load_onnx` and `load_torch`
//! use (`mlp_spec::onnx`, `mlp_spec::torch`), so a difference is a compile
//! error naming the layer and the file's node with both descriptions; the
//! weights, in Keras's names and layout, go on to the safetensors path of
//! [`crate::bake`] as an in-memory file, so every path checks and
//! generates the same way.

use crate::model::{LayerModel, Merge, Model, NodeModelKind, Resolved};
use mlp_spec::arch::{Arch, Op, ToPlain};

impl ToPlain for Resolved {
    fn activation_name(activation: &Self::Activation) -> &str {
        activation.name
    }

    fn function_settings(function: &Self::Function) -> Vec<f32> {
        function.1.clone()
    }

    fn initializer_name(init: &Self::Init) -> Option<&str> {
        Some(init.spec.name)
    }
}

/// The readers' description of one declared layer.
pub(crate) fn op(layer: &LayerModel) -> Op {
    Op::Layer(layer.kind.to_plain())
}

/// The declaration as the readers see it: its nodes, its outputs. A chain's
/// one input is named `input`, of its declared shape (`[28, 28]` before a
/// `Flatten`), and its one output `output`, as the runtime's `io::arch`
/// names them; a graph's are its declared names.
pub fn arch(model: &Model) -> Arch {
    let mut arch = Arch::new(&model.ident.to_string());
    for node in &model.nodes {
        let input = matches!(node.kind, NodeModelKind::Input);
        let chain_input = model.chain_input.as_ref().filter(|_| input);
        let op = match &node.kind {
            NodeModelKind::Input => Op::Input {
                shape: chain_input.cloned().unwrap_or_else(|| vec![node.width]),
            },
            NodeModelKind::Layer(i) => op(&model.layers[*i]),
            NodeModelKind::Merge(Merge::Concatenate) => Op::Concatenate,
            NodeModelKind::Merge(Merge::Add) => Op::Add,
            NodeModelKind::Merge(Merge::Average) => Op::Average,
        };
        let name = chain_input.map_or(node.name.as_str(), |_| "input");
        arch.push(name, op, &node.sources);
    }
    for (ident, node) in &model.outputs {
        let name = match model.chain_input {
            Some(_) => "output".to_string(),
            None => ident.to_string(),
        };
        arch.outputs.push((name, *node));
    }
    arch
}

/// The file's weights as a safetensors file with Keras's names, when `rel`
/// is an ONNX model or `bytes` a PyTorch state dict (checked against
/// `arch`, every problem a message); other files unchanged.
pub fn to_keras_names(arch: &Arch, rel: &str, bytes: Vec<u8>) -> Result<Vec<u8>, Vec<String>> {
    let arrays = if rel.ends_with(".onnx") {
        mlp_spec::onnx::read_arrays(&bytes, arch)
    } else if mlp_spec::torch::is_state_dict(&bytes) {
        mlp_spec::torch::torch_arrays(&bytes, arch)
    } else {
        return Ok(bytes);
    };
    let arrays = arrays.map_err(|problems| {
        problems
            .into_iter()
            .map(|p| format!("`{rel}` does not match `{}`: {p}", arch.name))
            .collect::<Vec<_>>()
    })?;
    mlp_spec::arch::to_safetensors(&arrays).map_err(|e| vec![format!("`{rel}`: {e}")])
}
