//! A Functional `.keras` file given to a chain: the error says that the
//! file holds a Functional model and shows the graph declaration that
//! reads it, written from the file's `config.json` (its inputs, each
//! layer's kind, settings and inbound nodes, its outputs).

use super::config::{KerasLayer, KerasModel};
use crate::{Error, Result};
use serde_json::Value;

/// Keras's merge layers, which a chain cannot hold.
const MERGES: [&str; 3] = ["Concatenate", "Add", "Average"];

/// Refuses a Functional model that a chain cannot hold (several inputs or
/// outputs, a merge layer, a layer reading several others) with a message
/// showing the graph declaration, named `network`, that reads it; `config`
/// is the text of its `config.json`. Any other model passes.
pub(crate) fn refuse_functional_in_chain(
    model: &KerasModel,
    config: &str,
    network: &str,
    source_name: &str,
) -> Result<()> {
    if model.class_name != "Functional" {
        return Ok(());
    }
    let doc: Value = serde_json::from_str(config).unwrap_or(Value::Null);
    let entries = doc["config"]["layers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let many_sources = entries.iter().any(|e| sources(e).len() > 1);
    let merges: Vec<&str> = model
        .layers
        .iter()
        .map(|l| l.class_name.as_str())
        .filter(|c| MERGES.contains(c))
        .collect();
    if model.inputs.len() <= 1 && model.outputs.len() <= 1 && merges.is_empty() && !many_sources {
        return Ok(());
    }
    let mut why = vec![
        format!("{} input(s)", model.inputs.len()),
        format!("{} output(s)", model.outputs.len()),
    ];
    let mut merge_list = merges.clone();
    merge_list.dedup();
    why.extend(merge_list.iter().map(|m| format!("a {m} layer")));
    let unknown: Vec<String> = model
        .layers
        .iter()
        .filter(|l| {
            mlp_spec::layer(&l.class_name).is_none() && !MERGES.contains(&l.class_name.as_str())
        })
        .map(|l| format!("`{}` is a {}", l.name, l.class_name))
        .collect();
    let message = format!(
        "the Keras model `{}` is a Functional model ({}), which a chain (`Input[..] -> ...`) \
         cannot hold: declare `{network}` as a graph, with named nodes",
        model.name,
        why.join(", ")
    );
    let message = if !unknown.is_empty() {
        format!(
            "{message}; this file also has layers of a kind this library does not have: {}",
            unknown.join(", ")
        )
    } else {
        match graph_declaration(&doc, &model.layers, network) {
            Some(declaration) => format!(
                "{message}. The file's config.json describes this one, which loads it with the \
                 same `load_keras`:\n{declaration}"
            ),
            None => message,
        }
    };
    Err(Error::Data {
        source_name: source_name.to_string(),
        message,
    })
}

/// The names of the layers whose outputs the layer `entry` of a Functional
/// config reads, in order: Keras 3's `keras_history` of each tensor in its
/// first inbound node (Keras 2's `[[name, 0, 0, {}], ...]` too).
fn sources(entry: &Value) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("config")
                    .and_then(|c| c.get("keras_history"))
                    .and_then(|h| h.get(0))
                    .and_then(Value::as_str)
                {
                    out.push(name.to_string());
                } else {
                    map.values().for_each(|v| walk(v, out));
                }
            }
            Value::Array(items) => {
                // Keras 2: [name, node_index, tensor_index, kwargs].
                if let (Some(Value::String(name)), Some(Value::Number(_))) =
                    (items.first(), items.get(1))
                {
                    out.push(name.clone());
                } else {
                    items.iter().for_each(|v| walk(v, out));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(node) = entry["inbound_nodes"].get(0) {
        match node.get("args") {
            Some(args) => walk(args, &mut out),
            None => walk(node, &mut out),
        }
    }
    out
}

/// A Keras name as an identifier of the declaration (`dense-1` -> `dense_1`).
fn ident(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        id.insert(0, '_');
    }
    id
}

/// How `network!` writes the layer `layer` (without its inputs).
fn layer_text(layer: &KerasLayer) -> String {
    let class = layer.class_name.as_str();
    if class == "Dense" {
        let units = layer.units.unwrap_or(0);
        return match layer.activation.as_deref() {
            None | Some("linear") => format!("Dense<{units}>"),
            Some(activation) => format!("Dense<{units}, {activation}>"),
        };
    }
    let options: Vec<String> = layer
        .settings
        .iter()
        .filter_map(|(name, value)| {
            value.map(|v| {
                format!(
                    "{name} = {}",
                    mlp_spec::keras_options::python_number(Some(v))
                )
            })
        })
        .collect();
    if options.is_empty() {
        class.to_string()
    } else {
        format!("{class}<{}>", options.join(", "))
    }
}

/// The `network!` graph declaration named `network` of the Functional
/// config `doc` whose layers (without the `InputLayer`s) are `layers`:
/// its inputs in the model's order, then every layer in the file's order,
/// each reading the nodes its inbound node names, the model's outputs
/// marked `output`. `None` if the config lacks what it needs.
fn graph_declaration(doc: &Value, layers: &[KerasLayer], network: &str) -> Option<String> {
    let config = &doc["config"];
    let entries = config["layers"].as_array()?;
    let ports = |key: &str| -> Vec<String> {
        let list = &config[key];
        // [[name, 0, 0], ...], or [name, 0, 0] for one.
        match list.get(0) {
            Some(Value::String(name)) => vec![name.clone()],
            _ => list
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.get(0).and_then(Value::as_str).map(str::to_string))
                .collect(),
        }
    };
    let outputs = ports("output_layers");
    let mut lines = Vec::new();
    for name in ports("input_layers") {
        let entry = entries
            .iter()
            .find(|e| e["config"]["name"].as_str() == Some(name.as_str()))?;
        let dims: Vec<String> = entry["config"]["batch_shape"]
            .as_array()?
            .iter()
            .skip(1)
            .map(|d| d.as_u64().map(|d| d.to_string()))
            .collect::<Option<_>>()?;
        lines.push(format!("{} = Input[{}];", ident(&name), dims.join(", ")));
    }
    for entry in entries {
        let name = entry["config"]["name"].as_str()?;
        if entry["class_name"].as_str() == Some("InputLayer") {
            continue;
        }
        let layer = layers.iter().find(|l| l.name == name)?;
        let inputs: Vec<String> = sources(entry).iter().map(|s| ident(s)).collect();
        let output = if outputs.iter().any(|o| o == name) {
            "output "
        } else {
            ""
        };
        lines.push(format!(
            "{output}{} = {}({});",
            ident(name),
            layer_text(layer),
            inputs.join(", ")
        ));
    }
    let body: Vec<String> = lines.iter().map(|l| format!("        {l}")).collect();
    Some(format!(
        "network! {{\n    pub struct {network} {{\n{}\n    }}\n}}",
        body.join("\n")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::config::parse_config;
    use super::*;

    fn functional(layers: &str, inputs: &str, outputs: &str) -> String {
        format!(
            r#"{{"class_name": "Functional", "config": {{"name": "functional", "layers": [{layers}],
            "input_layers": {inputs}, "output_layers": {outputs}}}}}"#
        )
    }

    const INPUT: &str = r#"{"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [null, 4]}, "inbound_nodes": []}"#;

    fn dense(name: &str, units: usize, from: &str) -> String {
        format!(
            r#"{{"class_name": "Dense", "config": {{"name": "{name}", "units": {units}, "activation": "relu"}},
            "inbound_nodes": [{{"args": [{{"class_name": "__keras_tensor__", "config": {{"keras_history": ["{from}", 0, 0]}}}}], "kwargs": {{}}}}]}}"#
        )
    }

    #[test]
    fn a_straight_functional_model_is_left_to_the_chain_check() {
        let text = functional(
            &format!("{INPUT}, {}", dense("d", 2, "x")),
            r#"[["x", 0, 0]]"#,
            r#"[["d", 0, 0]]"#,
        );
        let model = parse_config(&text, "f").unwrap();
        refuse_functional_in_chain(&model, &text, "Net", "f").unwrap();
    }

    #[test]
    fn two_outputs_show_the_declaration_with_both() {
        let text = functional(
            &format!("{INPUT}, {}, {}", dense("a", 2, "x"), dense("b", 3, "x")),
            r#"[["x", 0, 0]]"#,
            r#"[["a", 0, 0], ["b", 0, 0]]"#,
        );
        let model = parse_config(&text, "f").unwrap();
        let err = refuse_functional_in_chain(&model, &text, "Net", "f")
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                "network! {\n    pub struct Net {\n        x = Input[4];\n        \
                 output a = Dense<2, relu>(x);\n        output b = Dense<3, relu>(x);\n    }\n}"
            ),
            "{err}"
        );
        assert!(
            err.contains("is a Functional model (1 input(s), 2 output(s))"),
            "{err}"
        );
    }

    #[test]
    fn keras_2_inbound_nodes_are_read_too() {
        let entry: Value = serde_json::from_str(
            r#"{"inbound_nodes": [[["wide", 0, 0, {}], ["hidden2", 0, 0, {}]]]}"#,
        )
        .unwrap();
        assert_eq!(sources(&entry), ["wide", "hidden2"]);
        assert_eq!(ident("dense-1"), "dense_1");
        assert_eq!(ident("1st"), "_1st");
    }
}
