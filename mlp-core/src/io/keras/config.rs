//! `config.json` of a `.keras` archive: the architecture Keras saved,
//! reduced to what a network here declares (layer kind, units, activation,
//! input shape), and checked against a network's [`LayerInfo`] table.

use crate::layer::{LayerInfo, LayerKind};
use crate::network::Network;
use crate::{Error, Result};
use serde_json::Value;

/// One layer of a Keras model's configuration, as far as this library reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct KerasLayer {
    /// Keras's class name: `Dense`, `Flatten`, `BatchNormalization`, ...
    pub class_name: String,
    /// The layer's name in Keras (`dense_7`).
    pub name: String,
    /// `units` of a Dense layer.
    pub units: Option<usize>,
    /// `activation` of a Dense layer (`"relu"`; a custom one as its class name).
    pub activation: Option<String>,
    /// `use_bias` of a Dense layer.
    pub use_bias: Option<bool>,
    /// The kernel initializer's class name (`GlorotUniform`), if any.
    pub kernel_initializer: Option<String>,
    /// The input shape without the batch axis, from `build_config` or an
    /// `InputLayer`'s `batch_shape`.
    pub input_shape: Option<Vec<usize>>,
}

impl KerasLayer {
    /// How Keras would show the layer: `Dense(300, activation="relu")`.
    pub fn describe(&self) -> String {
        match (self.class_name.as_str(), self.units, &self.activation) {
            ("Dense", Some(units), Some(activation)) => {
                let bias = if self.use_bias == Some(false) {
                    ", use_bias=False"
                } else {
                    ""
                };
                format!("Dense({units}, activation=\"{activation}\"{bias})")
            }
            ("Flatten", _, _) => match &self.input_shape {
                Some(shape) => format!("Flatten() of {}", shape_text(shape)),
                None => "Flatten()".to_string(),
            },
            (class, _, _) => format!("{class}()"),
        }
    }
}

/// A Keras model's configuration: its class (`Sequential`, `Functional`),
/// name, input shapes and layers (without the `InputLayer`s).
#[derive(Clone, Debug, PartialEq)]
pub struct KerasModel {
    /// `Sequential` or `Functional` (or another model class, refused).
    pub class_name: String,
    /// The model's name (`sequential_2`).
    pub name: String,
    /// One shape per model input (without the batch axis), when known.
    pub inputs: Vec<Vec<usize>>,
    /// Names of the model's outputs (Functional models), in order.
    pub outputs: Vec<String>,
    /// The layers that are not `InputLayer`, in the model's order.
    pub layers: Vec<KerasLayer>,
}

/// Keras's own spelling of a shape: `(28, 28)`, `(8,)`.
pub(crate) fn shape_text(dims: &[usize]) -> String {
    crate::error::shape(dims)
}

fn dims(value: &Value) -> Option<Vec<usize>> {
    // [null, 28, 28]: drop the batch axis.
    let list = value.as_array()?;
    list.iter()
        .skip(1)
        .map(|d| d.as_u64().map(|d| d as usize))
        .collect()
}

/// Parses `config.json` (`source_name` names it in errors).
pub fn parse_config(text: &str, source_name: &str) -> Result<KerasModel> {
    let err = |message: String| Error::Data {
        source_name: source_name.to_string(),
        message,
    };
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| err(format!("config.json is not valid JSON: {e}")))?;
    let class_name = doc["class_name"]
        .as_str()
        .ok_or_else(|| err("config.json has no `class_name`".into()))?
        .to_string();
    let config = &doc["config"];
    let name = config["name"].as_str().unwrap_or("").to_string();
    let list = config["layers"].as_array().ok_or_else(|| {
        err(format!(
            "config.json: the {class_name} model `{name}` has no `layers` list; only Sequential \
             and Functional models are read"
        ))
    })?;
    let mut inputs = Vec::new();
    let mut layers = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let layer_class = entry["class_name"]
            .as_str()
            .ok_or_else(|| err(format!("config.json: layer {i} has no `class_name`")))?;
        let cfg = &entry["config"];
        let layer_name = cfg["name"].as_str().unwrap_or("").to_string();
        if layer_class == "InputLayer" {
            let shape = dims(&cfg["batch_shape"]).ok_or_else(|| {
                err(format!(
                    "config.json: InputLayer `{layer_name}` has no usable `batch_shape`"
                ))
            })?;
            inputs.push(shape);
            continue;
        }
        let initializer = |key: &str| {
            let v = &cfg[key];
            v["class_name"]
                .as_str()
                .or_else(|| v.as_str())
                .map(str::to_string)
        };
        let activation = match &cfg["activation"] {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(
                other["class_name"]
                    .as_str()
                    .or_else(|| other["config"]["name"].as_str())
                    .unwrap_or("<custom>")
                    .to_string(),
            ),
        };
        layers.push(KerasLayer {
            class_name: layer_class.to_string(),
            name: layer_name,
            units: cfg["units"].as_u64().map(|u| u as usize),
            activation,
            use_bias: cfg["use_bias"].as_bool(),
            kernel_initializer: initializer("kernel_initializer"),
            input_shape: dims(&entry["build_config"]["input_shape"]),
        });
    }
    if inputs.is_empty() {
        // A Sequential model built without an InputLayer: its first layer's build shape.
        if let Some(shape) = dims(&config["build_input_shape"])
            .or_else(|| layers.first().and_then(|l| l.input_shape.clone()))
        {
            inputs.push(shape);
        }
    }
    let outputs = config["output_layers"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|o| o[0].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Ok(KerasModel {
        class_name,
        name,
        inputs,
        outputs,
        layers,
    })
}

/// How a layer of the network is declared: `dense_1: Dense<300, relu>`.
pub(crate) fn declared(layer: &LayerInfo) -> String {
    match layer.kind {
        LayerKind::Dense {
            units, activation, ..
        } => format!("`{}`: Dense<{units}, {}>", layer.name, activation.name()),
        LayerKind::Flatten { rows, cols } => format!("`{}`: Flatten[{rows}, {cols}]", layer.name),
        #[allow(unreachable_patterns)]
        _ => format!("`{}`: {}", layer.name, layer.type_name()),
    }
}

/// Layer kinds this library has, by Keras class name.
pub(crate) const KNOWN_KINDS: [&str; 2] = ["Dense", "Flatten"];

/// Checks `model` against the network `N`: model class, one input of `N`'s
/// shape, one output, every layer a kind this library has, and each layer's
/// kind, units, activation and bias as `N` declares them, in order.
pub fn check_architecture<N: Network>(model: &KerasModel, source_name: &str) -> Result<()> {
    let err = |message: String| Error::Data {
        source_name: source_name.to_string(),
        message,
    };
    let unsupported: Vec<String> = model
        .layers
        .iter()
        .filter(|l| !KNOWN_KINDS.contains(&l.class_name.as_str()))
        .map(|l| format!("`{}` is a {}", l.name, l.class_name))
        .collect();
    if !unsupported.is_empty() {
        let mut kinds: Vec<&str> = model
            .layers
            .iter()
            .map(|l| l.class_name.as_str())
            .filter(|c| !KNOWN_KINDS.contains(c))
            .collect();
        kinds.dedup();
        return Err(err(format!(
            "the Keras model `{}` has layers of a kind this library does not have ({}): {}",
            model.name,
            kinds.join(", "),
            unsupported.join(", ")
        )));
    }
    if !matches!(model.class_name.as_str(), "Sequential" | "Functional") {
        return Err(err(format!(
            "the Keras model `{}` is a {}; only Sequential and Functional models are read",
            model.name, model.class_name
        )));
    }
    if model.inputs.len() > 1 {
        return Err(err(format!(
            "the Keras model `{}` has {} inputs; a network here has one",
            model.name,
            model.inputs.len()
        )));
    }
    if model.outputs.len() > 1 {
        return Err(err(format!(
            "the Keras model `{}` has {} outputs ({}); a network here has one",
            model.name,
            model.outputs.len(),
            model.outputs.join(", ")
        )));
    }
    if let Some(shape) = model.inputs.first()
        && shape.as_slice() != N::INPUT_SHAPE
    {
        return Err(err(format!(
            "the Keras model `{}` takes inputs of shape {}, the network `{}` of shape {}",
            model.name,
            shape_text(shape),
            N::NAME,
            shape_text(N::INPUT_SHAPE)
        )));
    }
    if model.layers.len() != N::LAYERS.len() {
        let theirs: Vec<String> = model.layers.iter().map(KerasLayer::describe).collect();
        let ours: Vec<String> = N::LAYERS.iter().map(declared).collect();
        return Err(err(format!(
            "the Keras model `{}` has {} layers [{}], the network `{}` declares {} [{}]",
            model.name,
            model.layers.len(),
            theirs.join(", "),
            N::NAME,
            N::LAYERS.len(),
            ours.join(", ")
        )));
    }
    for (i, (keras, ours)) in model.layers.iter().zip(N::LAYERS).enumerate() {
        let same = match ours.kind {
            LayerKind::Dense {
                units, activation, ..
            } => {
                keras.class_name == "Dense"
                    && keras.units == Some(units)
                    && keras.activation.as_deref() == Some(activation.name())
                    && keras.use_bias != Some(false)
            }
            LayerKind::Flatten { rows, cols } => {
                keras.class_name == "Flatten"
                    && keras
                        .input_shape
                        .as_ref()
                        .is_none_or(|s| s.iter().product::<usize>() == rows * cols)
            }
            #[allow(unreachable_patterns)]
            _ => false,
        };
        if !same {
            return Err(err(format!(
                "layer {i}: the Keras model has `{}`: {}, the network `{}` declares {}",
                keras.name,
                keras.describe(),
                N::NAME,
                declared(ours)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    network! { struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> } }

    fn config(layers: &str) -> String {
        format!(
            r#"{{"class_name": "Sequential", "config": {{"name": "sequential", "layers": [
            {{"class_name": "InputLayer", "config": {{"batch_shape": [null, 8], "name": "input_layer"}}}}, {layers}]}}}}"#
        )
    }

    fn dense(name: &str, units: usize, activation: &str) -> String {
        format!(
            r#"{{"class_name": "Dense", "config": {{"name": "{name}", "units": {units}, "activation": "{activation}", "use_bias": true,
            "kernel_initializer": {{"class_name": "GlorotUniform", "config": {{}}}}}}}}"#
        )
    }

    #[test]
    fn the_same_architecture_passes() {
        let text = config(&format!(
            "{}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 1, "linear")
        ));
        let model = parse_config(&text, "m.keras").unwrap();
        assert_eq!(model.inputs, [vec![8]]);
        assert_eq!(
            model.layers[0].kernel_initializer.as_deref(),
            Some("GlorotUniform")
        );
        check_architecture::<Housing>(&model, "m.keras").unwrap();
    }

    #[test]
    fn a_different_layer_is_named_with_both_descriptions() {
        let text = config(&format!(
            "{}, {}",
            dense("dense", 30, "tanh"),
            dense("dense_1", 1, "linear")
        ));
        let model = parse_config(&text, "m.keras").unwrap();
        let err = check_architecture::<Housing>(&model, "m.keras").unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.keras: layer 0: the Keras model has `dense`: Dense(30, activation=\"tanh\"), \
             the network `Housing` declares `dense`: Dense<30, relu>"
        );
        let text = config(&format!(
            "{}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 2, "linear")
        ));
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m.keras").unwrap(), "m.keras")
                .unwrap_err();
        assert!(
            err.to_string().contains("Dense(2, activation=\"linear\")"),
            "{err}"
        );
        assert!(
            err.to_string().contains("`dense_1`: Dense<1, linear>"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_kind_is_refused_by_name() {
        let bn =
            r#"{"class_name": "BatchNormalization", "config": {"name": "batch_normalization"}}"#;
        let text = config(&format!(
            "{bn}, {}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 1, "linear")
        ));
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m.keras").unwrap(), "m.keras")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.keras: the Keras model `sequential` has layers of a kind this library does not have \
             (BatchNormalization): `batch_normalization` is a BatchNormalization"
        );
    }

    #[test]
    fn wrong_input_shape_and_layer_count() {
        let text = config(&dense("dense", 30, "relu"));
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m").unwrap(), "m").unwrap_err();
        assert_eq!(
            err.to_string(),
            "m: the Keras model `sequential` has 1 layers [Dense(30, activation=\"relu\")], the \
             network `Housing` declares 2 [`dense`: Dense<30, relu>, `dense_1`: Dense<1, linear>]"
        );
        let text = config(&format!(
            "{}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 1, "linear")
        ))
        .replace("[null, 8]", "[null, 9]");
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m").unwrap(), "m").unwrap_err();
        assert!(
            err.to_string()
                .contains("shape (9,), the network `Housing` of shape (8,)"),
            "{err}"
        );
    }

    #[test]
    fn garbage_is_an_error() {
        for text in [
            "",
            "{",
            "[]",
            "{\"class_name\": 3}",
            "{\"class_name\": \"Sequential\"}",
        ] {
            assert!(parse_config(text, "m").is_err(), "{text}");
        }
    }
}
