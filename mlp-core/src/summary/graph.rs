//! `model.summary()` of a graph in Keras 3's functional format: a row per
//! node (`InputLayer` rows included) in Keras's order, and the column
//! "Connected to".
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     pub struct Concat {
//!         x = Input[8];
//!         h = Dense<30, relu>(x);
//!         c = Concatenate(x, h);
//!         output y = Dense<1>(c);
//!     }
//! }
//!
//! let text = Concat::new(0).summary().to_string();
//! assert!(text.contains("│ dense (Dense)       │ (None, 30)        │        270 │ x[0][0]           │"));
//! assert!(text.contains("│ concatenate         │ (None, 38)        │          0 │ x[0][0],          │"));
//! // A compiled model's summary adds the optimizer's variables.
//! let compiled = Concat::new(0).summary().with_optimizer(2, 12);
//! assert!(compiled.to_string().ends_with(" Optimizer params: 2 (12.00 B)\n"));
//! # Ok::<(), core::convert::Infallible>(())
//! ```
//!
//! Keras orders the rows as `keras.src.ops.function.map_graph` orders a
//! functional model's operations ([`mlp_spec::keras_order`]). A graph
//! that is a chain (one node per depth, none with two inputs) prints the
//! Sequential table, as Keras does.

use super::{LayerInfo, Summary, row_of, rule_of, thousands, wrap};
use crate::graph::{NodeInfo, NodeKind, PortInfo};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

/// Keras 3's column widths, padding included, for the functional table on
/// an 80-column terminal (Keras's `line_length` is `min(108, columns - 4)`,
/// positions `[0.3, 0.56, 0.74, 1.0]`, and rich shrinks the columns to fit
/// 76 characters: 22, 20, 14, 20 wide plus padding, less 13 shared out).
const WIDTHS: [usize; 4] = [21, 19, 12, 19];

/// A graph's nodes and outputs, for the functional table.
#[derive(Clone, Copy, Debug)]
pub(super) struct Table {
    nodes: &'static [NodeInfo],
    outputs: &'static [PortInfo],
}

impl Summary {
    /// The summary of a graph named `name` (what `Graph::summary` passes):
    /// its nodes, its layer table, its outputs and its parameter count.
    pub const fn graph(
        name: &'static str,
        nodes: &'static [NodeInfo],
        layers: &'static [LayerInfo],
        outputs: &'static [PortInfo],
        params: usize,
    ) -> Self {
        let mut summary = Self::new(name, layers, params);
        summary.graph = Some(Table { nodes, outputs });
        summary
    }
}

/// The indices of `nodes` in the order Keras's `map_graph` gives a
/// functional model's operations, and each node's depth
/// ([`mlp_spec::keras_order`], which the `.keras` bake shares).
pub(crate) fn keras_order(nodes: &[NodeInfo], outputs: &[PortInfo]) -> (Vec<usize>, Vec<usize>) {
    let index = |name: &str| nodes.iter().position(|n| n.name == name);
    let inputs: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| n.inputs.iter().filter_map(|name| index(name)).collect())
        .collect();
    let outputs: Vec<usize> = outputs.iter().filter_map(|o| index(o.node)).collect();
    mlp_spec::keras_order(&inputs, &outputs)
}

/// Keras's test for printing a functional model as a chain: one node per
/// depth, none reading two tensors. `order` is sorted by depth, so two
/// nodes of one depth would sit side by side.
fn sequential_like(nodes: &[NodeInfo], order: &[usize], depth: &[usize]) -> bool {
    order.windows(2).all(|w| depth[w[0]] != depth[w[1]])
        && order.iter().all(|&n| nodes[n].inputs.len() <= 1)
}

/// The Keras class name of a node.
fn type_name(node: &NodeInfo, layers: &[LayerInfo]) -> &'static str {
    match node.kind {
        NodeKind::Input => "InputLayer",
        NodeKind::Layer(i) => layers.get(i).map_or("Layer", LayerInfo::type_name),
        NodeKind::Concatenate => "Concatenate",
        NodeKind::Add => "Add",
        NodeKind::Average => "Average",
    }
}

/// Keras's "Connected to": `wide_input[0][0], dense_3[0][0]`, or `-`.
fn connected_to(node: &NodeInfo) -> String {
    if node.inputs.is_empty() {
        return "-".into();
    }
    let cells: Vec<String> = node.inputs.iter().map(|n| format!("{n}[0][0]")).collect();
    cells.join(", ")
}

/// One row, every cell wrapped to its column, as rich wraps them.
fn wrapped_row(f: &mut fmt::Formatter<'_>, widths: &[usize], cells: &[String]) -> fmt::Result {
    let lines: Vec<Vec<String>> = cells
        .iter()
        .zip(widths)
        .map(|(cell, w)| wrap(cell, w - 2))
        .collect();
    let height = lines.iter().map(Vec::len).max().unwrap_or(1);
    for j in 0..height {
        let line: Vec<&str> = lines
            .iter()
            .map(|l| l.get(j).map_or("", String::as_str))
            .collect();
        row_of(f, widths, '│', &line)?;
    }
    Ok(())
}

impl Table {
    /// The table: header, a row per node, rules between rows.
    pub(super) fn fmt_rows(&self, f: &mut fmt::Formatter<'_>, layers: &[LayerInfo]) -> fmt::Result {
        let (order, depth) = keras_order(self.nodes, self.outputs);
        let chain = sequential_like(self.nodes, &order, &depth);
        let widths: &[usize] = if chain { &super::WIDTHS } else { &WIDTHS };
        let header = ["Layer (type)", "Output Shape", "Param #", "Connected to"];
        let header = &header[..widths.len()];
        rule_of(f, widths, ['┏', '━', '┳', '┓'])?;
        row_of(f, widths, '┃', header)?;
        rule_of(f, widths, ['┡', '━', '╇', '┩'])?;
        for (i, &n) in order.iter().enumerate() {
            if i > 0 {
                rule_of(f, widths, ['├', '─', '┼', '┤'])?;
            }
            let node = &self.nodes[n];
            let params = match node.kind {
                NodeKind::Layer(l) => layers.get(l).map_or(0, LayerInfo::params),
                _ => 0,
            };
            let mut cells = vec![
                format!("{} ({})", node.name, type_name(node, layers)),
                format!("(None, {})", node.size),
                thousands(params),
            ];
            if !chain {
                cells.push(connected_to(node));
            }
            wrapped_row(f, widths, &cells)?;
        }
        rule_of(f, widths, ['└', '─', '┴', '┘'])
    }
}
