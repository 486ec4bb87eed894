//! A `.keras` archive's architecture (its `config.json`, read by
//! `config.rs`) compared with a declared model, chain or graph: every layer
//! a kind this library has with no option it lacks, the model's class, its
//! inputs (number and shapes) and outputs, then the same layers in Keras's
//! order (a Dense layer's units, activation and bias, another kind's
//! options and size; the merges' kinds) and, in a Functional file, the same
//! connections: which layer each layer reads, and which layers are the
//! outputs, in order. A difference is an error naming the layer and both
//! descriptions.

use super::config::{KerasModel, shape_text};
use super::{keras_nodes, merge_class};
use crate::Result;
use crate::layer::LayerInfo;
use crate::model::{Form, Model, NodeInfo, NodeKind};
use mlp_spec::arch::{self, Arch};
use mlp_spec::keras_check::{check_connections, check_graph_ports, same_layer};

/// What a model of this form is called in messages.
fn what<M: Model>() -> &'static str {
    match M::FORM {
        Form::Sequential => "network",
        Form::Functional => "graph",
    }
}

/// How a layer of the network is declared: `` `dense_1`: Dense<300, relu> ``
/// ([`mlp_spec::LayerOp::declaration`]).
pub(crate) fn declared(layer: &LayerInfo) -> String {
    arch::declared(layer.name, &layer.kind.declaration())
}

/// Whether a Keras class name is a layer kind this library has (a merge
/// only in a graph).
fn is_known_kind<M: Model>(class: &str) -> bool {
    (class != "Input" && mlp_spec::layer(class).is_some())
        || (M::FORM == Form::Functional && matches!(class, "Concatenate" | "Add" | "Average"))
}

/// Checks `model` against `M`: see the module docs.
pub(crate) fn check_architecture<M: Model>(model: &KerasModel, source_name: &str) -> Result<()> {
    let err = |message: String| crate::error::data(source_name, message);
    let unsupported: Vec<String> = model
        .layers
        .iter()
        .filter(|l| !is_known_kind::<M>(&l.class_name))
        .map(|l| format!("`{}` is a {}", l.name, l.class_name))
        .collect();
    if !unsupported.is_empty() {
        let mut kinds: Vec<&str> = model
            .layers
            .iter()
            .map(|l| l.class_name.as_str())
            .filter(|c| !is_known_kind::<M>(c))
            .collect();
        kinds.dedup();
        return Err(err(format!(
            "the Keras model `{}` has layers of a kind this library does not have ({}): {}",
            model.name,
            mlp_spec::short_list(&kinds),
            mlp_spec::short_list(&unsupported)
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
    match M::FORM {
        Form::Sequential => check_chain_ports::<M>(model).map_err(err)?,
        Form::Functional => check_graph_ports(model, &keras_arch::<M>()).map_err(err)?,
    }
    let layers: Vec<&NodeInfo> = keras_nodes::<M>()
        .into_iter()
        .filter(|n| n.kind != NodeKind::Input)
        .collect();
    let describe = |n: &NodeInfo| match (n.kind, merge_class(n)) {
        (NodeKind::Layer(i), _) => M::LAYERS.get(i).map_or_else(String::new, declared),
        (_, Some(class)) => arch::declared(n.name, class),
        _ => String::new(),
    };
    let ours: Vec<String> = layers.iter().map(|n| describe(n)).collect();
    let same = |i: usize, j: usize| {
        let keras = &model.layers[i];
        match (layers[j].kind, merge_class(layers[j])) {
            (NodeKind::Layer(l), _) => M::LAYERS
                .get(l)
                .is_some_and(|l| same_layer(keras, &crate::io::arch::op(l))),
            (_, Some(class)) => keras.class_name == class,
            _ => false,
        }
    };
    let order = match M::FORM {
        Form::Sequential => "",
        Form::Functional => ", in Keras's order",
    };
    let network = format!("the {} `{}`", what::<M>(), M::NAME);
    if let Some(difference) = super::difference::first_difference(
        &model.name,
        &model.layers,
        &network,
        &ours,
        same,
        order,
    ) {
        return Err(err(difference));
    }
    if model.class_name == "Functional" {
        check_connections(model, &keras_arch::<M>(), what::<M>()).map_err(err)?;
    }
    Ok(())
}

/// `M` as the shared check sees it, its nodes named as `M` names them (a
/// chain's input too).
fn keras_arch<M: Model>() -> Arch {
    let mut arch = crate::io::arch::arch::<M>();
    for (node, info) in arch.nodes.iter_mut().zip(M::NODES) {
        node.name = info.name.into();
    }
    arch
}

/// A chain's ports: one input of its shape, one output.
fn check_chain_ports<M: Model>(model: &KerasModel) -> std::result::Result<(), String> {
    if model.inputs.len() > 1 {
        return Err(format!(
            "the Keras model `{}` has {} inputs; a network here has one",
            model.name,
            model.inputs.len()
        ));
    }
    if model.outputs.len() > 1 {
        return Err(format!(
            "the Keras model `{}` has {} outputs ({}); a network here has one",
            model.name,
            model.outputs.len(),
            mlp_spec::short_list(&model.outputs)
        ));
    }
    let ours = crate::io::arch::input_shape::<M>(0);
    if let Some(shape) = model.inputs.first()
        && *shape != ours
    {
        return Err(format!(
            "the Keras model `{}` takes inputs of shape {}, the network `{}` of shape {}",
            model.name,
            shape_text(shape),
            M::NAME,
            shape_text(&ours)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::config::parse_config;
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
    fn a_config_declaring_too_many_layers_is_refused_before_they_are_read() {
        // 100,000 layers (about 17 MB of JSON) took 1.27 GB and gave a 3.3 MB
        // message; 4,097 small ones stay under the byte limit.
        let many = |n: usize| {
            let layers: Vec<String> = (0..n)
                .map(|i| {
                    format!(
                        r#"{{"class_name": "Dropout", "config": {{"rate": 0.5, "name": "d{i}"}}}}"#
                    )
                })
                .collect();
            config(&layers.join(", "))
        };
        let text = many(100_000);
        let err = parse_config(&text, "m.keras").unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "m.keras: config.json has {} bytes, more than the 4194304 this library reads",
                text.len()
            )
        );
        let err = parse_config(&many(4097), "m.keras")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "m.keras: config.json: the Sequential model `sequential` declares 4098 layers, more \
             than the 4096 this library reads"
        );
        // Within the limits, a refusal names the first difference only.
        let model = parse_config(&many(4000), "m.keras").unwrap();
        let err = check_architecture::<Housing>(&model, "m.keras")
            .unwrap_err()
            .to_string();
        assert!(err.len() < 4200, "{} bytes: {err}", err.len());
        assert!(
            err.ends_with("the Keras model has 4000 layers, the network `Housing` declares 2"),
            "{err}"
        );
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

    network! {
        /// The book's Wide & Deep model with an auxiliary output, as
        /// tests/fixtures/keras-files/wide_deep_two_outputs declares it.
        struct WideDeep {
            wide_input = Input[5];
            deep_input = Input[6];
            hidden1 = Dense<30, relu>(deep_input);
            hidden2 = Dense<30, relu>(hidden1);
            concat = Concatenate(wide_input, hidden2);
            output main_output = Dense<1>(concat);
            output aux_output = Dense<1>(hidden2);
        }
    }

    /// The fixture's `config.json`, as Keras 3.15.1 wrote it.
    fn wide_deep_config() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/keras-files/wide_deep_two_outputs/model.keras"
        );
        let bytes = std::fs::read(path).unwrap();
        super::super::archive::KerasArchive::from_bytes(&bytes, "w")
            .unwrap()
            .config
    }

    fn check_wide_deep(text: &str) -> Result<()> {
        check_architecture::<WideDeep>(&parse_config(text, "wd.keras")?, "wd.keras")
    }

    #[test]
    fn a_functional_file_is_read_with_its_connections() {
        let text = wide_deep_config();
        let model = parse_config(&text, "wd.keras").unwrap();
        assert_eq!(model.input_names, ["deep_input", "wide_input"]);
        let concat = model.layers.iter().find(|l| l.name == "concatenate");
        assert_eq!(concat.unwrap().inbound, ["wide_input", "dense_3"]);
        check_wide_deep(&text).unwrap();
    }

    #[test]
    fn the_same_layers_wired_differently_are_refused() {
        // The auxiliary head reads the first hidden layer (`dense_2` in the
        // file; `hidden1`, Keras's name `dense`, here) instead of the
        // second: same layers, same widths, other wiring.
        let text = wide_deep_config();
        let aux = text
            .find(r#""name": "aux_output", "inbound_nodes""#)
            .unwrap();
        let rewired = format!(
            "{}{}",
            &text[..aux],
            text[aux..].replacen(r#"["dense_3", 0, 0]"#, r#"["dense_2", 0, 0]"#, 1)
        );
        assert_ne!(rewired, text);
        assert_eq!(
            check_wide_deep(&rewired).unwrap_err().to_string(),
            "wd.keras: the Keras model's layer `aux_output` (the graph's `aux_output`) reads \
             [`dense_2`] ([`dense`] here), the graph `WideDeep` wires `aux_output` to \
             [`dense_1`]"
        );
        // The merge's inputs in the other order.
        let swapped = text.replacen(
            r#""keras_history": ["wide_input", 0, 0]}}, {"class_name": "__keras_tensor__", "config": {"shape": [null, 30], "dtype": "float32", "keras_history": ["dense_3", 0, 0]"#,
            r#""keras_history": ["dense_3", 0, 0]}}, {"class_name": "__keras_tensor__", "config": {"shape": [null, 30], "dtype": "float32", "keras_history": ["wide_input", 0, 0]"#,
            1,
        );
        assert_ne!(swapped, text);
        assert_eq!(
            check_wide_deep(&swapped).unwrap_err().to_string(),
            "wd.keras: the Keras model's layer `concatenate` (the graph's `concatenate`) reads \
             [`dense_3`, `wide_input`] ([`dense_1`, `wide_input`] here), the graph `WideDeep` \
             wires `concatenate` to [`wide_input`, `dense_1`]"
        );
    }

    #[test]
    fn swapped_outputs_are_refused_by_name() {
        let text = wide_deep_config().replacen(
            r#""output_layers": [["main_output", 0, 0], ["aux_output", 0, 0]]"#,
            r#""output_layers": [["aux_output", 0, 0], ["main_output", 0, 0]]"#,
            1,
        );
        assert_eq!(
            check_wide_deep(&text).unwrap_err().to_string(),
            "wd.keras: the Keras model `functional_1` has the outputs [`aux_output`, \
             `main_output`] ([`aux_output`, `main_output`] here), the graph `WideDeep` declares \
             the outputs [`main_output`, `aux_output`]"
        );
    }
}
