//! A Keras `config.json` (read by [`crate::keras_config`]) checked against a
//! declared model ([`Arch`]), one check for the two readers of Keras files:
//! the runtime's `load_keras` (`mlp-core`) and the compile-time
//! `#[weights("model.keras")]` bake (`mlp-macros`). Each reader words its
//! own message about a layer that differs; what is the same layer, which
//! ports a graph has and how a Functional file's layers are wired are
//! decided here, and so is which group of a weights file each layer reads.
//! Behind the `keras` feature.
//!
//! ```
//! use mlp_spec::arch::{Arch, Op};
//! use mlp_spec::keras_check::{check_connections, check_graph_ports, keras_layers, same_layer};
//! use mlp_spec::keras_config::parse_config;
//!
//! let mut arch = Arch::new("Net");
//! let x = arch.push("x", Op::Input { shape: vec![8] }, &[]);
//! let h = arch.push("dense", Op::dense(8, 30, "relu"), &[x]);
//! arch.outputs.push(("dense".into(), h));
//! let file = parse_config(r#"{"class_name": "Functional", "config": {"name": "f", "layers": [
//!     {"class_name": "InputLayer", "name": "in", "config": {"name": "in", "batch_shape": [null, 8]}},
//!     {"class_name": "Dense", "config": {"name": "d", "units": 30, "activation": "relu"},
//!      "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
//!                                   "config": {"keras_history": ["in", 0, 0]}}]}]}],
//!     "output_layers": [["d", 0, 0]]}}"#)?;
//! check_graph_ports(&file, &arch)?;
//! let layers = keras_layers(&arch);
//! assert!(same_layer(&file.layers[0], &arch.nodes[layers[0]].op));
//! check_connections(&file, &arch, "graph")?;
//! # Ok::<(), String>(())
//! ```

use crate::arch::{Arch, Layer, Op, shape};
use crate::keras_config::{KerasLayer, KerasModel};
use crate::short_list;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

/// Whether the file's options `theirs` are the declared `ours` (same
/// names; values equal as `f32`, Keras's `None` as `f32::INFINITY`).
pub fn same_settings(theirs: &[(&str, Option<f64>)], ours: &[(&str, f32)]) -> bool {
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

/// Whether the file's layer `keras` is the declared node `op`: its kind; a
/// Dense layer's units, activation and bias; another kind's options
/// ([`Op::settings`]) and, where the file says, its size. A merge is its
/// kind. Initializers are not compared (the bake compares them besides).
pub fn same_layer(keras: &KerasLayer, op: &Op) -> bool {
    let size_is = |units: usize| {
        keras
            .input_shape
            .as_ref()
            .is_none_or(|s| s.iter().product::<usize>() == units)
    };
    match op {
        Op::Input { .. } => false,
        Op::Layer(Layer::Dense {
            units, activation, ..
        }) => {
            keras.class_name == "Dense"
                && keras.units == Some(*units)
                && keras.activation.as_deref() == Some(activation.as_str())
                && keras.use_bias != Some(false)
        }
        Op::Concatenate | Op::Add | Op::Average => keras.class_name == op.class_name(),
        Op::Layer(Layer::Flatten { rows, cols }) => {
            keras.class_name == "Flatten" && size_is(rows * cols)
        }
        layer => {
            keras.class_name == layer.class_name()
                && same_settings(&keras.settings, &layer.settings())
                && size_is(layer.units().unwrap_or(0))
        }
    }
}

/// The nodes of `arch` that a Keras model lists as layers (every node but
/// the inputs), in Keras's order ([`Arch::keras_order`]).
pub fn keras_layers(arch: &Arch) -> Vec<usize> {
    keras_nodes(arch, false)
}

/// The inputs (`want_inputs`) or the other nodes of `arch`, in Keras's order.
fn keras_nodes(arch: &Arch, want_inputs: bool) -> Vec<usize> {
    arch.keras_order()
        .into_iter()
        .filter(|&n| matches!(arch.nodes[n].op, Op::Input { .. }) == want_inputs)
        .collect()
}

/// A graph's ports: `keras` is a Functional model with the graph's inputs
/// (their sizes, in Keras's order) and its number of outputs.
pub fn check_graph_ports(keras: &KerasModel, arch: &Arch) -> Result<(), String> {
    if keras.class_name != "Functional" {
        return Err(format!(
            "the Keras model `{}` is a {}; a graph reads a Functional model",
            keras.name, keras.class_name
        ));
    }
    let theirs: Vec<String> = keras.inputs.iter().map(|s| shape(s)).collect();
    let ours: Vec<String> = keras_nodes(arch, true)
        .into_iter()
        .map(|n| shape(&[arch.nodes[n].size]))
        .collect();
    if theirs != ours {
        return Err(format!(
            "the Keras model `{}` takes inputs of shapes [{}], the graph `{}` [{}] (in Keras's order)",
            keras.name,
            theirs.join(", "),
            arch.name,
            ours.join(", ")
        ));
    }
    if keras.outputs.len() != arch.outputs.len() {
        return Err(format!(
            "the Keras model `{}` has {} outputs ({}), the graph `{}` {}",
            keras.name,
            keras.outputs.len(),
            keras.outputs.join(", "),
            arch.name,
            arch.outputs.len()
        ));
    }
    Ok(())
}

/// A Functional file's wiring against `arch`'s, once its layers are known
/// to pair with [`keras_layers`]: each layer reads the nodes it reads here,
/// in order, and the outputs are `arch`'s, in order. The file's names are
/// mapped to `arch`'s through that pairing (the file's `dense_3` may be
/// `dense_1` here); a difference names the layer and both lists of inputs.
/// `what` is the model's form in messages: `"graph"`, `"network"`.
pub fn check_connections(keras: &KerasModel, arch: &Arch, what: &str) -> Result<(), String> {
    let name = |n: usize| arch.nodes[n].name.as_str();
    let layers = keras_layers(arch);
    let pairs: Vec<(&str, &str)> = keras
        .input_names
        .iter()
        .map(String::as_str)
        .zip(keras_nodes(arch, true).into_iter().map(name))
        .chain(
            keras
                .layers
                .iter()
                .map(|l| l.name.as_str())
                .zip(layers.iter().map(|&n| name(n))),
        )
        .collect();
    let ours_of = |theirs: &str| {
        pairs.iter().find(|(t, _)| *t == theirs).map_or_else(
            || format!("`{theirs}` (not a layer of the file)"),
            |(_, o)| format!("`{o}`"),
        )
    };
    let list = |names: &[String]| format!("[{}]", short_list(names));
    for (layer, &ours) in keras.layers.iter().zip(&layers) {
        let theirs: Vec<String> = layer.inbound.iter().map(|n| ours_of(n)).collect();
        let wired = quoted(arch.nodes[ours].inputs.iter().map(|&i| name(i)));
        if theirs != wired {
            return Err(format!(
                "the Keras model's layer `{}` (the {what}'s `{}`) reads {} ({} here), the {what} \
                 `{}` wires `{}` to {}",
                layer.name,
                name(ours),
                list(&quoted(layer.inbound.iter().map(String::as_str))),
                list(&theirs),
                arch.name,
                name(ours),
                list(&wired)
            ));
        }
    }
    let theirs: Vec<String> = keras.outputs.iter().map(|n| ours_of(n)).collect();
    let declared = quoted(arch.outputs.iter().map(|(_, n)| name(*n)));
    if theirs != declared {
        return Err(format!(
            "the Keras model `{}` has the outputs {} ({} here), the {what} `{}` declares the \
             outputs {}",
            keras.name,
            list(&quoted(keras.outputs.iter().map(String::as_str))),
            list(&theirs),
            arch.name,
            list(&declared)
        ));
    }
    Ok(())
}

/// Each name in backquotes.
fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    names.map(|n| format!("`{n}`")).collect()
}

/// Keras's snake-case name of a layer class, the stem of its groups in a
/// weights file (`BatchNormalization` -> `batch_normalization`, `PReLU` ->
/// `p_re_lu`), for the classes of the shared layer table.
pub fn keras_kind(class: &str) -> Option<&'static str> {
    crate::layer(class)
        .map(|l| l.default_name)
        .filter(|n| !n.is_empty())
}

/// Keras's group key of the `k`-th layer of a kind: `dense`, `dense_1`, ...
pub fn group_key(kind: &str, k: usize) -> String {
    if k == 0 {
        kind.to_string()
    } else {
        format!("{kind}_{k}")
    }
}

/// The weights file's group of each layer of `classes` (Keras's class
/// names, in Keras's order), as Keras's `model.load_weights` matches them:
/// the `k`-th layer of a kind takes `layers/<kind>_k` (see [`group_key`]),
/// as its kind and `k`; `None` for a class outside the shared layer table.
pub fn group_keys<'a>(
    classes: impl IntoIterator<Item = &'a str>,
) -> Vec<Option<(&'static str, usize)>> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    classes
        .into_iter()
        .map(|class| {
            let kind = keras_kind(class)?;
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
            Some((kind, k))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keras_config::parse_config;
    use std::vec;

    /// Two inputs `a` (3) and `b` (2); `h` = Dense<4, relu>(b);
    /// `c` = Concatenate(a, h); outputs `y` = Dense<1>(c), `z` = Dense<1>(h).
    fn graph() -> Arch {
        let mut arch = Arch::new("G");
        let a = arch.push("a", Op::Input { shape: vec![3] }, &[]);
        let b = arch.push("b", Op::Input { shape: vec![2] }, &[]);
        let dense =
            |inputs, units| Op::dense(inputs, units, if units == 4 { "relu" } else { "linear" });
        let h = arch.push("dense", dense(2, 4), &[b]);
        let c = arch.push("concatenate", Op::Concatenate, &[a, h]);
        let y = arch.push("y", dense(7, 1), &[c]);
        let z = arch.push("z", dense(4, 1), &[h]);
        arch.outputs = vec![("y".into(), y), ("z".into(), z)];
        arch
    }

    /// The graph as Keras writes it, with the file's own layer names.
    fn file(outputs: &str, concat: &str) -> KerasModel {
        let tensor = |from: &str| {
            format!(
                r#"{{"class_name": "__keras_tensor__", "config": {{"keras_history": ["{from}", 0, 0]}}}}"#
            )
        };
        let layer = |class: &str, name: &str, options: &str, reads: &[&str]| {
            let reads: Vec<String> = reads.iter().map(|r| tensor(r)).collect();
            format!(
                r#"{{"class_name": "{class}", "config": {{"name": "{name}"{options}}},
                   "inbound_nodes": [{{"args": [[{}]]}}]}}"#,
                reads.join(", ")
            )
        };
        let relu = r#", "units": 4, "activation": "relu""#;
        let linear = r#", "units": 1, "activation": "linear""#;
        let layers = [
            r#"{"class_name": "InputLayer", "config": {"name": "in_b", "batch_shape": [null, 2]}}"#
                .to_string(),
            layer("Dense", "d7", relu, &["in_b"]),
            r#"{"class_name": "InputLayer", "config": {"name": "in_a", "batch_shape": [null, 3]}}"#
                .to_string(),
            layer(
                "Concatenate",
                "cat",
                "",
                &concat.split(',').collect::<Vec<_>>(),
            ),
            layer("Dense", "y", linear, &["cat"]),
            layer("Dense", "z", linear, &["d7"]),
        ];
        parse_config(&format!(
            r#"{{"class_name": "Functional", "config": {{"name": "f", "layers": [{}],
               "output_layers": [{outputs}]}}}}"#,
            layers.join(", ")
        ))
        .unwrap()
    }

    const OUTPUTS: &str = r#"["y", 0, 0], ["z", 0, 0]"#;

    #[test]
    fn the_file_s_layers_pair_with_the_graph_s_in_keras_order() {
        let (arch, keras) = (graph(), file(OUTPUTS, "in_a,d7"));
        let names: Vec<&str> = keras_layers(&arch)
            .into_iter()
            .map(|n| arch.nodes[n].name.as_str())
            .collect();
        assert_eq!(names, ["dense", "concatenate", "y", "z"]);
        for (layer, n) in keras.layers.iter().zip(keras_layers(&arch)) {
            assert!(same_layer(layer, &arch.nodes[n].op), "{}", layer.name);
        }
        check_graph_ports(&keras, &arch).unwrap();
        check_connections(&keras, &arch, "graph").unwrap();
    }

    #[test]
    fn another_wiring_or_other_outputs_are_named() {
        let arch = graph();
        let err = check_connections(&file(OUTPUTS, "d7,in_a"), &arch, "graph").unwrap_err();
        assert_eq!(
            err,
            "the Keras model's layer `cat` (the graph's `concatenate`) reads [`d7`, `in_a`] \
             ([`dense`, `a`] here), the graph `G` wires `concatenate` to [`a`, `dense`]"
        );
        let swapped = file(r#"["z", 0, 0], ["y", 0, 0]"#, "in_a,d7");
        let err = check_connections(&swapped, &arch, "graph").unwrap_err();
        assert_eq!(
            err,
            "the Keras model `f` has the outputs [`z`, `y`] ([`z`, `y`] here), the graph `G` \
             declares the outputs [`y`, `z`]"
        );
        let one_output = file(r#"["y", 0, 0]"#, "in_a,d7");
        let err = check_graph_ports(&one_output, &arch).unwrap_err();
        assert_eq!(
            err,
            "the Keras model `f` has 1 outputs (y), the graph `G` 2"
        );
    }

    #[test]
    fn options_and_groups_follow_the_shared_table() {
        let bn = Op::Layer(Layer::BatchNormalization {
            units: 4,
            momentum: 0.99,
            epsilon: 1e-3,
        });
        assert_eq!(bn.settings(), [("momentum", 0.99), ("epsilon", 1e-3)]);
        assert!(same_settings(
            &[("momentum", Some(0.99)), ("epsilon", Some(0.001))],
            &bn.settings()
        ));
        assert!(!same_settings(
            &[("momentum", Some(0.9)), ("epsilon", Some(0.001))],
            &bn.settings()
        ));
        assert!(same_settings(
            &[("max_value", None)],
            &[("max_value", f32::INFINITY)]
        ));
        let keys = group_keys([
            "Dense",
            "BatchNormalization",
            "Dense",
            "Concatenate",
            "PReLU",
        ]);
        assert_eq!(
            keys,
            [
                Some(("dense", 0)),
                Some(("batch_normalization", 0)),
                Some(("dense", 1)),
                None,
                Some(("p_re_lu", 0))
            ]
        );
        assert_eq!(group_key("dense", 1), "dense_1");
    }
}
