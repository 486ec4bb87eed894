//! Writing `.keras` archives that Keras 3 loads with
//! `keras.models.load_model`: a zip (stored, as Keras writes it) of
//! `config.json` (a Sequential model: an `InputLayer`, then the network's
//! layers as Keras 3.15 writes them: Dense with its activation,
//! initializers, regularizers and constraints; Dropout, BatchNormalization,
//! ReLU, LeakyReLU, ELU, PReLU and Normalization with their options and
//! Keras's defaults for the rest),
//! `model.weights.h5` (HDF5 written by `hdf5-pure`, in Keras 3's layout
//! `layers/<kind>[_<k>]/vars/<i>`) and `metadata.json`. The model is saved
//! uncompiled (no optimizer), as `model.save` of an uncompiled model.

use crate::initializer::Initializer;
use crate::layer::LayerKind;
use crate::network::Network;
use crate::regularizer::{Constraint, Regularizer};
use crate::{Error, Result};
use hdf5_pure::{AttrValue, FileBuilder};
use serde_json::{Value, json};
use std::io::Write;

/// The Keras version whose file layout is written (and that the check
/// script loads it with).
pub const KERAS_FORMAT_VERSION: &str = "3.15.1";

/// An `f32` as JSON by its shortest decimal spelling (`0.2`, not
/// `0.20000000298023224`), as Keras writes the Python float it was given.
fn num(v: f32) -> Value {
    let shortest: f64 = v.to_string().parse().unwrap_or(f64::from(v));
    json!(shortest)
}

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
        Initializer::Constant { value } => json!({"value": num(value)}),
        Initializer::RandomNormal { mean, stddev }
        | Initializer::TruncatedNormal { mean, stddev } => {
            json!({"mean": num(mean), "stddev": num(stddev), "seed": null})
        }
        Initializer::RandomUniform { minval, maxval } => {
            json!({"minval": num(minval), "maxval": num(maxval), "seed": null})
        }
        Initializer::Zeros | Initializer::Ones => json!({}),
        _ => json!({"seed": null}),
    };
    json!({"module": "keras.initializers", "class_name": camel(init.name()), "config": config, "registered_name": null})
}

/// A regularizer as Keras serializes it: `{"class_name": "L2", "config": {"l2": 0.01}, ...}`.
fn regularizer(r: &Regularizer) -> Value {
    let (class, config) = match *r {
        Regularizer::L1 { l1 } => ("L1", json!({"l1": num(l1)})),
        Regularizer::L2 { l2 } => ("L2", json!({"l2": num(l2)})),
        Regularizer::L1L2 { l1, l2 } => ("L1L2", json!({"l1": num(l1), "l2": num(l2)})),
        #[allow(unreachable_patterns)]
        _ => (r.name(), json!({})),
    };
    json!({"module": "keras.regularizers", "class_name": class, "config": config, "registered_name": null})
}

/// A constraint as Keras serializes it: `{"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}, ...}`.
fn constraint(c: &Constraint) -> Value {
    let (class, config) = match *c {
        Constraint::MaxNorm { max_value } => {
            ("MaxNorm", json!({"max_value": num(max_value), "axis": 0}))
        }
        Constraint::NonNeg => ("NonNeg", json!({})),
        #[allow(unreachable_patterns)]
        _ => (c.name(), json!({})),
    };
    json!({"module": "keras.constraints", "class_name": class, "config": config, "registered_name": null})
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
                options,
                ..
            } => json!({
                "module": "keras.layers", "class_name": "Dense",
                "config": {"name": layer.name, "trainable": true, "dtype": dtype(), "units": units,
                           "activation": activation.name(), "use_bias": true,
                           "kernel_initializer": initializer(&kernel_initializer),
                           "bias_initializer": initializer(&bias_initializer),
                           "kernel_regularizer": options.kernel_regularizer.as_ref().map(regularizer),
                           "bias_regularizer": options.bias_regularizer.as_ref().map(regularizer),
                           "kernel_constraint": options.kernel_constraint.as_ref().map(constraint),
                           "bias_constraint": options.bias_constraint.as_ref().map(constraint),
                           "quantization_config": null},
                "registered_name": null,
                "build_config": {"input_shape": batch_shape(&input_shape)}
            }),
            LayerKind::Dropout { rate, .. } => json!({
                "module": "keras.layers", "class_name": "Dropout",
                "config": {"name": layer.name, "trainable": true, "dtype": dtype(), "rate": num(rate),
                           "seed": null, "noise_shape": null},
                "registered_name": null
            }),
            LayerKind::BatchNormalization {
                momentum, epsilon, ..
            } => json!({
                "module": "keras.layers", "class_name": "BatchNormalization",
                "config": {"name": layer.name, "trainable": true, "dtype": dtype(), "axis": -1,
                           "momentum": num(momentum), "epsilon": num(epsilon), "center": true, "scale": true,
                           "beta_initializer": initializer(&Initializer::Zeros),
                           "gamma_initializer": initializer(&Initializer::Ones),
                           "moving_mean_initializer": initializer(&Initializer::Zeros),
                           "moving_variance_initializer": initializer(&Initializer::Ones),
                           "beta_regularizer": null, "gamma_regularizer": null,
                           "beta_constraint": null, "gamma_constraint": null,
                           "synchronized": false, "renorm": false, "renorm_clipping": null,
                           "renorm_momentum": 0.99},
                "registered_name": null,
                "build_config": {"input_shape": batch_shape(&input_shape)}
            }),
            LayerKind::Activation { function, .. } => {
                let mut config = json!({"name": layer.name, "trainable": true, "dtype": dtype()});
                for (name, value) in super::config::settings_of(&layer.kind) {
                    // Keras's `None` (no cap) is `f32::INFINITY` here.
                    let value = if value.is_finite() {
                        num(value)
                    } else {
                        Value::Null
                    };
                    config[name] = value;
                }
                json!({"module": "keras.layers", "class_name": function.type_name(), "config": config,
                       "registered_name": null})
            }
            LayerKind::PReLU {
                alpha_initializer, ..
            } => json!({
                "module": "keras.layers", "class_name": "PReLU",
                "config": {"name": layer.name, "trainable": true, "dtype": dtype(),
                           "alpha_initializer": initializer(&alpha_initializer),
                           "alpha_regularizer": null, "alpha_constraint": null, "shared_axes": null},
                "registered_name": null,
                "build_config": {"input_shape": batch_shape(&input_shape)}
            }),
            LayerKind::Normalization { .. } => json!({
                "module": "keras.layers", "class_name": "Normalization",
                "config": {"name": layer.name, "trainable": true, "dtype": dtype(), "axis": [-1],
                           "invert": false, "mean": null, "variance": null},
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
    // Keras numbers the groups of each kind apart: `dense`, `dense_1`, ...
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for layer in N::LAYERS {
        let kind = super::matching::keras_kind(layer.type_name()).ok_or_else(|| Error::Data {
            source_name: format!("weights of `{}`", N::NAME),
            message: format!(
                "layer `{}` is a {}, which has no Keras name",
                layer.name,
                layer.type_name()
            ),
        })?;
        let key = match counts.iter_mut().find(|(c, _)| *c == kind) {
            Some((_, n)) => {
                *n += 1;
                format!("{kind}_{}", *n - 1)
            }
            None => {
                counts.push((kind, 1));
                kind.to_string()
            }
        };
        let mut group = layers.create_group(&key);
        let mut vars = group.create_group("vars");
        vars.set_attr("name", AttrValue::VarLenString(layer.name.to_string()));
        for (i, w) in layer.weights().enumerate() {
            let array = arrays.next().ok_or_else(|| Error::Data {
                source_name: format!("weights of `{}`", N::NAME),
                message: format!("no weights left for `{}/{}`", layer.name, w.name),
            })?;
            let shape: Vec<u64> = array.shape.iter().map(|&d| d as u64).collect();
            let dataset = vars.create_dataset(&i.to_string());
            if w.rank == 0 {
                // Keras's one scalar weight, Normalization's `count`, is an int64.
                let count: Vec<i64> = array.data.iter().map(|&v| v as i64).collect();
                dataset.with_i64_data(&count).with_shape(&shape);
            } else {
                dataset.with_f32_data(&array.data).with_shape(&shape);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::keras::{KerasArchive, check_architecture, decode_keras, parse_config};
    use crate::prelude::*;

    network! {
        struct Kinds {
            Input[5]
                -> Dense<6, relu, kernel_regularizer = l2(0.01), kernel_constraint = max_norm(3.0)>
                -> BatchNormalization<momentum = 0.9, epsilon = 0.01>
                -> Dropout<0.2>
                -> LeakyReLU<0.2>
                -> Dense<4, kernel_initializer = he_normal>
                -> PReLU
                -> ELU<0.5>
                -> ReLU<max_value = 6.0, negative_slope = 0.1, threshold = 0.5>
                -> BatchNormalization
                -> Dense<3, softmax>
        }
    }

    /// A `Kinds` whose every value differs (the moving variances positive).
    fn model() -> Box<Kinds> {
        let mut model = Kinds::new(3);
        let mut arrays = model.get_weights();
        for (i, a) in arrays.iter_mut().enumerate() {
            for (j, v) in a.data.iter_mut().enumerate() {
                let x = ((i * 31 + j * 17) % 23) as f32 / 23.0;
                *v = if a.name.ends_with("moving_variance") {
                    0.5 + x
                } else {
                    x - 0.5
                };
            }
        }
        model.set_weights(&arrays).unwrap();
        model
    }

    #[test]
    fn config_entries_are_keras_s() {
        let config = keras_config::<Kinds>();
        let layers = config["config"]["layers"].as_array().unwrap();
        let classes: Vec<&str> = layers
            .iter()
            .map(|l| l["class_name"].as_str().unwrap())
            .collect();
        assert_eq!(
            classes,
            [
                "InputLayer",
                "Dense",
                "BatchNormalization",
                "Dropout",
                "LeakyReLU",
                "Dense",
                "PReLU",
                "ELU",
                "ReLU",
                "BatchNormalization",
                "Dense"
            ]
        );
        let dense = &layers[1]["config"];
        assert_eq!(
            dense["kernel_regularizer"],
            json!({"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": null})
        );
        assert_eq!(
            dense["kernel_constraint"]["config"],
            json!({"max_value": 3.0, "axis": 0})
        );
        assert!(dense["bias_regularizer"].is_null());
        let bn = &layers[2]["config"];
        assert_eq!(
            (
                &bn["axis"],
                &bn["momentum"],
                &bn["epsilon"],
                &bn["center"],
                &bn["scale"]
            ),
            (
                &json!(-1),
                &json!(0.9),
                &json!(0.01),
                &json!(true),
                &json!(true)
            )
        );
        assert_eq!(bn["gamma_initializer"]["class_name"], "Ones");
        assert_eq!(bn["moving_mean_initializer"]["class_name"], "Zeros");
        assert_eq!(layers[2]["build_config"]["input_shape"], json!([null, 6]));
        assert_eq!(layers[9]["config"]["momentum"], json!(0.99));
        assert_eq!(layers[9]["config"]["epsilon"], json!(0.001));
        let dropout = &layers[3]["config"];
        assert_eq!(
            (&dropout["rate"], &dropout["seed"], &dropout["noise_shape"]),
            (&json!(0.2), &Value::Null, &Value::Null)
        );
        assert_eq!(layers[4]["config"]["negative_slope"], json!(0.2));
        let prelu = &layers[6]["config"];
        assert_eq!(prelu["alpha_initializer"]["class_name"], "Zeros");
        assert!(prelu["shared_axes"].is_null());
        assert_eq!(layers[7]["config"]["alpha"], json!(0.5));
        let relu = &layers[8]["config"];
        assert_eq!(
            (
                &relu["max_value"],
                &relu["negative_slope"],
                &relu["threshold"]
            ),
            (&json!(6.0), &json!(0.1), &json!(0.5))
        );
        // The config written is the declaration, read back.
        let text = config.to_string();
        check_architecture::<Kinds>(&parse_config(&text, "k").unwrap(), "k").unwrap();
    }

    #[test]
    fn a_relu_without_cap_writes_none() {
        network! { struct Capless { Input[2] -> ReLU -> Dense<1> } }
        let config = keras_config::<Capless>();
        let relu = &config["config"]["layers"][1]["config"];
        assert!(relu["max_value"].is_null(), "{relu}");
        assert_eq!(relu["threshold"], json!(0.0));
    }

    #[test]
    fn written_archives_read_back_to_the_same_weights_and_predictions() {
        let model = model();
        let bytes = encode_keras(&*model).unwrap();
        let archive = KerasArchive::from_bytes(&bytes, "k.keras").unwrap();
        let layers = crate::io::keras::read_layers(&archive.weights_h5, "w", &[]).unwrap();
        let keys: Vec<&str> = layers.iter().map(|l| l.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "batch_normalization",
                "batch_normalization_1",
                "dense",
                "dense_1",
                "dense_2",
                "dropout",
                "elu",
                "leaky_re_lu",
                "p_re_lu",
                "re_lu"
            ]
        );
        let arrays = decode_keras::<Kinds>(&bytes, "k.keras").unwrap();
        let mut back = Kinds::new_zeroed();
        back.set_weights(&arrays).unwrap();
        assert_eq!(back.params(), model.params());
        for i in 0..10 {
            let x = SVector::<f32, 5>::from_fn(|j, _| (i as f32 - 4.5) * 0.7 + j as f32 * 0.3);
            assert_eq!(back.predict_one(&x), model.predict_one(&x));
        }
    }
}
