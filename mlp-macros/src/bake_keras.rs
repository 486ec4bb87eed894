//! `#[weights("model.keras")]`: a Keras 3 `.keras` archive read at compile
//! time. Its `config.json` is checked against the declaration (layer kinds,
//! units, activations, kernel initializers, the input shape): a difference
//! is a compile error naming the layer and both descriptions. Its
//! `model.weights.h5` (HDF5, read by the pure-Rust `hdf5-pure`) gives the
//! weights: the `k`-th Dense layer takes `layers/dense_k/vars/{0,1}`, as
//! Keras matches them. The arrays are handed to the safetensors path of
//! [`crate::bake`] as an in-memory safetensors file, so both paths check
//! and generate the same way.

use crate::validate::{LayerModelKind, Model};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, serialize};
use serde_json::Value;
use std::io::{Cursor, Read};

/// `GlorotUniform` -> `glorot_uniform`.
fn snake(class: &str) -> String {
    let mut out = String::new();
    for (i, c) in class.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// How Keras would describe a layer of the config.
fn keras_layer(entry: &Value) -> String {
    let cfg = &entry["config"];
    let class = entry["class_name"].as_str().unwrap_or("?");
    match class {
        "Dense" => format!(
            "Dense({}, activation=\"{}\", kernel_initializer={})",
            cfg["units"],
            cfg["activation"].as_str().unwrap_or("?"),
            cfg["kernel_initializer"]["class_name"]
                .as_str()
                .map_or_else(|| "?".to_string(), snake)
        ),
        other => format!("{other}()"),
    }
}

/// How the declaration reads: `Dense<300, relu, kernel_initializer = glorot_uniform>`.
fn declared(layer: &crate::validate::LayerModel) -> String {
    match &layer.kind {
        LayerModelKind::Dense {
            units,
            activation,
            kernel,
            ..
        } => format!(
            "`{}`: Dense<{units}, {}, kernel_initializer = {}>",
            layer.field, activation.name, kernel.spec.name
        ),
        LayerModelKind::Flatten { rows, cols } => {
            format!("`{}`: Flatten[{rows}, {cols}]", layer.field)
        }
        _ => format!("`{}`: {}", layer.field, layer.class_name()),
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

/// Checks the archive in `bytes` against `model` and returns its weights
/// as the bytes of a safetensors file with this crate's tensor names.
pub fn to_safetensors(model: &Model, rel: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("`{rel}` is not a valid .keras (zip) archive: {e}"))?;
    let config = member(&mut zip, rel, "config.json")?;
    let h5 = member(&mut zip, rel, "model.weights.h5")?;
    let config: Value = serde_json::from_slice(&config)
        .map_err(|e| format!("config.json in `{rel}` is not valid JSON: {e}"))?;
    let ident = &model.ident;

    // The architecture, layer by layer (InputLayers give the input shape).
    let entries = config["config"]["layers"]
        .as_array()
        .ok_or_else(|| format!("config.json in `{rel}` has no `layers` list"))?;
    let mut layers = Vec::new();
    for entry in entries {
        let class = entry["class_name"].as_str().unwrap_or("?");
        if class == "InputLayer" {
            let shape: Vec<usize> = entry["config"]["batch_shape"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .skip(1)
                        .filter_map(|v| v.as_u64())
                        .map(|v| v as usize)
                        .collect()
                })
                .unwrap_or_default();
            if shape != model.input_shape {
                return Err(format!(
                    "`{rel}` takes inputs of shape {shape:?}, `{ident}` declares {:?}",
                    model.input_shape
                ));
            }
            continue;
        }
        if mlp_spec::layer(class)
            .is_none_or(|l| l.role != mlp_spec::LayerRole::Layer && class != "Flatten")
        {
            return Err(format!(
                "`{rel}` has layer `{}`, a {class}: a layer kind this library does not have",
                entry["config"]["name"].as_str().unwrap_or("?")
            ));
        }
        layers.push(entry);
    }
    if layers.len() != model.layers.len() {
        return Err(format!(
            "`{rel}` has {} layers [{}], `{ident}` declares {} [{}]",
            layers.len(),
            layers
                .iter()
                .map(|e| keras_layer(e))
                .collect::<Vec<_>>()
                .join(", "),
            model.layers.len(),
            model
                .layers
                .iter()
                .map(declared)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (i, (entry, ours)) in layers.iter().zip(&model.layers).enumerate() {
        let cfg = &entry["config"];
        let same = match &ours.kind {
            LayerModelKind::Dense {
                units,
                activation,
                kernel,
                ..
            } => {
                entry["class_name"] == "Dense"
                    && cfg["units"].as_u64() == Some(*units as u64)
                    && cfg["activation"].as_str() == Some(activation.name)
                    && cfg["use_bias"].as_bool() != Some(false)
                    && cfg["kernel_initializer"]["class_name"]
                        .as_str()
                        .is_none_or(|k| snake(k) == kernel.spec.name)
            }
            LayerModelKind::Flatten { .. } => entry["class_name"] == "Flatten",
            LayerModelKind::Dropout { rate, .. } => {
                entry["class_name"] == "Dropout"
                    && cfg["rate"]
                        .as_f64()
                        .is_none_or(|r| (r as f32 - rate).abs() < 1e-6)
            }
            LayerModelKind::BatchNormalization { epsilon, .. } => {
                entry["class_name"] == "BatchNormalization"
                    && cfg["epsilon"]
                        .as_f64()
                        .is_none_or(|e| (e as f32 - epsilon).abs() < 1e-9)
                    && cfg["center"].as_bool() != Some(false)
                    && cfg["scale"].as_bool() != Some(false)
            }
            other => {
                entry["class_name"] == ours.class_name()
                    && !matches!(other, LayerModelKind::Dense { .. })
            }
        };
        if !same {
            return Err(format!(
                "layer {i} of `{rel}` is `{}`: {}, but `{ident}` declares {}",
                cfg["name"].as_str().unwrap_or("?"),
                keras_layer(entry),
                declared(ours)
            ));
        }
    }

    // The weights, matched by kind and order.
    let file = hdf5_pure::File::from_bytes(h5)
        .map_err(|e| format!("model.weights.h5 in `{rel}` is not a readable HDF5 file: {e}"))?;
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    // Keras numbers the groups of each kind apart: `dense`, `dense_1`, ...
    let mut counters = std::collections::HashMap::new();
    for ours in &model.layers {
        let vars: Vec<(&str, Vec<usize>)> = match ours.kind {
            LayerModelKind::Dense { inputs, units, .. } => {
                vec![("kernel", vec![inputs, units]), ("bias", vec![units])]
            }
            LayerModelKind::BatchNormalization { units, .. } => {
                ["gamma", "beta", "moving_mean", "moving_variance"]
                    .iter()
                    .map(|w| (*w, vec![units]))
                    .collect()
            }
            LayerModelKind::PReLU { units, .. } => vec![("alpha", vec![units])],
            _ => continue,
        };
        let prefix = mlp_spec::layer(ours.class_name()).map_or("", |l| l.default_name);
        let k = counters.entry(prefix).or_insert(0);
        let group = if *k == 0 {
            prefix.to_string()
        } else {
            format!("{prefix}_{k}")
        };
        *k += 1;
        for (var, (what, shape)) in vars.into_iter().enumerate() {
            let path = format!("layers/{group}/vars/{var}");
            let ds = file
                .dataset(&path)
                .map_err(|e| format!("model.weights.h5 in `{rel}` has no `{path}` ({e})"))?;
            let found: Vec<usize> = ds
                .shape()
                .map_err(|e| format!("`{path}` in `{rel}`: {e}"))?
                .into_iter()
                .map(|d| d as usize)
                .collect();
            if found != shape {
                return Err(format!(
                    "`{path}` in `{rel}` has shape {found:?}, but `{}`'s {what} is {shape:?}",
                    ours.field
                ));
            }
            let data = ds
                .read_f32()
                .map_err(|e| format!("`{path}` in `{rel}`: {e}"))?;
            let bytes = data.iter().flat_map(|v| v.to_le_bytes()).collect();
            tensors.push((format!("{}/{what}", ours.field), shape, bytes));
        }
    }
    let mut views = Vec::new();
    for (name, shape, data) in &tensors {
        let view = TensorView::new(Dtype::F32, shape.clone(), data)
            .map_err(|e| format!("`{rel}`: {e}"))?;
        views.push((name.as_str(), view));
    }
    serialize(views, None).map_err(|e| format!("`{rel}`: {e}"))
}
