//! An ONNX model checked against a declaration, node by node: each declared
//! layer must be computed by the file's operators (`Gemm`, or `MatMul` then
//! `Add`, for a Dense, then its activation's operator; `BatchNormalization`
//! with the declared epsilon; `Concat` of the declared sources, ...), read
//! from the declared node, with the declared widths; the declared outputs
//! must be the file's outputs, and every operator of the file must belong
//! to a declared node. `Identity`, `Dropout` (inference), and `Flatten` or
//! `Reshape` to `(batch, width)` are the identity here.

use super::ops::{self, Unary};
use super::proto::{AttributeProto, ModelProto, NodeProto, TensorProto};
use super::tensors::{dims, floats, ints};
use crate::arch::{Arch, Array, Layer, Node, Op, shape};
use std::collections::{HashMap, HashSet};
use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

/// The operators this reader knows.
pub const SUPPORTED: &[&str] = &[
    "Gemm",
    "MatMul",
    "Add",
    "Sum",
    "Mean",
    "Concat",
    "Relu",
    "LeakyRelu",
    "PRelu",
    "Elu",
    "Selu",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "Softplus",
    "Softsign",
    "Exp",
    "HardSigmoid",
    "Clip",
    "Mul",
    "Div",
    "Erf",
    "Gelu",
    "BatchNormalization",
    "Flatten",
    "Reshape",
    "Identity",
    "Dropout",
    "Constant",
];

/// Operators that are the identity on a `(batch, width)` value at
/// inference.
const PASS_THROUGH: &[&str] = &["Identity", "Dropout", "Flatten", "Reshape"];

/// The file's graph, indexed.
struct File<'a> {
    nodes: &'a [NodeProto],
    /// Initializers and `Constant` outputs.
    consts: HashMap<&'a str, &'a TensorProto>,
    /// A pass-through operator's output -> its input.
    alias: HashMap<&'a str, &'a str>,
    /// Each value (canonical) -> the operators reading it.
    readers: HashMap<&'a str, Vec<usize>>,
    used: Vec<bool>,
}

fn attribute<'a>(node: &'a NodeProto, name: &str) -> Option<&'a AttributeProto> {
    node.attribute.iter().find(|a| a.name() == name)
}

fn attr_f(node: &NodeProto, name: &str) -> Option<f32> {
    attribute(node, name).map(|a| a.f.unwrap_or(0.0))
}

fn attr_i(node: &NodeProto, name: &str) -> Option<i64> {
    attribute(node, name).map(|a| a.i.unwrap_or(0))
}

/// `` `/1/Gemm` (Gemm) ``: how messages name an operator of the file.
fn label(node: &NodeProto) -> String {
    let name = if node.name().is_empty() {
        node.output.first().map_or("?", String::as_str)
    } else {
        node.name()
    };
    format!("`{name}` ({})", node.op_type())
}

impl<'a> File<'a> {
    fn new(model: &'a ModelProto, problems: &mut Vec<String>) -> Self {
        let graph = model.graph.as_ref();
        let nodes: &[NodeProto] = graph.map_or(&[], |g| g.node.as_slice());
        let mut consts: HashMap<&str, &TensorProto> = HashMap::new();
        for t in graph.map_or(&[][..], |g| g.initializer.as_slice()) {
            consts.insert(t.name(), t);
        }
        for n in nodes.iter().filter(|n| n.op_type() == "Constant") {
            if let (Some(out), Some(t)) = (
                n.output.first(),
                attribute(n, "value").and_then(|a| a.t.as_ref()),
            ) {
                consts.insert(out, t);
            }
        }
        let mut file = Self {
            nodes,
            consts,
            alias: HashMap::new(),
            readers: HashMap::new(),
            used: vec![false; nodes.len()],
        };
        for (i, n) in nodes.iter().enumerate() {
            let op = n.op_type();
            if op == "Constant" {
                file.used[i] = true;
                continue;
            }
            if PASS_THROUGH.contains(&op) {
                file.used[i] = true;
                if let Err(e) = file.pass_through(n) {
                    problems.push(e);
                }
                if let (Some(out), Some(inp)) = (n.output.first(), n.input.first()) {
                    file.alias.insert(out, inp);
                }
                continue;
            }
            let mut seen = HashSet::new();
            for input in &n.input {
                let c = file.canon(input);
                if !input.is_empty() && seen.insert(c) {
                    file.readers.entry(c).or_default().push(i);
                }
            }
        }
        file
    }

    /// Checks that a pass-through operator is the identity here.
    fn pass_through(&self, n: &NodeProto) -> Result<(), String> {
        match n.op_type() {
            "Flatten" if attr_i(n, "axis").unwrap_or(1) != 1 => Err(format!(
                "node {} flattens from axis {}; only axis 1 (keeping the batch) is read",
                label(n),
                attr_i(n, "axis").unwrap_or(1)
            )),
            "Reshape" => {
                let target = n
                    .input
                    .get(1)
                    .and_then(|s| self.consts.get(s.as_str()))
                    .ok_or_else(|| format!("node {}: its shape is not a constant", label(n)))?;
                let target = ints(target)?;
                if target.len() == 2 && matches!(target[0], -1 | 0)
                    || target.len() == 2 && target[1] == -1
                {
                    Ok(())
                } else {
                    Err(format!(
                        "node {} reshapes to {target:?}; only a reshape to (batch, width) is read",
                        label(n)
                    ))
                }
            }
            "Dropout" if n.input.get(2).is_some_and(|s| !s.is_empty()) => {
                let on = self.consts.get(n.input[2].as_str()).is_some_and(|t| {
                    ints(t).is_ok_and(|v| v.iter().any(|&x| x != 0))
                        || floats(t).is_ok_and(|v| v.iter().any(|&x| x != 0.0))
                });
                if on {
                    Err(format!(
                        "node {} is a Dropout in training mode; export the model in eval mode",
                        label(n)
                    ))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// The value `t` is, through pass-through operators.
    fn canon(&self, mut t: &'a str) -> &'a str {
        for _ in 0..=self.nodes.len() {
            match self.alias.get(t) {
                Some(next) => t = next,
                None => break,
            }
        }
        t
    }

    /// The unused operator `op` whose first input is `t`.
    fn find(&self, t: &str, op: &str) -> Option<usize> {
        self.readers.get(t)?.iter().copied().find(|&i| {
            let n = &self.nodes[i];
            !self.used[i]
                && n.op_type() == op
                && n.input.first().is_some_and(|x| self.canon(x) == t)
        })
    }

    /// The unused operator `op` reading exactly the values `ts` (in any
    /// order when `ordered` is false).
    fn find_merge(&self, ts: &[&str], op: &str, ordered: bool) -> Option<usize> {
        self.readers.get(ts.first()?)?.iter().copied().find(|&i| {
            let n = &self.nodes[i];
            let ins: Vec<&str> = n.input.iter().map(|x| self.canon(x)).collect();
            let same = if ordered {
                ins == ts
            } else {
                let mut a = ins.clone();
                let mut b = ts.to_vec();
                a.sort_unstable();
                b.sort_unstable();
                a == b
            };
            !self.used[i] && n.op_type() == op && same
        })
    }

    /// The unused operator `op` reading `t` and a one-value constant equal
    /// to `value` (`t` first when `ordered`, as `Div` needs; either way
    /// round otherwise).
    fn find_scalar(&self, t: &str, op: &str, value: f32, ordered: bool) -> Option<usize> {
        self.readers.get(t)?.iter().copied().find(|&i| {
            let n = &self.nodes[i];
            let is_value = |k: usize| {
                self.constant(n, k)
                    .is_ok_and(|(_, v)| v.len() == 1 && ops::same(v[0], value))
            };
            let is_t = |k: usize| n.input.get(k).is_some_and(|x| self.canon(x) == t);
            !self.used[i]
                && n.op_type() == op
                && n.input.len() == 2
                && ((is_t(0) && is_value(1)) || (!ordered && is_t(1) && is_value(0)))
        })
    }

    /// The output value of operator `i` (not marking it used).
    fn output(&self, i: usize) -> &'a str {
        self.nodes[i].output.first().map_or("", |o| self.canon(o))
    }

    /// What reads `t`, for messages.
    fn read_by(&self, t: &str) -> String {
        let readers: Vec<String> = self
            .readers
            .get(t)
            .into_iter()
            .flatten()
            .filter(|&&i| !self.used[i])
            .map(|&i| label(&self.nodes[i]))
            .collect();
        if readers.is_empty() {
            format!("`{t}` is read by no other operator")
        } else {
            format!("`{t}` is read by {}", readers.join(", "))
        }
    }

    /// The output value of operator `i`, marking it used.
    fn take(&mut self, i: usize) -> &'a str {
        self.used[i] = true;
        self.nodes[i].output.first().map_or("", |o| self.canon(o))
    }

    /// A constant input of `node` (`k`-th), its shape and values.
    fn constant(&self, node: &NodeProto, k: usize) -> Result<(Vec<usize>, Vec<f32>), String> {
        let name = node.input.get(k).map_or("", String::as_str);
        let t = self.consts.get(name).ok_or_else(|| {
            format!(
                "node {}: its input {k} `{name}` is not a constant (an initializer)",
                label(node)
            )
        })?;
        Ok((dims(t)?, floats(t)?))
    }
}

/// The weights of the ONNX model `model` for `arch`, in
/// [`Arch::weights`]'s order and Keras's layout, once the graph has been
/// checked against the declaration; or every difference found, each naming
/// the declared node and the file's operator with both descriptions.
pub fn arrays(model: &ModelProto, arch: &Arch) -> Result<Vec<Array>, Vec<String>> {
    let mut problems = Vec::new();
    let Some(graph) = model.graph.as_ref() else {
        return Err(vec!["the model has no graph".into()]);
    };
    // Operators this reader does not know, all at once.
    let mut unknown: Vec<String> = Vec::new();
    for n in &graph.node {
        let domain = n.domain();
        if !SUPPORTED.contains(&n.op_type()) || !(domain.is_empty() || domain == "ai.onnx") {
            let what = if domain.is_empty() {
                n.op_type().to_string()
            } else {
                format!("{domain}.{}", n.op_type())
            };
            unknown.push(format!("{} uses `{what}`", label(n)));
        }
    }
    if !unknown.is_empty() {
        return Err(vec![format!(
            "the file uses operators this library does not read: {}; the ones read are {}",
            unknown.join(", "),
            SUPPORTED.join(", ")
        )]);
    }
    let mut file = File::new(model, &mut problems);
    // The declared inputs are the file's inputs, in order.
    let file_inputs: Vec<_> = graph
        .input
        .iter()
        .filter(|v| !file.consts.contains_key(v.name()))
        .collect();
    let declared: Vec<(usize, &Node)> = arch.inputs().collect();
    if file_inputs.len() != declared.len() {
        problems.push(format!(
            "the file has {} input(s) ({}), `{}` declares {} ({})",
            file_inputs.len(),
            file_inputs
                .iter()
                .map(|v| format!("`{}`", v.name()))
                .collect::<Vec<_>>()
                .join(", "),
            arch.name,
            declared.len(),
            declared
                .iter()
                .map(|(_, n)| format!("`{}`", n.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Err(problems);
    }
    let mut value: Vec<Option<&str>> = vec![None; arch.nodes.len()];
    for ((i, node), v) in declared.iter().zip(&file_inputs) {
        let dims: Vec<Option<i64>> = v
            .r#type
            .as_ref()
            .and_then(|t| match &t.value {
                Some(super::proto::type_proto::Value::TensorType(tt)) => tt.shape.as_ref(),
                _ => None,
            })
            .map(|s| {
                s.dim
                    .iter()
                    .map(|d| match d.value {
                        Some(super::proto::tensor_shape_proto::dimension::Value::DimValue(x)) => {
                            Some(x)
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let per_sample: Option<i64> = dims
            .iter()
            .skip(1)
            .try_fold(1i64, |n, d| d.and_then(|d| n.checked_mul(d)));
        // A file may leave the shape out; one it gives must be (batch, ...) of
        // the declared width.
        if !dims.is_empty() && (dims.len() < 2 || per_sample.is_some_and(|w| w != node.size as i64))
        {
            let shown: Vec<String> = dims
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    d.map_or_else(
                        || if k == 0 { "batch".into() } else { "?".into() },
                        |d| d.to_string(),
                    )
                })
                .collect();
            problems.push(format!(
                "input `{}` of the file has shape ({}), but `{}` declares input `{}` as {} ({} values per sample)",
                v.name(),
                shown.join(", "),
                arch.name,
                node.name,
                node.op.describe(),
                node.size
            ));
        }
        value[*i] = Some(file.canon(v.name()));
    }
    // Each declared node, in order.
    let mut out: Vec<Array> = Vec::new();
    for (i, node) in arch.nodes.iter().enumerate() {
        if matches!(node.op, Op::Input { .. }) {
            continue;
        }
        let Some(ins) = node
            .inputs
            .iter()
            .map(|&k| value[k])
            .collect::<Option<Vec<&str>>>()
        else {
            continue; // A source already failed.
        };
        match match_node(&mut file, node, &ins) {
            Ok((v, mut arrays)) => {
                value[i] = Some(v);
                out.append(&mut arrays);
            }
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // The declared outputs are the file's, in order.
    if graph.output.len() != arch.outputs.len() {
        problems.push(format!(
            "the file has {} output(s), `{}` declares {}",
            graph.output.len(),
            arch.name,
            arch.outputs.len()
        ));
    }
    for (k, ((name, node), o)) in arch.outputs.iter().zip(&graph.output).enumerate() {
        if value[*node] != Some(file.canon(o.name())) {
            let n = &arch.nodes[*node];
            problems.push(format!(
                "output {k} of the file, `{}`, is not the declared output `{name}` (layer `{}`, {}), whose value in the file is `{}`",
                o.name(),
                n.name,
                n.op.describe(),
                value[*node].unwrap_or("?")
            ));
        }
    }
    // Every operator belongs to a declared node.
    for (_, n) in file
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| !file.used[*i])
    {
        let reads = n.input.first().map_or("", |x| file.canon(x));
        let after = arch
            .nodes
            .iter()
            .zip(&value)
            .find(|(_, v)| **v == Some(reads))
            .map(|(d, _)| {
                let hint = match (&d.op, n.op_type()) {
                    (Op::Layer(Layer::Dense { units, activation, .. }), "Softmax") if activation == "linear" => format!(
                        ": a model whose file ends in Softmax is declared with it, `Dense<{units}, softmax>`"
                    ),
                    _ => String::new(),
                };
                format!(", after layer `{}` ({}){hint}", d.name, d.op.describe())
            })
            .unwrap_or_default();
        problems.push(format!(
            "node {} of the file is not in the declaration: it reads `{reads}`{after}",
            label(n)
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The file's operators for one declared node reading `ins`: its output
/// value and its weights, or the difference.
fn match_node<'a>(
    file: &mut File<'a>,
    node: &Node,
    ins: &[&'a str],
) -> Result<(&'a str, Vec<Array>), String> {
    let desc = node.op.describe();
    let who = format!("layer `{}` ({desc})", node.name);
    let t = ins.first().copied().unwrap_or("");
    let array = |w: &str, shape: Vec<usize>, data: Vec<f32>| Array {
        name: format!("{}/{w}", node.name),
        shape,
        data,
    };
    match &node.op {
        Op::Input { .. } | Op::Layer(Layer::Flatten { .. }) | Op::Layer(Layer::Dropout { .. }) => {
            Ok((t, Vec::new()))
        }
        Op::Layer(Layer::Dense {
            inputs,
            units,
            activation,
            ..
        }) => {
            let (inputs, units) = (*inputs, *units);
            let (z, kernel, bias) = if let Some(g) = file.find(t, "Gemm") {
                let n = &file.nodes[g];
                if attr_i(n, "transA").unwrap_or(0) != 0 {
                    return Err(format!(
                        "{who}: the file's node {} transposes its input (transA=1)",
                        label(n)
                    ));
                }
                let alpha = attr_f(n, "alpha").unwrap_or(1.0);
                let beta = attr_f(n, "beta").unwrap_or(1.0);
                let trans_b = attr_i(n, "transB").unwrap_or(0) != 0;
                let (wshape, w) = file.constant(n, 1)?;
                let (fin, fout) = match (wshape.as_slice(), trans_b) {
                    ([o, i], true) | ([i, o], false) => (*i, *o),
                    _ => (0, 0),
                };
                if (fin, fout) != (inputs, units) {
                    return Err(format!(
                        "{who} reads {inputs} values; the file's node {} is Dense<{fout}> reading {fin} (weight `{}` {}{})",
                        label(n),
                        n.input[1],
                        shape(&wshape),
                        if trans_b { ", transB=1" } else { "" }
                    ));
                }
                let mut kernel = vec![0.0; inputs * units];
                for i in 0..inputs {
                    for u in 0..units {
                        let v = if trans_b {
                            w[u * inputs + i]
                        } else {
                            w[i * units + u]
                        };
                        kernel[i * units + u] = alpha * v;
                    }
                }
                let bias = match n.input.get(2).filter(|s| !s.is_empty()) {
                    None => vec![0.0; units],
                    Some(_) => bias_of(file, n, 2, units, &who)?
                        .iter()
                        .map(|b| beta * b)
                        .collect(),
                };
                (file.take(g), kernel, bias)
            } else if let Some(m) = file.find(t, "MatMul") {
                let n = &file.nodes[m];
                let (wshape, w) = file.constant(n, 1)?;
                if wshape != [inputs, units] {
                    return Err(format!(
                        "{who} reads {inputs} values; the file's node {} multiplies by `{}` of shape {}, not {}",
                        label(n),
                        n.input[1],
                        shape(&wshape),
                        shape(&[inputs, units])
                    ));
                }
                let y = file.take(m);
                // Its bias: an `Add` of a constant, if any.
                let add = file
                    .readers
                    .get(y)
                    .into_iter()
                    .flatten()
                    .copied()
                    .find(|&i| {
                        let a = &file.nodes[i];
                        !file.used[i]
                            && a.op_type() == "Add"
                            && a.input.iter().any(|x| file.consts.contains_key(x.as_str()))
                    });
                match add {
                    Some(a) => {
                        let n = &file.nodes[a];
                        let k = usize::from(
                            file.consts.contains_key(n.input[0].as_str())
                                && !file.consts.contains_key(n.input[1].as_str()),
                        ) ^ 1;
                        let bias = bias_of(file, n, k, units, &who)?;
                        (file.take(a), w, bias)
                    }
                    None => (y, w, vec![0.0; units]),
                }
            } else {
                return Err(format!(
                    "{who}: the file has no Gemm or MatMul reading `{t}` ({})",
                    file.read_by(t)
                ));
            };
            let unary = ops::activation(activation)
                .ok_or_else(|| format!("{who}: the activation `{activation}` has no ONNX form"))?;
            let y = match_unary(file, &who, z, &unary)?;
            Ok((
                y,
                vec![
                    array("kernel", vec![inputs, units], kernel),
                    array("bias", vec![units], bias),
                ],
            ))
        }
        Op::Layer(Layer::BatchNormalization { units, epsilon, .. }) => {
            let units = *units;
            let b = file.find(t, "BatchNormalization").ok_or_else(|| {
                format!(
                    "{who}: the file has no BatchNormalization reading `{t}` ({})",
                    file.read_by(t)
                )
            })?;
            let n = &file.nodes[b];
            let eps = attr_f(n, "epsilon").unwrap_or(1e-5);
            if !ops::same(eps, *epsilon) {
                return Err(format!(
                    "{who}: the file's node {} has epsilon = {eps:e} (PyTorch's BatchNorm1d default is 1e-5, Keras's 1e-3): declare `BatchNormalization<epsilon = {eps:e}>`",
                    label(n)
                ));
            }
            if attr_i(n, "training_mode").unwrap_or(0) != 0 {
                return Err(format!(
                    "{who}: the file's node {} is in training mode",
                    label(n)
                ));
            }
            let mut arrays = Vec::new();
            for (k, w) in ["gamma", "beta", "moving_mean", "moving_variance"]
                .iter()
                .enumerate()
            {
                let v = bias_of(file, n, k + 1, units, &who)?;
                arrays.push(array(w, vec![units], v));
            }
            Ok((file.take(b), arrays))
        }
        Op::Layer(Layer::Activation {
            function: (kind, settings),
            ..
        }) => {
            let unary = ops::layer(kind, settings).map_err(|e| format!("{who}: {e}"))?;
            Ok((match_unary(file, &who, t, &unary)?, Vec::new()))
        }
        Op::Layer(Layer::Normalization { .. }) => Err(format!(
            "{who}: reading a Normalization from an ONNX file is not supported (save_onnx writes \
             it as Sub and Div by constants); declare the model without it and normalise the \
             inputs, or load the statistics with `adapt`"
        )),
        Op::Layer(Layer::PReLU { units, .. }) => {
            let p = file.find(t, "PRelu").ok_or_else(|| {
                format!(
                    "{who}: the file has no PRelu reading `{t}` ({})",
                    file.read_by(t)
                )
            })?;
            let n = &file.nodes[p];
            let (s, v) = file.constant(n, 1)?;
            let alpha = match v.len() {
                1 => vec![v[0]; *units],
                k if k == *units => v,
                _ => {
                    return Err(format!(
                        "{who} has {units} slopes; the file's node {} has `{}` of shape {}",
                        label(n),
                        n.input[1],
                        shape(&s)
                    ));
                }
            };
            Ok((file.take(p), vec![array("alpha", vec![*units], alpha)]))
        }
        Op::Concatenate => {
            let c = file.find_merge(ins, "Concat", true).ok_or_else(|| {
                format!(
                    "{who}: the file has no Concat of `{}` in this order ({})",
                    ins.join("`, `"),
                    file.read_by(t)
                )
            })?;
            let axis = attr_i(&file.nodes[c], "axis").unwrap_or(1);
            if axis != 1 && axis != -1 {
                return Err(format!(
                    "{who}: the file's node {} concatenates on axis {axis}",
                    label(&file.nodes[c])
                ));
            }
            Ok((file.take(c), Vec::new()))
        }
        Op::Add | Op::Average => {
            let (ops_, name): (&[&str], &str) = match (&node.op, ins.len()) {
                (Op::Add, 2) => (&["Add", "Sum"], "Add"),
                (Op::Add, _) => (&["Sum"], "Sum"),
                _ => (&["Mean"], "Mean"),
            };
            let m = ops_
                .iter()
                .find_map(|op| file.find_merge(ins, op, false))
                .ok_or_else(|| {
                    format!(
                        "{who}: the file has no {name} of `{}` ({})",
                        ins.join("`, `"),
                        file.read_by(t)
                    )
                })?;
            Ok((file.take(m), Vec::new()))
        }
    }
}

/// A per-unit constant (a bias, a BatchNormalization statistic), broadcast
/// from one value if the file has one.
fn bias_of(
    file: &File<'_>,
    n: &NodeProto,
    k: usize,
    units: usize,
    who: &str,
) -> Result<Vec<f32>, String> {
    let (s, v) = file.constant(n, k)?;
    match v.len() {
        x if x == units => Ok(v),
        1 => Ok(vec![v[0]; units]),
        _ => Err(format!(
            "{who} has {units} units; the file's node {} has `{}` of shape {}",
            label(n),
            n.input[k],
            shape(&s)
        )),
    }
}

/// The file's operators for the element-wise function `u` applied to `t`:
/// its output value, or the difference.
fn match_unary<'a>(
    file: &mut File<'a>,
    who: &str,
    t: &'a str,
    u: &Unary,
) -> Result<&'a str, String> {
    let missing = |file: &File<'a>| {
        let hint = if *u == Unary::Softmax {
            "; a PyTorch model that ends in logits (its softmax in the loss) is declared with a linear last layer"
        } else {
            ""
        };
        format!(
            "{who} ends in {}, but in the file {}{hint}",
            u.describe(),
            file.read_by(t)
        )
    };
    match u {
        Unary::Identity => Ok(t),
        Unary::Op(op, attrs) => {
            let i = file.find(t, op).ok_or_else(|| missing(file))?;
            let n = &file.nodes[i];
            for (name, want) in attrs {
                let got = attr_f(n, name)
                    .or_else(|| ops::default_attribute(op, name))
                    .unwrap_or(f32::NAN);
                if !ops::same(got, *want) {
                    return Err(format!(
                        "{who} ends in {}; the file's node {} has {name}={got}",
                        u.describe(),
                        label(n)
                    ));
                }
            }
            Ok(file.take(i))
        }
        Unary::Softmax => {
            let i = file.find(t, "Softmax").ok_or_else(|| missing(file))?;
            let axis = attr_i(&file.nodes[i], "axis").unwrap_or(-1);
            if axis != -1 && axis != 1 {
                return Err(format!(
                    "{who}: the file's node {} is a Softmax over axis {axis}",
                    label(&file.nodes[i])
                ));
            }
            Ok(file.take(i))
        }
        Unary::Clip(lo, hi) => {
            let i = file.find(t, "Clip").ok_or_else(|| missing(file))?;
            let n = &file.nodes[i];
            let bound = |k: usize, attr: &str, none: f32| -> Result<f32, String> {
                match n.input.get(k).filter(|s| !s.is_empty()) {
                    Some(_) => file
                        .constant(n, k)
                        .map(|(_, v)| v.first().copied().unwrap_or(none)),
                    None => Ok(attr_f(n, attr).unwrap_or(none)),
                }
            };
            let (a, b) = (
                bound(1, "min", f32::NEG_INFINITY)?,
                bound(2, "max", f32::INFINITY)?,
            );
            if !ops::same(a, *lo) || !ops::same(b, *hi) {
                return Err(format!(
                    "{who} ends in {}; the file's node {} is Clip(min={a}, max={b})",
                    u.describe(),
                    label(n)
                ));
            }
            Ok(file.take(i))
        }
        Unary::Swish => {
            let s = file.find(t, "Sigmoid").ok_or_else(|| missing(file))?;
            let sv = file.nodes[s].output.first().map_or("", |o| file.canon(o));
            let m = file
                .find_merge(&[sv, t], "Mul", false)
                .ok_or_else(|| missing(file))?;
            file.used[s] = true;
            Ok(file.take(m))
        }
        Unary::Gelu => {
            // ONNX's own `Gelu` (opset 20), exact form.
            if let Some(i) = file.find(t, "Gelu") {
                let n = &file.nodes[i];
                let approximate = attribute(n, "approximate")
                    .and_then(|a| a.s.as_deref())
                    .map_or("none".into(), String::from_utf8_lossy);
                if approximate != "none" {
                    return Err(format!(
                        "{who} ends in gelu (exact, erf); the file's node {} is Gelu(approximate=\"{approximate}\")",
                        label(n)
                    ));
                }
                return Ok(file.take(i));
            }
            // `0.5 * x * (1 + Erf(x / sqrt(2)))`, as PyTorch's exporter (and
            // ours) writes it: Div, Erf, Add 1, then the two Muls in either
            // order (`x * (1 + erf) * 0.5` or `x * 0.5 * (1 + erf)`).
            let d = file
                .find_scalar(t, "Div", core::f32::consts::SQRT_2, true)
                .ok_or_else(|| missing(file))?;
            let e = file
                .find(file.output(d), "Erf")
                .ok_or_else(|| missing(file))?;
            let a = file
                .find_scalar(file.output(e), "Add", 1.0, false)
                .ok_or_else(|| missing(file))?;
            let add = file.output(a);
            let (m1, m2) = if let Some(m1) = file.find_merge(&[t, add], "Mul", false) {
                let m2 = file.find_scalar(file.output(m1), "Mul", 0.5, false);
                (m1, m2)
            } else {
                let m1 = file
                    .find_scalar(t, "Mul", 0.5, false)
                    .ok_or_else(|| missing(file))?;
                let m2 = file.find_merge(&[file.output(m1), add], "Mul", false);
                (m1, m2)
            };
            let m2 = m2.ok_or_else(|| missing(file))?;
            for i in [d, e, a, m1] {
                file.used[i] = true;
            }
            Ok(file.take(m2))
        }
    }
}
