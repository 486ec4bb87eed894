//! `#[weights("model.keras")]`: a Keras 3 `.keras` archive read at compile
//! time. Its `config.json`, read by the parse the runtime's `load_keras`
//! shares (`mlp_spec::keras_config`), is checked against the declaration (layer kinds,
//! units, activations, kernel initializers, the input shape): a difference
//! is a compile error naming the layer and both descriptions. Its
//! `model.weights.h5` (HDF5, read by the pure-Rust `hdf5-pure`) gives the
//! weights: the `k`-th layer of a kind takes `layers/<kind>_k/vars/<i>`
//! (`dense_1`, `batch_normalization_2`: Keras's snake-case class name,
//! counted per kind), as Keras matches them. Dropout, BatchNormalization,
//! ReLU, LeakyReLU and ELU are compared by their numeric options, PReLU by
//! its `alpha_initializer`; options this library does not have
//! (`center=False`, `shared_axes`, ...) are refused by name. The arrays are handed to the safetensors path of
//! [`crate::bake`] as an in-memory safetensors file, so both paths check
//! and generate the same way.

use crate::validate::{LayerModelKind, Model};
use mlp_spec::keras_config::{KerasLayer, parse_config};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, serialize};
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

/// The declared numeric options of a layer, in the shared table's order
/// (`f32::INFINITY` is Keras's `None`).
fn declared_settings(layer: &crate::validate::LayerModel) -> Vec<f32> {
    match &layer.kind {
        LayerModelKind::Dropout { rate, .. } => vec![*rate],
        LayerModelKind::BatchNormalization {
            momentum, epsilon, ..
        } => vec![*momentum, *epsilon],
        LayerModelKind::Activation { settings, .. } => settings.clone(),
        _ => Vec::new(),
    }
}

/// Whether the file's options are the declared ones (equal as `f32`).
fn same_settings(theirs: &[(&str, Option<f64>)], ours: &[f32]) -> bool {
    theirs.len() == ours.len()
        && theirs.iter().zip(ours).all(|((_, x), y)| match x {
            None => y.is_infinite(),
            Some(x) => {
                let x = *x as f32;
                x == *y || (y.is_finite() && (x - y).abs() <= 1e-6 * y.abs())
            }
        })
}

/// How Keras would describe a layer of the config.
fn keras_layer(layer: &KerasLayer) -> String {
    let initializer = |name: &Option<String>| name.as_deref().map_or_else(|| "?".into(), snake);
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
        LayerModelKind::PReLU { alpha, .. } => format!(
            "`{}`: PReLU<alpha_initializer = {}>",
            layer.field, alpha.spec.name
        ),
        _ => {
            let class = layer.class_name();
            let options: Vec<String> = mlp_spec::settings(class)
                .iter()
                .zip(declared_settings(layer))
                .filter(|(_, v)| v.is_finite())
                .map(|((name, _), v)| format!("{name} = {v}"))
                .collect();
            if options.is_empty() {
                format!("`{}`: {class}", layer.field)
            } else {
                format!("`{}`: {class}<{}>", layer.field, options.join(", "))
            }
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

/// Checks the archive in `bytes` against `model` and returns its weights
/// as the bytes of a safetensors file with this crate's tensor names.
pub fn to_safetensors(model: &Model, rel: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("`{rel}` is not a valid .keras (zip) archive: {e}"))?;
    let config = member(&mut zip, rel, "config.json")?;
    let h5 = member(&mut zip, rel, "model.weights.h5")?;
    let config = std::str::from_utf8(&config)
        .map_err(|e| format!("config.json in `{rel}` is not UTF-8 text: {e}"))?;
    let keras = parse_config(config).map_err(|e| format!("`{rel}`: {e}"))?;
    let ident = &model.ident;

    // The architecture, layer by layer (InputLayers give the input shape).
    for shape in &keras.inputs {
        if *shape != model.input_shape() {
            return Err(format!(
                "`{rel}` takes inputs of shape {shape:?}, `{ident}` declares {:?}",
                model.input_shape()
            ));
        }
    }
    let layers = &keras.layers;
    for layer in layers {
        let class = layer.class_name.as_str();
        if mlp_spec::layer(class)
            .is_none_or(|l| l.role != mlp_spec::LayerRole::Layer && class != "Flatten")
        {
            return Err(format!(
                "`{rel}` has layer `{}`, a {class}: a layer kind this library does not have",
                layer.name
            ));
        }
    }
    if layers.len() != model.layers.len() {
        return Err(format!(
            "`{rel}` has {} layers [{}], `{ident}` declares {} [{}]",
            layers.len(),
            layers
                .iter()
                .map(keras_layer)
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
    for (i, (layer, ours)) in layers.iter().zip(&model.layers).enumerate() {
        let (class, name) = (layer.class_name.as_str(), &layer.name);
        if !layer.unsupported.is_empty() {
            return Err(format!(
                "layer {i} of `{rel}` is `{name}`: {class}, with options this library does not have: {}",
                layer.unsupported.join(", ")
            ));
        }
        let initializer_is =
            |file: &Option<String>, ours: &str| file.as_deref().is_none_or(|k| snake(k) == ours);
        let same = match &ours.kind {
            LayerModelKind::Dense {
                units,
                activation,
                kernel,
                ..
            } => {
                class == "Dense"
                    && layer.units == Some(*units)
                    && layer.activation.as_deref() == Some(activation.name)
                    && layer.use_bias != Some(false)
                    && initializer_is(&layer.kernel_initializer, kernel.spec.name)
            }
            LayerModelKind::Flatten { .. } => class == "Flatten",
            LayerModelKind::PReLU { alpha, .. } => {
                class == "PReLU" && initializer_is(&layer.alpha_initializer, alpha.spec.name)
            }
            LayerModelKind::Dropout { .. }
            | LayerModelKind::BatchNormalization { .. }
            | LayerModelKind::Activation { .. }
            | LayerModelKind::Normalization { .. } => {
                class == ours.class_name()
                    && same_settings(&layer.settings, &declared_settings(ours))
            }
        };
        if !same {
            return Err(format!(
                "layer {i} of `{rel}` is `{name}`: {}, but `{ident}` declares {}",
                keras_layer(layer),
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
        let vars = ours.weights();
        if vars.is_empty() {
            continue;
        }
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
            let fail = |e: hdf5_pure::Error| format!("`{path}` in `{rel}`: {e}");
            // Normalization's `count` is Keras's one int64 weight.
            let data: Vec<f32> = if ds.dtype().map_err(fail)? == hdf5_pure::DType::I64 {
                ds.read_i64()
                    .map_err(fail)?
                    .into_iter()
                    .map(|v| v as f32)
                    .collect()
            } else {
                ds.read_f32().map_err(fail)?
            };
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
