//! Writing `.keras` archives that Keras 3 loads with
//! `keras.models.load_model`: a zip (stored, as Keras writes it) of
//! `config.json` (a Sequential model: an `InputLayer`, then the network's
//! Flatten and Dense layers with their activations and initializers),
//! `model.weights.h5` (HDF5 written by `hdf5-pure`, in Keras 3's layout
//! `layers/<kind>[_<k>]/vars/<i>`) and `metadata.json`. The model is saved
//! uncompiled (no optimizer), as `model.save` of an uncompiled model.

use crate::initializer::Initializer;
use crate::layer::LayerKind;
use crate::network::Network;
use crate::{Error, Result};
use hdf5_pure::{AttrValue, FileBuilder};
use serde_json::{Value, json};
use std::io::Write;

/// The Keras version whose file layout is written (and that the check
/// script loads it with).
pub const KERAS_FORMAT_VERSION: &str = "3.15.1";

fn dtype() -> Value {
    json!({"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null})
}

/// `glorot_uniform` -> `GlorotUniform`.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn initializer(init: &Initializer) -> Value {
    let config = match *init {
        Initializer::Constant { value } => json!({"value": value}),
        Initializer::RandomNormal { mean, stddev }
        | Initializer::TruncatedNormal { mean, stddev } => {
            json!({"mean": mean, "stddev": stddev, "seed": null})
        }
        Initializer::RandomUniform { minval, maxval } => {
            json!({"minval": minval, "maxval": maxval, "seed": null})
        }
        Initializer::Zeros | Initializer::Ones => json!({}),
        _ => json!({"seed": null}),
    };
    json!({"module": "keras.initializers", "class_name": camel(init.name()), "config": config, "registered_name": null})
}

fn batch_shape(dims: &[usize]) -> Value {
    let mut shape = vec![Value::Null];
    shape.extend(dims.iter().map(|&d| json!(d)));
    Value::Array(shape)
}

/// `config.json` of the network `N` as a Keras 3 Sequential model.
pub fn keras_config<N: Network>() -> Value {
    let mut layers = vec![json!({
        "module": "keras.layers", "class_name": "InputLayer",
        "config": {"batch_shape": batch_shape(N::INPUT_SHAPE), "dtype": "float32", "sparse": false,
                   "ragged": false, "name": "input_layer", "optional": false},
        "registered_name": null
    })];
    let mut input_shape: Vec<usize> = N::INPUT_SHAPE.to_vec();
    for layer in N::LAYERS {
        let entry = match layer.kind {
            LayerKind::Flatten { .. } => json!({
                "module": "keras.layers", "class_name": "Flatten",
                "config": {"name": layer.name, "trainable": true, "dtype": dtype(), "data_format": "channels_last"},
                "registered_name": null,
                "build_config": {"input_shape": batch_shape(&input_shape)}
            }),
            LayerKind::Dense {
                units,
                activation,
                kernel_initializer,
                bias_initializer,
                ..
            } => json!({
                "module": "keras.layers", "class_name": "Dense",
                "config": {"name": layer.name, "trainable": true, "dtype": dtype(), "units": units,
                           "activation": activation.name(), "use_bias": true,
                           "kernel_initializer": initializer(&kernel_initializer),
                           "bias_initializer": initializer(&bias_initializer),
                           "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null,
                           "bias_constraint": null, "quantization_config": null},
                "registered_name": null,
                "build_config": {"input_shape": batch_shape(&input_shape)}
            }),
            #[allow(unreachable_patterns)]
            _ => json!({"class_name": layer.type_name(), "config": {"name": layer.name}}),
        };
        layers.push(entry);
        input_shape = vec![layer.output_size()];
    }
    let name = snake_name(N::NAME);
    json!({
        "module": "keras", "class_name": "Sequential",
        "config": {"name": name, "trainable": true, "dtype": dtype(), "layers": layers,
                   "build_input_shape": batch_shape(N::INPUT_SHAPE)},
        "registered_name": null,
        "build_config": {"input_shape": batch_shape(N::INPUT_SHAPE)}
    })
}

/// `FashionMlp` -> `fashion_mlp` (Keras's default model names are snake case).
fn snake_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
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

/// `model.weights.h5` of `model`, in Keras 3's layout.
pub fn keras_weights_h5<N: Network>(model: &N) -> Result<Vec<u8>> {
    let fail = |e: hdf5_pure::Error| Error::Data {
        source_name: format!("weights of `{}`", N::NAME),
        message: format!("cannot write HDF5: {e}"),
    };
    let weights = model.get_weights();
    let mut arrays = weights.iter();
    let mut file = FileBuilder::new();
    let mut layers = file.create_group("layers");
    let (mut dense, mut flatten) = (0usize, 0usize);
    for layer in N::LAYERS {
        let (kind, count) = match layer.kind {
            LayerKind::Flatten { .. } => ("flatten", &mut flatten),
            _ => ("dense", &mut dense),
        };
        let key = if *count == 0 {
            kind.to_string()
        } else {
            format!("{kind}_{count}")
        };
        *count += 1;
        let mut group = layers.create_group(&key);
        let mut vars = group.create_group("vars");
        vars.set_attr("name", AttrValue::VarLenString(layer.name.to_string()));
        if layer.params() > 0 {
            for i in 0..2 {
                let array = arrays.next().ok_or_else(|| Error::Data {
                    source_name: format!("weights of `{}`", N::NAME),
                    message: format!("no weights left for layer `{}`", layer.name),
                })?;
                let shape: Vec<u64> = array.shape.iter().map(|&d| d as u64).collect();
                vars.create_dataset(&i.to_string())
                    .with_f32_data(&array.data)
                    .with_shape(&shape);
            }
        }
        group.add_group(vars.finish());
        layers.add_group(group.finish());
    }
    file.add_group(layers.finish());
    let mut vars = file.create_group("vars");
    vars.set_attr("name", AttrValue::VarLenString(snake_name(N::NAME)));
    file.add_group(vars.finish());
    file.finish().map_err(fail)
}

/// The bytes of a `.keras` archive of `model`.
pub fn encode_keras<N: Network>(model: &N) -> Result<Vec<u8>> {
    let fail = |message: String| Error::Data {
        source_name: format!("`.keras` archive of `{}`", N::NAME),
        message,
    };
    let config = serde_json::to_vec(&keras_config::<N>()).map_err(|e| fail(e.to_string()))?;
    let metadata = serde_json::to_vec(&json!({
        "keras_version": KERAS_FORMAT_VERSION,
        "written_by": concat!("mlp ", env!("CARGO_PKG_VERSION")),
    }))
    .map_err(|e| fail(e.to_string()))?;
    let weights = keras_weights_h5(model)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in [
        ("metadata.json", &metadata),
        ("config.json", &config),
        ("model.weights.h5", &weights),
    ] {
        zip.start_file(name, options)
            .map_err(|e| fail(format!("{name}: {e}")))?;
        zip.write_all(data)
            .map_err(|e| fail(format!("{name}: {e}")))?;
    }
    let cursor = zip.finish().map_err(|e| fail(e.to_string()))?;
    Ok(cursor.into_inner())
}
