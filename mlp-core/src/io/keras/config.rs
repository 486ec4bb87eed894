//! `config.json` of a `.keras` archive: the architecture Keras saved,
//! reduced to what a network here declares (layer kind, units, activation,
//! the kind's numeric options, input shape), and checked against a
//! network's [`LayerInfo`] table.

use crate::layer::{Elementwise, LayerInfo, LayerKind};
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
            settings: mlp_spec::keras_options::settings(layer_class, cfg),
            unsupported: mlp_spec::keras_options::unsupported(layer_class, cfg),
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
        _ => {
            let options: Vec<String> = settings_of(&layer.kind)
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|(name, v)| format!("{name} = {v}"))
                .collect();
            if options.is_empty() {
                format!("`{}`: {}", layer.name, layer.type_name())
            } else {
                format!(
                    "`{}`: {}<{}>",
                    layer.name,
                    layer.type_name(),
                    options.join(", ")
                )
            }
        }
    }
}

/// The numeric options of a layer declared here, named as in the shared
/// layer table (`f32::INFINITY` is Keras's `None`).
pub(crate) fn settings_of(kind: &LayerKind) -> Vec<(&'static str, f32)> {
    match *kind {
        LayerKind::Dropout { rate, .. } => vec![("rate", rate)],
        LayerKind::BatchNormalization {
            momentum, epsilon, ..
        } => vec![("momentum", momentum), ("epsilon", epsilon)],
        LayerKind::Activation { function, .. } => match function {
            Elementwise::ReLU {
                max_value,
                negative_slope,
                threshold,
            } => vec![
                ("max_value", max_value),
                ("negative_slope", negative_slope),
                ("threshold", threshold),
            ],
            Elementwise::LeakyReLU { negative_slope } => vec![("negative_slope", negative_slope)],
            Elementwise::ELU { alpha } => vec![("alpha", alpha)],
        },
        _ => Vec::new(),
    }
}

/// Whether the file's options `theirs` are the declared `ours` (same
/// names; values equal as `f32`, Keras's `None` as `f32::INFINITY`).
fn same_settings(theirs: &[(&str, Option<f64>)], ours: &[(&str, f32)]) -> bool {
    theirs.len() == ours.len()
        && theirs.iter().zip(ours).all(|((a, x), (b, y))| {
            a == b
                && match x {
                    None => y.is_infinite(),
                    Some(x) => {
                        let x = *x as f32;
                        x == *y || (y.is_finite() && (x - y).abs() <= 1e-6 * y.abs())
                    }
                }
        })
}

/// Whether a Keras class name is a layer kind this library has.
pub(crate) fn is_known_kind(class: &str) -> bool {
    class != "Input" && mlp_spec::layer(class).is_some()
}

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
        .filter(|l| !is_known_kind(&l.class_name))
        .map(|l| format!("`{}` is a {}", l.name, l.class_name))
        .collect();
    if !unsupported.is_empty() {
        let mut kinds: Vec<&str> = model
            .layers
            .iter()
            .map(|l| l.class_name.as_str())
            .filter(|c| !is_known_kind(c))
            .collect();
        kinds.dedup();
        return Err(err(format!(
            "the Keras model `{}` has layers of a kind this library does not have ({}): {}",
            model.name,
            kinds.join(", "),
            unsupported.join(", ")
        )));
    }
    let options: Vec<String> = model
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.unsupported.is_empty())
        .map(|(i, l)| {
            format!(
                "layer {i} `{}` ({}) has {}",
                l.name,
                l.class_name,
                l.unsupported.join(", ")
            )
        })
        .collect();
    if !options.is_empty() {
        return Err(err(format!(
            "the Keras model `{}` has layer options this library does not have: {}",
            model.name,
            options.join("; ")
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
    let ours: Vec<String> = N::LAYERS.iter().map(declared).collect();
    let same = |i: usize, j: usize| same_layer(&model.layers[i], &N::LAYERS[j]);
    let network = format!("the network `{}`", N::NAME);
    if let Some(difference) =
        super::difference::first_difference(&model.name, &model.layers, &network, &ours, same, "")
    {
        return Err(err(difference));
    }
    Ok(())
}

/// Whether the file's layer `keras` is the layer `ours` declared here: its
/// kind, and a Dense layer's units, activation and bias, another kind's
/// options and size.
pub(crate) fn same_layer(keras: &KerasLayer, ours: &LayerInfo) -> bool {
    match ours.kind {
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
        LayerKind::Dropout { .. }
        | LayerKind::BatchNormalization { .. }
        | LayerKind::Activation { .. }
        | LayerKind::PReLU { .. }
        | LayerKind::Normalization { .. } => {
            keras.class_name == ours.type_name()
                && same_settings(&keras.settings, &settings_of(&ours.kind))
                && keras
                    .input_shape
                    .as_ref()
                    .is_none_or(|s| s.iter().product::<usize>() == ours.output_size())
        }
        #[allow(unreachable_patterns)]
        _ => false,
    }
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
            "m.keras: layer 0 (counting from 0, InputLayers not counted): the Keras model `sequential` has `dense`: Dense(30, activation=\"tanh\"), \
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
        let cat = r#"{"class_name": "Concatenate", "config": {"name": "concatenate"}}"#;
        let text = config(&format!(
            "{cat}, {}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 1, "linear")
        ));
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m.keras").unwrap(), "m.keras")
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.keras: the Keras model `sequential` has layers of a kind this library does not have \
             (Concatenate): `concatenate` is a Concatenate"
        );
    }

    network! {
        struct Kinds {
            Input[8]
                -> Dense<4, relu>
                -> BatchNormalization<momentum = 0.9, epsilon = 0.01>
                -> Dropout<0.25>
                -> LeakyReLU<0.2>
                -> PReLU
                -> ELU<0.5>
                -> ReLU<max_value = 6.0, negative_slope = 0.1, threshold = 0.5>
                -> Dense<1>
        }
    }

    /// The layers of `Kinds` as Keras 3.15 writes them (copied from a
    /// `config.json` it wrote), with `bn`, `drop`, ... spliced in.
    fn kinds(bn: &str, drop: &str, leaky: &str, prelu: &str, elu: &str, relu: &str) -> String {
        config(&format!(
            r#"{}, {{"class_name": "BatchNormalization", "config": {{"name": "batch_normalization", "axis": -1, {bn},
                "center": true, "scale": true, "renorm": false, "synchronized": false}}, "build_config": {{"input_shape": [null, 4]}}}},
            {{"class_name": "Dropout", "config": {{"name": "dropout", {drop}, "seed": null, "noise_shape": null}}}},
            {{"class_name": "LeakyReLU", "config": {{"name": "leaky_re_lu", {leaky}}}}},
            {{"class_name": "PReLU", "config": {{"name": "p_re_lu", {prelu}}}, "build_config": {{"input_shape": [null, 4]}}}},
            {{"class_name": "ELU", "config": {{"name": "elu", {elu}}}}},
            {{"class_name": "ReLU", "config": {{"name": "re_lu", {relu}}}}}, {}"#,
            dense("dense", 4, "relu"),
            dense("dense_1", 1, "linear")
        ))
    }

    const BN: &str = r#""momentum": 0.9, "epsilon": 0.01"#;
    const DROP: &str = r#""rate": 0.25"#;
    const LEAKY: &str = r#""negative_slope": 0.2"#;
    const PRELU: &str = r#""shared_axes": null"#;
    const ELU: &str = r#""alpha": 0.5"#;
    const RELU: &str = r#""max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5"#;

    fn check_kinds(text: &str) -> Result<()> {
        check_architecture::<Kinds>(&parse_config(text, "k.keras")?, "k.keras")
    }

    #[test]
    fn every_layer_kind_is_read_with_its_options() {
        let text = kinds(BN, DROP, LEAKY, PRELU, ELU, RELU);
        let model = parse_config(&text, "k.keras").unwrap();
        assert_eq!(
            model.layers[1].settings,
            [("momentum", Some(0.9)), ("epsilon", Some(0.01))]
        );
        assert_eq!(model.layers[6].settings[0], ("max_value", Some(6.0)));
        assert_eq!(
            model.layers[6].describe(),
            "ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5)"
        );
        check_kinds(&text).unwrap();
        // Left-out options take Keras's defaults: ReLU's `max_value` is None.
        let relu = r#""negative_slope": 0.0"#;
        let model = parse_config(&kinds(BN, DROP, LEAKY, PRELU, ELU, relu), "k").unwrap();
        assert_eq!(
            model.layers[6].settings,
            [
                ("max_value", None),
                ("negative_slope", Some(0.0)),
                ("threshold", Some(0.0))
            ]
        );
    }

    #[test]
    fn a_different_option_is_named_with_both_descriptions() {
        let cases = [
            (
                kinds(
                    r#""momentum": 0.99, "epsilon": 0.01"#,
                    DROP,
                    LEAKY,
                    PRELU,
                    ELU,
                    RELU,
                ),
                "layer 1 (counting from 0, InputLayers not counted): the Keras model `sequential` has `batch_normalization`: BatchNormalization(momentum=0.99, \
                 epsilon=0.01), the network `Kinds` declares `batch_normalization`: \
                 BatchNormalization<momentum = 0.9, epsilon = 0.01>",
            ),
            (
                kinds(BN, r#""rate": 0.5"#, LEAKY, PRELU, ELU, RELU),
                "layer 2 (counting from 0, InputLayers not counted): the Keras model `sequential` has `dropout`: Dropout(rate=0.5), the network `Kinds` \
                 declares `dropout`: Dropout<rate = 0.25>",
            ),
            (
                kinds(BN, DROP, r#""negative_slope": 0.3"#, PRELU, ELU, RELU),
                "LeakyReLU(negative_slope=0.3), the network `Kinds` declares `leaky_re_lu`: \
                 LeakyReLU<negative_slope = 0.2>",
            ),
            (
                kinds(BN, DROP, LEAKY, PRELU, r#""alpha": 1.0"#, RELU),
                "ELU(alpha=1.0), the network `Kinds` declares `elu`: ELU<alpha = 0.5>",
            ),
            (
                kinds(
                    BN,
                    DROP,
                    LEAKY,
                    PRELU,
                    ELU,
                    r#""max_value": null, "negative_slope": 0.1, "threshold": 0.5"#,
                ),
                "ReLU(max_value=None, negative_slope=0.1, threshold=0.5), the network `Kinds` \
                 declares `re_lu`: ReLU<max_value = 6, negative_slope = 0.1, threshold = 0.5>",
            ),
        ];
        for (text, message) in cases {
            let err = check_kinds(&text).unwrap_err().to_string();
            assert!(err.ends_with(message), "{err}\nwanted: {message}");
        }
        // A cap in the file where the network declares none (f32::INFINITY).
        network! {
            struct Uncapped { Input[8] -> Dense<4, relu> -> ReLU -> Dense<1> }
        }
        let text = config(&format!(
            r#"{}, {{"class_name": "ReLU", "config": {{"name": "re_lu", {RELU}}}}}, {}"#,
            dense("dense", 4, "relu"),
            dense("dense_1", 1, "linear")
        ));
        let model = parse_config(&text, "u").unwrap();
        let err = check_architecture::<Uncapped>(&model, "u")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                "ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5), the network `Uncapped` \
                 declares `re_lu`: ReLU<negative_slope = 0, threshold = 0>"
            ),
            "{err}"
        );
        // Another kind in a layer's place.
        let text = kinds(BN, DROP, LEAKY, PRELU, ELU, RELU)
            .replace(r#""class_name": "ELU""#, r#""class_name": "LeakyReLU""#);
        let err = check_kinds(&text).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "layer 5 (counting from 0, InputLayers not counted): the Keras model `sequential` has `elu`: LeakyReLU(negative_slope=0.3), the network \
                 `Kinds` declares `elu`: ELU<alpha = 0.5>"
            ),
            "{err}"
        );
    }

    #[test]
    fn options_this_library_does_not_have_are_refused_by_name() {
        let text = kinds(BN, DROP, LEAKY, PRELU, ELU, RELU)
            .replace(r#""center": true"#, r#""center": false"#);
        assert_eq!(
            check_kinds(&text).unwrap_err().to_string(),
            "k.keras: the Keras model `sequential` has layer options this library does not have: \
             layer 1 `batch_normalization` (BatchNormalization) has center=False (a \
             BatchNormalization here always has `beta`: center=True)"
        );
        let text = kinds(BN, DROP, LEAKY, PRELU, ELU, RELU)
            .replace(r#""scale": true"#, r#""scale": false"#);
        let err = check_kinds(&text).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "has scale=False (a BatchNormalization here always has `gamma`: scale=True)"
            ),
            "{err}"
        );
        let text = kinds(BN, DROP, LEAKY, r#""shared_axes": [1]"#, ELU, RELU);
        let err = check_kinds(&text).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "layer 4 `p_re_lu` (PReLU) has shared_axes=[1] (a PReLU here has one slope per \
                 unit: shared_axes=None)"
            ),
            "{err}"
        );
        let text = kinds(
            r#""momentum": 0.9, "epsilon": 0.01, "axis": 0"#,
            DROP,
            LEAKY,
            PRELU,
            ELU,
            RELU,
        )
        .replace(r#""axis": -1, "#, "");
        let err = check_kinds(&text).unwrap_err().to_string();
        assert!(
            err.contains("has axis=0 (a BatchNormalization here normalises the last axis"),
            "{err}"
        );
    }

    #[test]
    fn wrong_input_shape_and_layer_count() {
        let text = config(&dense("dense", 30, "relu"));
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m").unwrap(), "m").unwrap_err();
        assert_eq!(
            err.to_string(),
            "m: layer 1 (counting from 0, InputLayers not counted): the network `Housing` \
             declares `dense_1`: Dense<1, linear>, after the last layer of the Keras model \
             `sequential`; the Keras model has 1 layers, the network `Housing` declares 2"
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
    fn the_first_difference_is_named_not_two_lists() {
        // The file has a layer the network lacks.
        let bn =
            r#"{"class_name": "BatchNormalization", "config": {"name": "batch_normalization"}}"#;
        let text = config(&format!(
            "{}, {bn}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 1, "linear")
        ));
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m").unwrap(), "m").unwrap_err();
        assert_eq!(
            err.to_string(),
            "m: layer 1 (counting from 0, InputLayers not counted): the Keras model `sequential` \
             has `batch_normalization`: BatchNormalization(momentum=0.99, epsilon=0.001), which \
             the network `Housing` does not declare: its layer 1, `dense_1`: Dense<1, linear>, is \
             the file's layer 2; the Keras model has 3 layers, the network `Housing` declares 2"
        );
        // The network has a layer the file lacks.
        network! {
            struct WithDropout { Input[8] -> Dense<30, relu> -> Dropout<0.5> -> Dense<1> }
        }
        let text = config(&format!(
            "{}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 1, "linear")
        ));
        let err =
            check_architecture::<WithDropout>(&parse_config(&text, "m").unwrap(), "m").unwrap_err();
        assert_eq!(
            err.to_string(),
            "m: layer 1 (counting from 0, InputLayers not counted): the network `WithDropout` \
             declares `dropout`: Dropout<rate = 0.5>, which the Keras model `sequential` does not \
             have: its layer 1, `dense_1`: Dense(1, activation=\"linear\"), is the network's \
             layer 2; the Keras model has 2 layers, the network `WithDropout` declares 3"
        );
        // The file goes on after the network's last layer.
        let text = config(&format!(
            "{}, {}, {}",
            dense("dense", 30, "relu"),
            dense("dense_1", 1, "linear"),
            dense("dense_2", 1, "sigmoid")
        ));
        let err =
            check_architecture::<Housing>(&parse_config(&text, "m").unwrap(), "m").unwrap_err();
        assert_eq!(
            err.to_string(),
            "m: layer 2 (counting from 0, InputLayers not counted): the Keras model `sequential` \
             has `dense_2`: Dense(1, activation=\"sigmoid\"), after the last layer that the \
             network `Housing` declares; the Keras model has 3 layers, the network `Housing` \
             declares 2"
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
