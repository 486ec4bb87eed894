//! `#[weights("model.keras")]` and `#[weights("model.weights.h5")]`: Keras 3's
//! own files read at compile time, into a chain or a graph. A `.keras`
//! archive's `config.json`, read by the parse the runtime's `load_keras`
//! shares (`mlp_spec::keras_config`), is checked against the declaration by
//! the check the runtime shares (`mlp_spec::keras_check`): the layers in
//! Keras's order (a graph's in `map_graph`'s, `mlp_spec::keras_order`), each
//! of the declared kind with the declared units, activation and options,
//! and here also the declared kernel and PReLU initializers; a graph's
//! inputs, outputs and connections (which layer reads which, the outputs in
//! order). A difference is a compile error naming the layer and both
//! descriptions. Options this library does not have (`center=False`,
//! `shared_axes`, ...) are refused by name. The weights (`model.weights.h5`
//! in the archive, or a `.weights.h5` file alone, read by the runtime's
//! HDF5 reader, `mlp_spec::keras_h5`) are matched as Keras's `model.load_weights`
//! matches them: the `k`-th layer of a kind, in Keras's order, takes
//! `layers/<kind>_k/vars/<i>` (`dense_1`, `batch_normalization_2`: Keras's
//! snake-case class name, counted per kind). The arrays are handed to the
//! safetensors path of [`crate::bake`] as an in-memory safetensors file, so
//! every path checks and generates the same way.

use crate::model::{LayerModelKind, Model, NodeModelKind};
use mlp_spec::arch::{self, Arch};
use mlp_spec::keras_check::{
    check_connections, check_graph_ports, group_key, group_keys, keras_layers,
};
use mlp_spec::keras_config::{KerasLayer, parse_config};
use mlp_spec::keras_h5::read_layers;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, serialize};
use std::io::{Cursor, Read};
/// How Keras would describe a layer of the config.
fn keras_layer(layer: &KerasLayer) -> String {
    let initializer = |name: &Option<String>| {
        name.as_deref()
            .map_or_else(|| "?".into(), mlp_spec::to_snake_case)
    };
    match layer.class_name.as_str() {
        "Dense" => format!(
            "Dense({}, activation=\"{}\", kernel_initializer={})",
            layer.units.map_or_else(|| "null".into(), |u| u.to_string()),
            layer.activation.as_deref().unwrap_or("?"),
            initializer(&layer.kernel_initializer)
        ),
        "PReLU" => format!(
            "PReLU(alpha_initializer={})",
            initializer(&layer.alpha_initializer)
        ),
        other => {
            let options: Vec<String> = layer
                .settings
                .iter()
                .map(|(name, v)| format!("{name}={}", mlp_spec::keras_options::python_number(*v)))
                .collect();
            format!("{other}({})", options.join(", "))
        }
    }
}

/// The archive's member `name`.
fn member(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    rel: &str,
    name: &str,
) -> Result<Vec<u8>, String> {
    let mut file = zip
        .by_name(name)
        .map_err(|e| format!("`{rel}` has no readable `{name}` ({e})"))?;
    let mut out = Vec::new();
    file.read_to_end(&mut out)
        .map_err(|e| format!("cannot read `{name}` in `{rel}`: {e}"))?;
    Ok(out)
}

/// How the declaration reads node `n` of `arch` (a layer or a merge).
fn declared_node(model: &Model, arch: &Arch, n: usize) -> String {
    match model.nodes[n].kind {
        NodeModelKind::Layer(l) => {
            let layer = &model.layers[l];
            arch::declared(&layer.field.to_string(), &layer.kind.declaration())
        }
        _ => arch::declared(&arch.nodes[n].name, &arch.nodes[n].op.describe()),
    }
}

/// Checks the archive in `bytes` against `model` and returns its weights
/// as the bytes of a safetensors file with this crate's tensor names.
pub fn archive_to_safetensors(model: &Model, rel: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("`{rel}` is not a valid .keras (zip) archive: {e}"))?;
    let config = member(&mut zip, rel, "config.json")?;
    let h5 = member(&mut zip, rel, "model.weights.h5")?;
    let config = std::str::from_utf8(&config)
        .map_err(|e| format!("config.json in `{rel}` is not UTF-8 text: {e}"))?;
    check_config(model, rel, config)?;
    weights_to_safetensors(model, &format!("model.weights.h5 in `{rel}`"), h5)
}

/// Checks a `config.json` (of the archive `rel`) against `model`.
fn check_config(model: &Model, rel: &str, config: &str) -> Result<(), String> {
    let keras = parse_config(config).map_err(|e| format!("`{rel}`: {e}"))?;
    let ident = &model.ident;
    let arch = crate::bake_onnx::arch(model);
    let graph = model.chain_input.is_none();

    // The ports: a chain's input shape (InputLayers give it), a graph's
    // inputs and outputs.
    if graph {
        check_graph_ports(&keras, &arch).map_err(|e| format!("`{rel}`: {e}"))?;
    } else {
        for shape in &keras.inputs {
            if *shape != model.input_shape() {
                return Err(format!(
                    "`{rel}` takes inputs of shape {shape:?}, `{ident}` declares {:?}",
                    model.input_shape()
                ));
            }
        }
    }
    let layers = &keras.layers;
    for layer in layers {
        let class = layer.class_name.as_str();
        let merge = graph && matches!(class, "Concatenate" | "Add" | "Average");
        if !merge
            && mlp_spec::layer(class)
                .is_none_or(|l| l.role != mlp_spec::LayerRole::Layer && class != "Flatten")
        {
            return Err(format!(
                "`{rel}` has layer `{}`, a {class}: a layer kind this library does not have",
                layer.name
            ));
        }
    }
    // The declared layers and merges, in Keras's order.
    let ours = keras_layers(&arch);
    if layers.len() != ours.len() {
        return Err(format!(
            "`{rel}` has {} layers [{}], `{ident}` declares {} [{}]",
            layers.len(),
            layers
                .iter()
                .map(keras_layer)
                .collect::<Vec<_>>()
                .join(", "),
            ours.len(),
            ours.iter()
                .map(|&n| declared_node(model, &arch, n))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (i, (layer, &n)) in layers.iter().zip(&ours).enumerate() {
        let (class, name) = (layer.class_name.as_str(), &layer.name);
        if !layer.unsupported.is_empty() {
            return Err(format!(
                "layer {i} of `{rel}` is `{name}`: {class}, with options this library does not have: {}",
                layer.unsupported.join(", ")
            ));
        }
        if !same_layer(layer, model, &arch, n) {
            return Err(format!(
                "layer {i} of `{rel}` is `{name}`: {}, but `{ident}` declares {}",
                keras_layer(layer),
                declared_node(model, &arch, n)
            ));
        }
    }
    if keras.class_name == "Functional" {
        let what = if graph { "graph" } else { "network" };
        check_connections(&keras, &arch, what).map_err(|e| format!("`{rel}`: {e}"))?;
    }
    Ok(())
}

/// Whether the file's `layer` is node `n` of `arch`: the shared check
/// ([`mlp_spec::keras_check::same_layer`]), and the declared kernel and
/// PReLU initializers, which the runtime does not compare.
fn same_layer(layer: &KerasLayer, model: &Model, arch: &Arch, n: usize) -> bool {
    let initializer_is = |file: &Option<String>, ours: &str| {
        file.as_deref()
            .is_none_or(|k| mlp_spec::to_snake_case(k) == ours)
    };
    mlp_spec::keras_check::same_layer(layer, &arch.nodes[n].op)
        && match model.nodes[n].kind {
            NodeModelKind::Layer(l) => match &model.layers[l].kind {
                LayerModelKind::Dense {
                    kernel_initializer: kernel,
                    ..
                } => initializer_is(&layer.kernel_initializer, kernel.spec.name),
                LayerModelKind::PReLU {
                    alpha_initializer: alpha,
                    ..
                } => initializer_is(&layer.alpha_initializer, alpha.spec.name),
                _ => true,
            },
            _ => true,
        }
}

/// The weights of `model` from a Keras weights file (`h5`, named `source`
/// in messages: `` `model.weights.h5` `` or "model.weights.h5 in
/// `model.keras`"), as the bytes of a safetensors file with this crate's
/// tensor names.
pub fn weights_to_safetensors(model: &Model, source: &str, h5: Vec<u8>) -> Result<Vec<u8>, String> {
    // The layers with weights in Keras's order, each with its group: Keras
    // numbers the groups of each kind apart (`dense`, `dense_1`, ...).
    let arch = crate::bake_onnx::arch(model);
    let layers: Vec<&crate::model::LayerModel> = keras_layers(&arch)
        .into_iter()
        .filter_map(|n| match model.nodes[n].kind {
            NodeModelKind::Layer(l) => Some(&model.layers[l]),
            _ => None,
        })
        .collect();
    let groups: Vec<Option<String>> = group_keys(layers.iter().map(|l| l.kind.class_name()))
        .into_iter()
        .map(|g| g.map(|(kind, k)| group_key(kind, k)))
        .collect();
    let ours: Vec<(String, &crate::model::LayerModel)> = layers
        .into_iter()
        .zip(groups.iter().cloned())
        .filter(|(l, _)| !l.kind.weights().is_empty())
        .filter_map(|(l, key)| Some((key?, l)))
        .collect();
    let wanted: Vec<(String, Vec<Vec<usize>>)> = ours
        .iter()
        .map(|(key, l)| {
            (
                key.clone(),
                l.kind.weights().into_iter().map(|(_, s)| s).collect(),
            )
        })
        .collect();
    // The runtime's reader: only the declared shapes are read.
    let file = read_layers(&h5, &wanted).map_err(|e| format!("{source}: {e}"))?;
    // As at run time, a group of a layer the declaration lacks is refused
    // (a `.weights.h5` file alone has no architecture to check first).
    let extra: Vec<String> = file
        .iter()
        .filter(|g| {
            !["input_layer", "concatenate", "add", "average"].contains(&g.kind_and_index.0.as_str())
                && !groups.iter().flatten().any(|k| *k == g.key)
        })
        .map(|g| format!("`layers/{}`", mlp_spec::keras_h5::short_name(&g.key)))
        .collect();
    if !extra.is_empty() {
        return Err(format!(
            "{source} holds layers that `{}` does not declare: {}",
            model.ident,
            mlp_spec::short_list(&extra)
        ));
    }
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (key, layer) in ours {
        let vars = layer.kind.weights();
        let group = file
            .iter()
            .find(|g| g.key == key)
            .ok_or_else(|| format!("{source} has no `layers/{key}` for `{}`", layer.field))?;
        if group.vars.len() != vars.len() {
            return Err(format!(
                "`layers/{key}` in {source} holds {} variable(s), `{}` has {}",
                group.vars.len(),
                layer.field,
                vars.len()
            ));
        }
        for (i, (var, (what, shape))) in group.vars.iter().zip(vars).enumerate() {
            if var.shape != shape {
                return Err(format!(
                    "`layers/{key}/vars/{i}` in {source} has shape {:?}, but `{}`'s {what} is {shape:?}",
                    var.shape, layer.field
                ));
            }
            let bytes = var.data.iter().flat_map(|v| v.to_le_bytes()).collect();
            tensors.push((format!("{}/{what}", layer.field), shape, bytes));
        }
    }
    let mut views = Vec::new();
    for (name, shape, data) in &tensors {
        let view = TensorView::new(Dtype::F32, shape.clone(), data)
            .map_err(|e| format!("{source}: {e}"))?;
        views.push((name.as_str(), view));
    }
    serialize(views, None).map_err(|e| format!("{source}: {e}"))
}
