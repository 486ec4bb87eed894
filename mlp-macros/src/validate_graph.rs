//! Checks a graph (Keras's Functional API) and turns it into a
//! [`Model`]: every node's sources defined above it (so there is no
//! cycle), widths of merges, names unique, every input and node reaching an
//! output. Each layer applied to a node is checked by the chain form's own
//! rules (`validate::layer_kind`). Every error is spanned
//! on the token at fault, and all of them are reported together.

use crate::model::{LayerModel, Merge, Model, NodeModel, NodeModelKind};
use crate::names;
use crate::parse::Network;
use crate::parse::{LayerBody, Spans};
use crate::parse_graph::Statement;
use crate::validate::{Errors, Named, Names, layer_kind};
use std::collections::{HashMap, HashSet};
use syn::Ident;

const MERGES: [&str; 3] = ["Concatenate", "Add", "Average"];

pub fn validate(graph: &Network, statements: &[Statement]) -> syn::Result<Model> {
    let mut errors = Errors::default();
    // Where each binding is defined (the first definition), to tell a node
    // used before its definition from an unknown one.
    let mut defined_at: HashMap<String, usize> = HashMap::new();
    for (i, st) in statements.iter().enumerate() {
        if st.def.is_none() {
            continue;
        }
        let name = st.binding.to_string();
        match defined_at.entry(name) {
            std::collections::hash_map::Entry::Occupied(e) => errors.push(
                st.binding.span(),
                format!(
                    "the node `{}` is defined twice: give this node another name",
                    e.key()
                ),
            ),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }

    let mut nodes: Vec<NodeModel> = Vec::new();
    let mut layers: Vec<LayerModel> = Vec::new();
    // Binding -> node index, for the nodes defined so far.
    let mut node_of: HashMap<String, usize> = HashMap::new();
    let mut taken = Names::default();
    let mut outputs: Vec<(Ident, usize)> = Vec::new();
    // Statements that mark an existing node as an output, resolved at the end.
    let mut marks: Vec<&Statement> = Vec::new();
    let mut ok = true;

    for (index, st) in statements.iter().enumerate() {
        let Some(def) = &st.def else {
            marks.push(st);
            continue;
        };
        let binding = st.binding.to_string();
        let layer = &def.layer;
        let kind = layer.kind.to_string();
        if let Some(name) = &layer.name {
            errors.push(
                name.span(),
                format!(
                    "in a graph a layer is named with Keras's `name` option: write \
                     `{}<..., name = {name}>`",
                    layer.kind
                ),
            );
            ok = false;
        }
        // The sources, each defined above this statement.
        let mut sources = Vec::new();
        let mut sources_ok = true;
        for source in &def.sources {
            let s = source.to_string();
            if let Some(&n) = node_of.get(&s) {
                sources.push(n);
                continue;
            }
            sources_ok = false;
            let message = match defined_at.get(&s) {
                Some(&at) if at == index => format!(
                    "`{s}` reads itself: a node can only read nodes defined above it, so a graph has no cycle"
                ),
                Some(_) => format!(
                    "`{s}` is used before it is defined: move its definition above this line \
                     (a node can only read nodes defined above it, so a graph has no cycle)"
                ),
                None => {
                    let known = node_of.keys().map(String::as_str);
                    match names::did_you_mean(&s, known) {
                        Some(near) => format!("unknown node `{s}`: did you mean `{near}`?"),
                        None if node_of.is_empty() => format!(
                            "unknown node `{s}`: no node is defined above; declare the inputs first, \
                             as in `{s} = Input[8];`"
                        ),
                        None => {
                            let mut known: Vec<&str> = node_of.keys().map(String::as_str).collect();
                            known.sort_unstable();
                            format!(
                                "unknown node `{s}`: the nodes defined above are {}",
                                names::list(known)
                            )
                        }
                    }
                }
            };
            errors.push(source.span(), message);
        }
        ok &= sources_ok;
        let widths: Vec<usize> = sources.iter().map(|&n| nodes[n].width).collect();

        let (node_kind, width, name) = if kind == "Input" {
            if st.output.is_some() {
                errors.push(
                    st.binding.span(),
                    format!("an input cannot be an output: remove `output` before `{binding}`"),
                );
                ok = false;
            }
            if let Some(paren) = def.paren {
                errors.push(
                    paren,
                    "an `Input` reads no node: write `Input[features]` alone",
                );
                ok = false;
            }
            let width = match &layer.body {
                LayerBody::Shape { dims, .. } if dims.len() == 1 => {
                    match dims[0].base10_parse::<usize>() {
                        Ok(n) if n > 0 => n,
                        _ => {
                            errors.push(
                                dims[0].span(),
                                "an input needs at least one feature: write `Input[8]`",
                            );
                            ok = false;
                            1
                        }
                    }
                }
                _ => {
                    errors.push(
                        layer.span,
                        "a graph's input is a vector: write `Input[features]`, as in `Input[8]`",
                    );
                    ok = false;
                    1
                }
            };
            if let Some(name) = &def.name {
                errors.push(
                    name.span(),
                    "an input is named by its node: remove `name = ...`",
                );
                ok = false;
            }
            (
                NodeModelKind::Input,
                width,
                (binding.clone(), st.binding.span(), true),
            )
        } else if let Some(merge) = Merge::from_name(&kind) {
            if !matches!(layer.body, LayerBody::Empty) {
                let span = match &layer.body {
                    LayerBody::Shape { span, .. } => Spans::from(*span),
                    LayerBody::Args { span, .. } => *span,
                    LayerBody::Empty => layer.span,
                };
                // `name = ...` alone leaves empty angle brackets.
                let only_name =
                    matches!(&layer.body, LayerBody::Args { args, .. } if args.is_empty());
                if !only_name {
                    errors.push(
                        span,
                        format!("`{kind}` takes no options: write `{kind}(a, b)`"),
                    );
                    ok = false;
                }
            }
            if def.sources.len() < 2 {
                errors.push(
                    def.paren.map_or(layer.kind.span().into(), Spans::from),
                    format!(
                        "`{kind}` merges two or more nodes, found {}: write `{kind}(a, b)`",
                        def.sources.len()
                    ),
                );
                ok = false;
            }
            let width = match merge {
                Merge::Concatenate => widths.iter().sum::<usize>(),
                Merge::Add | Merge::Average => {
                    let first = widths.first().copied().unwrap_or(1);
                    if sources_ok {
                        for (k, &w) in widths.iter().enumerate().skip(1) {
                            if w != first {
                                errors.push(
                                    def.sources[k].span(),
                                    format!(
                                        "`{kind}` needs nodes of one width: `{}` has {first} values and `{}` has {w}; \
                                         use `Concatenate` to join nodes of different widths",
                                        def.sources[0], def.sources[k]
                                    ),
                                );
                                ok = false;
                            }
                        }
                    }
                    first
                }
            };
            let name = layer_name(st, def.name.as_ref(), merge.default_name(), &mut taken);
            (NodeModelKind::Merge(merge), width.max(1), name)
        } else if let Some(spec) =
            mlp_spec::layer(&kind).filter(|s| s.role == mlp_spec::LayerRole::Layer)
        {
            if def.sources.len() != 1 {
                let at = def.paren.map_or(layer.span, Spans::from);
                let message = if def.sources.is_empty() {
                    format!(
                        "`{kind}` is applied to a node: write `{binding} = {kind}<...>(x);` with the node it reads"
                    )
                } else {
                    format!(
                        "`{kind}` reads one node, found {}: merge them first with `Concatenate`, `Add` or `Average`",
                        def.sources.len()
                    )
                };
                errors.push(at, message);
                ok = false;
            }
            let inputs = widths.first().copied().unwrap_or(1);
            let model = layer_kind(&mut errors, layer, spec, inputs);
            let name = layer_name(st, def.name.as_ref(), spec.default_name, &mut taken);
            match model {
                Some(model) => {
                    let width = model.units();
                    layers.push(LayerModel {
                        field: Ident::new(&name.0, name.1),
                        kind: model,
                    });
                    (NodeModelKind::Layer(layers.len() - 1), width, name)
                }
                None => {
                    ok = false;
                    (NodeModelKind::Merge(Merge::Add), inputs, name)
                }
            }
        } else {
            let known = names::layer_names()
                .filter(|n| *n != "Flatten")
                .chain(MERGES);
            let message = if kind == "Flatten" {
                "a graph's inputs are vectors: `Flatten` is not available in the graph form; \
                 write `Input[features]`"
                    .to_string()
            } else {
                match names::did_you_mean(&kind, known.clone()) {
                    Some(near) => format!("unknown layer `{kind}`: did you mean `{near}`?"),
                    None => format!(
                        "unknown layer `{kind}`: expected one of {}",
                        names::list(known)
                    ),
                }
            };
            errors.push(layer.kind.span(), message);
            ok = false;
            continue;
        };
        // One name per layer, as Keras requires.
        let (name, span, explicit) = name;
        if let Some(earlier) = taken.insert(&name, Named { span, explicit }, true) {
            let message = if explicit && earlier.explicit {
                format!("two layers are named `{name}`: give each its own name")
            } else {
                format!(
                    "`{name}` is also the default name of an unnamed layer (unnamed layers are \
                     named as in Keras: `dense`, `dense_1`, ...): choose another name"
                )
            };
            errors.push(span, message);
            ok = false;
        }
        if !node_of.contains_key(&binding) {
            node_of.insert(binding.clone(), nodes.len());
        }
        if st.output.is_some() {
            outputs.push((st.binding.clone(), nodes.len()));
        }
        nodes.push(NodeModel {
            binding: st.binding.clone(),
            name,
            kind: node_kind,
            sources,
            width,
        });
    }

    // `output name;` marks a node defined anywhere in the graph.
    for st in marks {
        let s = st.binding.to_string();
        match node_of.get(&s) {
            Some(&n) if matches!(nodes[n].kind, NodeModelKind::Input) => {
                errors.push(
                    st.binding.span(),
                    format!("`{s}` is an input: an output must be computed by a layer"),
                );
                ok = false;
            }
            Some(&n) => outputs.push((st.binding.clone(), n)),
            None => {
                let hint = match names::did_you_mean(&s, node_of.keys().map(String::as_str)) {
                    Some(near) => format!(": did you mean `{near}`?"),
                    None => ": write `output name = Layer(node);` to define it".to_string(),
                };
                errors.push(
                    st.binding.span(),
                    format!("the output `{s}` is not a node of this graph{hint}"),
                );
                ok = false;
            }
        }
    }
    let mut seen_outputs: HashSet<String> = HashSet::new();
    for (field, _) in &outputs {
        if !seen_outputs.insert(field.to_string()) {
            errors.push(
                field.span(),
                format!("`{field}` is declared an output twice: keep one"),
            );
            ok = false;
        }
    }
    if !nodes.iter().any(|n| matches!(n.kind, NodeModelKind::Input)) && ok {
        errors.push(
            graph.brace_span,
            "a graph needs at least one input: declare it first, as in `x = Input[8];`",
        );
        ok = false;
    }
    if outputs.is_empty() && ok {
        let at = statements
            .last()
            .map_or(graph.brace_span, |st| st.binding.span());
        errors.push(
            at,
            "a graph needs at least one output: write `output` before the node it returns, \
             as in `output y = Dense<1>(x);`",
        );
        ok = false;
    }
    // Every node must lead to an output (an input reaching none is a
    // mistake, and a layer reaching none would never be computed).
    if ok {
        let mut live = vec![false; nodes.len()];
        let mut stack: Vec<usize> = outputs.iter().map(|(_, n)| *n).collect();
        while let Some(n) = stack.pop() {
            if !live[n] {
                live[n] = true;
                stack.extend(&nodes[n].sources);
            }
        }
        for (node, _) in nodes.iter().zip(&live).filter(|(_, l)| !**l) {
            let message = if matches!(node.kind, NodeModelKind::Input) {
                format!(
                    "the input `{}` reaches no output: feed it to a node that leads to an output, or remove it",
                    node.binding
                )
            } else {
                format!(
                    "the node `{}` reaches no output: feed it to a node that leads to an output, \
                     mark it `output`, or remove it",
                    node.binding
                )
            };
            errors.push(node.binding.span(), message);
        }
    }
    match errors.0 {
        Some(e) => Err(e),
        None => Ok(Model {
            attrs: graph.attrs.clone(),
            vis: graph.vis.clone(),
            ident: graph.ident.clone(),
            chain_input: None,
            nodes,
            layers,
            outputs,
        }),
    }
}

/// A node's layer name: `name = ...`, else an output's own name, else
/// Keras's default (`dense`, `dense_1`, ...). With its span and whether the
/// user wrote it.
fn layer_name(
    st: &Statement,
    name: Option<&Ident>,
    prefix: &'static str,
    taken: &mut Names,
) -> (String, proc_macro2::Span, bool) {
    if let Some(name) = name {
        return (name.to_string(), name.span(), true);
    }
    if st.output.is_some() {
        return (st.binding.to_string(), st.binding.span(), true);
    }
    let name = taken.default_name(prefix);
    (name, st.binding.span(), false)
}
