//! `config.json` of a `.keras` archive: the architecture Keras saved,
//! reduced to what a model here declares (layer kind, units, activation,
//! the kind's numeric options, input shapes, and in a Functional model
//! which layer reads which). `check.rs` compares it with a model.

use super::{MAX_CONFIG_BYTES, MAX_LAYERS};
use crate::Result;
use serde_json::Value;

/// One layer of a Keras model's configuration, as far as this library reads it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct KerasLayer {
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
    pub(crate) fn describe(&self) -> String {
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
            (class, _, _) => {
                let mut options: Vec<String> = self
                    .settings
                    .iter()
                    .map(|(name, value)| {
                        format!("{name}={}", mlp_spec::keras_options::python_number(*value))
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
pub(crate) struct KerasModel {
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
pub(crate) fn parse_config(text: &str, source_name: &str) -> Result<KerasModel> {
    let err = |message: String| crate::error::data(source_name, message);
    if text.len() > MAX_CONFIG_BYTES {
        return Err(err(format!(
            "config.json has {} bytes, more than the {MAX_CONFIG_BYTES} this library reads",
            text.len()
        )));
    }
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
    if list.len() > MAX_LAYERS {
        return Err(err(format!(
            "config.json: the {class_name} model `{name}` declares {} layers, more than the \
             {MAX_LAYERS} this library reads",
            list.len()
        )));
    }
    let mut inputs = Vec::new();
    let mut input_names = Vec::new();
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
            input_shape: dims(&entry["build_config"]["input_shape"]),
            settings: mlp_spec::keras_options::settings(layer_class, cfg),
            unsupported: mlp_spec::keras_options::unsupported(layer_class, cfg),
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
            assert!(parse_config(text, "m").is_err(), "{text}");
        }
    }
}
