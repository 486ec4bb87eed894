//! Writing `.keras` archives that Keras 3 loads with
//! `keras.models.load_model`: a zip (stored, as Keras writes it) of
//! `config.json` (a chain as a Sequential model: an `InputLayer`, then the
//! network's layers; a graph as a Functional model: its `InputLayer`s,
//! layers and merges in Keras's order, each with the layers it reads, and
//! its inputs and outputs; every layer as Keras 3.15 writes it: Dense with its activation,
//! initializers, regularizers and constraints; Dropout, BatchNormalization,
//! ReLU, LeakyReLU, ELU, PReLU and Normalization with their options and
//! Keras's defaults for the rest),
//! `model.weights.h5` (HDF5 written by `hdf5-pure`, in Keras 3's layout
//! `layers/<kind>[_<k>]/vars/<i>`) and `metadata.json`. The model is saved
//! uncompiled (no optimizer), as `model.save` of an uncompiled model.

use super::matching::{keras_kind, key};
use super::{MERGES, keras_nodes, merge_class};
use crate::initializer::Initializer;
use crate::layer::LayerInfo;
use crate::model::{Form, Model, NodeKind, PortInfo};
use crate::regularizer::{Constraint, Regularizer};
use crate::{Error, Result};
use hdf5_pure::{AttrValue, FileBuilder};
use mlp_spec::keras_h5::camel;
use mlp_spec::to_snake_case;
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

/// A layer's entry in `config.json`, as Keras 3.15 writes it, for a layer
/// reading values of shape `input_shape`, from its kind's row of the shared
/// table: after its name, the entries the row fixes, its settings, a Dense
/// layer's units and activation, its weights' initializers, regularizers and
/// constraints where Keras names them, and the shape it was built for where
/// Keras writes one.
fn layer_entry(layer: &LayerInfo, input_shape: &[usize]) -> Value {
    // Every layer's class has a row (`Input`'s, empty, stands for none).
    let row = mlp_spec::layer(layer.type_name()).unwrap_or(&mlp_spec::LAYERS[0]);
    let mut config = json!({"name": layer.name, "trainable": true, "dtype": dtype()});
    for (key, text) in row.config {
        config[*key] = serde_json::from_str(text).unwrap_or_default();
    }
    // Keras's `None` (no cap) is `f32::INFINITY` here.
    for (key, v) in layer.kind.settings() {
        config[key] = v.is_finite().then(|| num(v)).into();
    }
    if let Some(activation) = layer.activation() {
        config["units"] = json!(layer.output_size());
        config["activation"] = json!(activation.name());
    }
    let options = layer.kind.options().copied().unwrap_or_default();
    for w in layer.weights().filter(|_| row.weight_config) {
        config[format!("{}_initializer", w.name)] = initializer(&w.initializer);
        if w.trainable {
            let (r, c) = options.of(w.name);
            config[format!("{}_regularizer", w.name)] = r.as_ref().map(regularizer).into();
            config[format!("{}_constraint", w.name)] = c.as_ref().map(constraint).into();
        }
    }
    let mut entry = json!({"module": "keras.layers", "class_name": layer.type_name(),
                           "config": config, "registered_name": null});
    if row.built {
        entry["build_config"] = json!({"input_shape": batch_shape(input_shape)});
    }
    entry
}

/// An `InputLayer`'s entry.
fn input_entry(name: &str, shape: &[usize]) -> Value {
    json!({
        "module": "keras.layers", "class_name": "InputLayer",
        "config": {"batch_shape": batch_shape(shape), "dtype": "float32", "sparse": false,
                   "ragged": false, "name": name, "optional": false},
        "registered_name": null
    })
}

/// A merge layer's entry (`Concatenate` along the last axis, `Add`,
/// `Average`) reading values of the shapes `input_shapes`.
fn merge_entry(class: &str, name: &str, input_shapes: &[Vec<usize>]) -> Value {
    let mut config = json!({"name": name, "trainable": true, "dtype": dtype()});
    if class == "Concatenate" {
        config["axis"] = json!(-1);
    }
    let shapes: Vec<Value> = input_shapes.iter().map(|s| batch_shape(s)).collect();
    json!({"module": "keras.layers", "class_name": class, "config": config, "registered_name": null,
           "build_config": {"input_shape": shapes}})
}

/// A Functional model's reference to the output of the layer `name`, as a
/// layer's `inbound_nodes` holds it.
fn tensor(name: &str, size: usize) -> Value {
    json!({"class_name": "__keras_tensor__",
           "config": {"shape": [null, size], "dtype": "float32", "keras_history": [name, 0, 0]}})
}

/// `config.json` of the model `M`: a Keras 3 Sequential model for a chain,
/// a Functional one for a graph (its layers in Keras's order, each with the
/// layers it reads).
pub(crate) fn keras_config<M: Model>() -> Value {
    let name = to_snake_case(M::NAME);
    match M::FORM {
        Form::Sequential => {
            let shape = crate::io::arch::input_shape::<M>(0);
            let mut layers = vec![input_entry("input_layer", &shape)];
            let mut input_shape = shape.clone();
            for layer in M::LAYERS {
                layers.push(layer_entry(layer, &input_shape));
                input_shape = vec![layer.output_size()];
            }
            json!({
                "module": "keras", "class_name": "Sequential",
                "config": {"name": name, "trainable": true, "dtype": dtype(), "layers": layers,
                           "build_input_shape": batch_shape(&shape)},
                "registered_name": null,
                "build_config": {"input_shape": batch_shape(&shape)}
            })
        }
        Form::Functional => {
            let size = |name: &str| {
                M::NODES
                    .iter()
                    .find(|n| n.name == name)
                    .map_or(0, |n| n.size)
            };
            let mut layers = Vec::new();
            for node in keras_nodes::<M>() {
                let shapes: Vec<Vec<usize>> = node.inputs.iter().map(|n| vec![size(n)]).collect();
                let mut entry = match (node.kind, merge_class(node)) {
                    (NodeKind::Layer(i), _) => layer_entry(&M::LAYERS[i], &shapes[0]),
                    (_, Some(class)) => merge_entry(class, node.name, &shapes),
                    _ => input_entry(node.name, &[node.size]),
                };
                let args: Vec<Value> = node.inputs.iter().map(|n| tensor(n, size(n))).collect();
                let args = match node.kind {
                    NodeKind::Input => None,
                    NodeKind::Layer(_) => Some(json!(args)),
                    // A merge takes its tensors as one list.
                    _ => Some(json!([args])),
                };
                entry["name"] = json!(node.name);
                entry["inbound_nodes"] = json!(
                    args.map(|args| vec![json!({"args": args, "kwargs": {}})])
                        .unwrap_or_default()
                );
                layers.push(entry);
            }
            let ports = |ports: &[PortInfo]| -> Vec<Value> {
                ports.iter().map(|p| json!([p.node, 0, 0])).collect()
            };
            json!({
                "module": "keras.src.models.functional", "class_name": "Functional",
                "config": {"name": name, "trainable": true, "layers": layers,
                           "input_layers": ports(M::INPUTS), "output_layers": ports(M::OUTPUTS)},
                "registered_name": "Functional",
                "build_config": {"input_shape": null}
            })
        }
    }
}

/// `model.weights.h5` of `model`, in Keras 3's layout: a group per layer
/// in Keras's order of the model's layers (a graph's `InputLayer`s and
/// merges too, empty, as Keras writes them), numbered per kind.
fn keras_weights_h5<M: Model>(model: &M) -> Result<Vec<u8>> {
    let fail = |message: String| Error::Data {
        source_name: format!("weights of `{}`", M::NAME),
        message,
    };
    let weights = model.get_weights();
    let mut file = FileBuilder::new();
    let mut layers = file.create_group("layers");
    // Keras numbers the groups of each kind apart: `dense`, `dense_1`, ...
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for node in keras_nodes::<M>() {
        let (kind, layer) = match (node.kind, merge_class(node)) {
            (NodeKind::Input, _) if M::FORM == Form::Sequential => continue,
            (NodeKind::Input, _) => ("input_layer", None),
            (NodeKind::Layer(i), _) => {
                let layer = &M::LAYERS[i];
                let kind = keras_kind(layer.type_name()).ok_or_else(|| {
                    fail(format!(
                        "layer `{}` is a {}, which has no Keras name",
                        layer.name,
                        layer.type_name()
                    ))
                })?;
                (kind, Some(layer))
            }
            (_, Some(class)) => {
                let stem = MERGES.iter().find(|(_, c)| *c == class).map(|(s, _)| *s);
                (stem.unwrap_or("merge"), None)
            }
            _ => continue,
        };
        let k = match counts.iter_mut().find(|(c, _)| *c == kind) {
            Some((_, n)) => {
                *n += 1;
                *n - 1
            }
            None => {
                counts.push((kind, 1));
                0
            }
        };
        let mut group = layers.create_group(&key(kind, k));
        let mut vars = group.create_group("vars");
        vars.set_attr("name", AttrValue::VarLenString(node.name.to_string()));
        let variables = layer
            .into_iter()
            .flat_map(|l| l.weights().map(move |w| (l, w)));
        for (i, (layer, w)) in variables.enumerate() {
            let name = format!("{}/{}", layer.name, w.name);
            let array = weights
                .iter()
                .find(|a| a.name == name)
                .ok_or_else(|| fail(format!("no weights for `{name}`")))?;
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
    vars.set_attr("name", AttrValue::VarLenString(to_snake_case(M::NAME)));
    file.add_group(vars.finish());
    file.finish()
        .map_err(|e| fail(format!("cannot write HDF5: {e}")))
}

/// The bytes of a `.keras` archive of `model`.
pub(crate) fn encode_keras<M: Model>(model: &M) -> Result<Vec<u8>> {
    let fail = |message: String| Error::Data {
        source_name: format!("`.keras` archive of `{}`", M::NAME),
        message,
    };
    let config = serde_json::to_vec(&keras_config::<M>()).map_err(|e| fail(e.to_string()))?;
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
    use super::super::archive::KerasArchive;
    use super::super::check::check_architecture;
    use super::super::config::parse_config;
    use super::super::decode_keras;
    use super::*;
    use crate::prelude::*;
    use mlp_spec::keras_h5::read_layers;

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
    fn every_row_fixes_json_values() {
        for row in mlp_spec::LAYERS {
            for (key, text) in row.config {
                let value = serde_json::from_str::<Value>(text);
                assert!(value.is_ok(), "{} {key}: {text}", row.name);
            }
        }
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
        let layers = read_layers(&archive.weights_h5, &[]).unwrap();
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

    network! {
        /// Every merge, two inputs, two outputs, layers of several kinds.
        struct Merges {
            a = Input[4];
            b = Input[3];
            wide = Dense<4, relu>(b);
            sum = Add(a, wide);
            mean = Average(a, wide);
            joined = Concatenate(sum, mean, b);
            norm = BatchNormalization(joined);
            output y = Dense<3, softmax>(norm);
            output z = Dense<1, name = aux>(mean);
        }
    }

    #[test]
    fn a_graph_is_written_as_a_functional_model() {
        let config = keras_config::<Merges>();
        assert_eq!(config["class_name"], "Functional");
        assert_eq!(
            config["config"]["input_layers"],
            json!([["a", 0, 0], ["b", 0, 0]])
        );
        assert_eq!(
            config["config"]["output_layers"],
            json!([["y", 0, 0], ["aux", 0, 0]])
        );
        let layers = config["config"]["layers"].as_array().unwrap();
        let row = |l: &Value| {
            let reads: Vec<&str> = l["inbound_nodes"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|n| {
                    let args = &n["args"];
                    let tensors = if args[0].is_array() { &args[0] } else { args };
                    tensors.as_array().unwrap().iter()
                })
                .map(|t| t["config"]["keras_history"][0].as_str().unwrap())
                .collect();
            format!(
                "{} {} {reads:?}",
                l["class_name"].as_str().unwrap(),
                l["name"].as_str().unwrap()
            )
        };
        let rows: Vec<String> = layers.iter().map(row).collect();
        // Keras's `map_graph` order (by depth, then a walk from the outputs).
        assert_eq!(
            rows,
            [
                r#"InputLayer b []"#,
                r#"InputLayer a []"#,
                r#"Dense dense ["b"]"#,
                r#"Add add ["a", "dense"]"#,
                r#"Average average ["a", "dense"]"#,
                r#"Concatenate concatenate ["add", "average", "b"]"#,
                r#"BatchNormalization batch_normalization ["concatenate"]"#,
                r#"Dense y ["batch_normalization"]"#,
                r#"Dense aux ["average"]"#,
            ]
        );
        let concat = &layers[5];
        assert_eq!(concat["config"]["axis"], json!(-1));
        assert_eq!(
            concat["build_config"]["input_shape"],
            json!([[null, 4], [null, 4], [null, 3]])
        );
        assert_eq!(layers[6]["build_config"]["input_shape"], json!([null, 11]));
        // What is written is the declaration, read back: layers and wiring.
        let model = parse_config(&config.to_string(), "m").unwrap();
        assert_eq!(model.input_names, ["b", "a"]);
        assert_eq!(model.outputs, ["y", "aux"]);
        check_architecture::<Merges>(&model, "m").unwrap();
    }

    #[test]
    fn a_written_graph_reads_back_to_the_same_weights_and_predictions() {
        let mut model = Merges::new(5);
        // Moving statistics other than the initial ones.
        let mut arrays = model.get_weights();
        for a in arrays.iter_mut().filter(|a| a.name.contains("moving")) {
            for (j, v) in a.data.iter_mut().enumerate() {
                *v = 0.5 + j as f32 * 0.1;
            }
        }
        model.set_weights(&arrays).unwrap();
        let bytes = encode_keras(&*model).unwrap();
        let archive = KerasArchive::from_bytes(&bytes, "m.keras").unwrap();
        let groups = read_layers(&archive.weights_h5, &[]).unwrap();
        let keys: Vec<(&str, Option<&str>)> = groups
            .iter()
            .map(|l| (l.key.as_str(), l.name.as_deref()))
            .collect();
        assert_eq!(
            keys,
            [
                ("add", Some("add")),
                ("average", Some("average")),
                ("batch_normalization", Some("batch_normalization")),
                ("concatenate", Some("concatenate")),
                ("dense", Some("dense")),
                ("dense_1", Some("y")),
                ("dense_2", Some("aux")),
                ("input_layer", Some("b")),
                ("input_layer_1", Some("a")),
            ]
        );
        let mut back = Merges::new_zeroed();
        back.load_keras_bytes(&bytes).unwrap();
        assert_eq!(back.params(), model.params());
        let mut weights_only = Merges::new_zeroed();
        weights_only
            .load_keras_weights_bytes(&archive.weights_h5)
            .unwrap();
        assert_eq!(weights_only.params(), model.params());
        for i in 0..5 {
            let x = MergesInputs {
                a: SVector::from_fn(|j, _| (i as f32 - 2.0) * 0.3 + j as f32 * 0.1),
                b: SVector::from_fn(|j, _| 0.2 - j as f32 * (i as f32) * 0.05),
            };
            assert_eq!(back.predict_one(&x), model.predict_one(&x));
        }
    }
}
