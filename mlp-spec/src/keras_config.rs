//! A Keras 3 `config.json` (the architecture in a `.keras` archive) read
//! once for the two readers of Keras files, the runtime's `load_keras`
//! (`mlp-core`) and the compile-time `#[weights("model.keras")]` bake
//! (`mlp-macros`): reduced to what a declaration here says (each layer's
//! kind, units, activation, initializers, the kind's numeric options and the
//! options this library lacks, input shapes, and in a Functional model which
//! layer reads which). Behind the `keras` feature.
//!
//! ```
//! use mlp_spec::keras_config::parse_config;
//!
//! let model = parse_config(r#"{"class_name": "Sequential", "config": {"name": "sequential", "layers": [
//!     {"class_name": "InputLayer", "config": {"name": "input_layer", "batch_shape": [null, 8]}},
//!     {"class_name": "Dense", "config": {"name": "dense", "units": 30, "activation": "relu"}}]}}"#)?;
//! assert_eq!(model.inputs, [vec![8]]);
//! assert_eq!(model.layers[0].describe(), "Dense(30, activation=\"relu\")");
//! assert!(parse_config("[]").is_err());
//! # Ok::<(), String>(())
//! ```

use serde_json::Value;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

/// At most this many layers in a `config.json` (and groups under `layers/`
/// in a weights file): far more than any network declared here, few enough
/// that reading them stays small.
pub const MAX_LAYERS: usize = 4096;

/// At most this many bytes of `config.json` (a Keras model of 4,096 Dense
/// layers writes about 4 MB): its JSON tree is built in memory, about 15
/// times the text.
pub const MAX_CONFIG_BYTES: usize = 4 << 20;

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
    /// A PReLU's `alpha_initializer` class name (`Constant`), if any.
    pub alpha_initializer: Option<String>,
    /// The input shape without the batch axis, from `build_config` or an
    /// `InputLayer`'s `batch_shape`.
    pub input_shape: Option<Vec<usize>>,
    /// The kind's numeric options as the file gives them, named and ordered
    /// as in the shared layer table (`mlp_spec::LAYERS`): Dropout's `rate`,
    /// BatchNormalization's `momentum` and `epsilon`, ReLU's `max_value`,
    /// `negative_slope` and `threshold`, LeakyReLU's `negative_slope`, ELU's
    /// `alpha`. `None` is Keras's `None` (a ReLU without `max_value`); an
    /// option the file leaves out has Keras's default.
    pub settings: Vec<(&'static str, Option<f64>)>,
    /// Options set in the file that this library does not have, each as
    /// Keras writes it with what this library does instead
    /// (`center=False (...)`): a layer with any is refused.
    pub unsupported: Vec<String>,
    /// The names of the layers it reads, in order (a Functional model's
    /// `inbound_nodes`; empty in a Sequential model).
    pub inbound: Vec<String>,
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
                Some(shape) => format!("Flatten() of {}", crate::arch::shape(shape)),
                None => "Flatten()".to_string(),
            },
            (class, _, _) => {
                let mut options: Vec<String> = self
                    .settings
                    .iter()
                    .map(|(name, value)| {
                        format!("{name}={}", crate::keras_options::python_number(*value))
                    })
                    .collect();
                options.extend(
                    self.unsupported
                        .iter()
                        .map(|u| u.split(" (").next().unwrap_or(u).to_string()),
                );
                format!("{class}({})", options.join(", "))
            }
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
    /// The names of the `InputLayer`s, in the order of `inputs` (none for a
    /// Sequential model built without one).
    pub input_names: Vec<String>,
    /// Names of the model's outputs (Functional models), in order.
    pub outputs: Vec<String>,
    /// The layers that are not `InputLayer`, in the model's order.
    pub layers: Vec<KerasLayer>,
}

fn dims(value: &Value) -> Option<Vec<usize>> {
    // [null, 28, 28]: drop the batch axis.
    let list = value.as_array()?;
    list.iter()
        .skip(1)
        .map(|d| d.as_u64().map(|d| d as usize))
        .collect()
}

/// Parses `config.json`: a message naming the problem if it cannot.
pub fn parse_config(text: &str) -> Result<KerasModel, String> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(format!(
            "config.json has {} bytes, more than the {MAX_CONFIG_BYTES} this library reads",
            text.len()
        ));
    }
    let doc: Value =
        serde_json::from_str(text).map_err(|e| format!("config.json is not valid JSON: {e}"))?;
    let class_name = doc["class_name"]
        .as_str()
        .ok_or_else(|| String::from("config.json has no `class_name`"))?
        .to_string();
    let config = &doc["config"];
    let name = config["name"].as_str().unwrap_or("").to_string();
    let list = config["layers"].as_array().ok_or_else(|| {
        format!(
            "config.json: the {class_name} model `{name}` has no `layers` list; only Sequential \
             and Functional models are read"
        )
    })?;
    if list.len() > MAX_LAYERS {
        return Err(format!(
            "config.json: the {class_name} model `{name}` declares {} layers, more than the \
             {MAX_LAYERS} this library reads",
            list.len()
        ));
    }
    let mut inputs = Vec::new();
    let mut input_names = Vec::new();
    let mut layers = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let layer_class = entry["class_name"]
            .as_str()
            .ok_or_else(|| format!("config.json: layer {i} has no `class_name`"))?;
        let cfg = &entry["config"];
        let layer_name = cfg["name"].as_str().unwrap_or("").to_string();
        if layer_class == "InputLayer" {
            let shape = dims(&cfg["batch_shape"]).ok_or_else(|| {
                format!("config.json: InputLayer `{layer_name}` has no usable `batch_shape`")
            })?;
            inputs.push(shape);
            input_names.push(layer_name);
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
            alpha_initializer: initializer("alpha_initializer"),
            input_shape: dims(&entry["build_config"]["input_shape"]),
            settings: crate::keras_options::settings(layer_class, cfg),
            unsupported: crate::keras_options::unsupported(layer_class, cfg),
            inbound: inbound(&entry["inbound_nodes"]),
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
        input_names,
        outputs,
        layers,
    })
}

/// The names of the layers a Functional model's layer reads: the
/// `keras_history` of every `__keras_tensor__` in its `inbound_nodes`
/// (a merge's tensors come as one list), in order.
fn inbound(nodes: &Value) -> Vec<String> {
    fn walk(value: &Value, names: &mut Vec<String>) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            Value::Object(_) if value["class_name"] == "__keras_tensor__" => {
                if let Some(name) = value["config"]["keras_history"][0].as_str() {
                    names.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    let mut names = Vec::new();
    if let Some(nodes) = nodes.as_array() {
        for node in nodes {
            walk(&node["args"], &mut names);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        for text in [
            "",
            "{",
            "[]",
            "{\"class_name\": 3}",
            "{\"class_name\": \"Sequential\"}",
        ] {
            assert!(parse_config(text).is_err(), "{text}");
        }
    }
}
