//! A declared model as plain data, for the readers of other frameworks'
//! files (PyTorch state dicts, ONNX) that the runtime (`mlp-core`) and the
//! `#[weights]` bake (`mlp-macros`) share: each builds an [`Arch`] from its
//! own description of the declaration (the layer table, the macro's model),
//! and the readers check a file against it and hand back the weights with
//! Keras's names, shapes and layout.
//!
//! ```
//! use mlp_spec::arch::{Arch, Op};
//!
//! let mut arch = Arch::new("Net");
//! let x = arch.push("input", Op::Input { shape: vec![4] }, &[]);
//! let h = arch.push("dense", Op::dense(4, 3, "relu"), &[x]);
//! arch.outputs.push(("output".into(), h));
//! assert_eq!(arch.nodes[h].size, 3);
//! assert_eq!(arch.nodes[h].op.describe(), "Dense<3, relu>"); // as in `network!`
//! assert_eq!(arch.weights()[0], ("dense/kernel".to_string(), vec![4, 3]));
//! ```

use crate::{Field, LayerOp, Payload};
use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

/// What a node computes.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A declared input of this shape (`[8]`, or `[28, 28]` before a
    /// `Flatten`).
    Input {
        /// The shape of one sample.
        shape: Vec<usize>,
    },
    /// A layer.
    Layer(Layer),
    /// `Concatenate(a, b, ...)`.
    Concatenate,
    /// `Add(a, b, ...)`.
    Add,
    /// `Average(a, b, ...)`.
    Average,
}

/// A layer as plain data: a Dense layer's activation by Keras's name
/// (`"relu"`), an activation layer's class name (`"ReLU"`) and numeric
/// options in the shared layer table's order (`f32::INFINITY` for `None`);
/// initializers and a Dense layer's options left out (`()`).
pub type Layer = LayerOp<Plain>;

/// The payload of a [`Layer`]: names.
#[derive(Clone, Debug, PartialEq)]
pub struct Plain;

impl Payload for Plain {
    type Activation = String;
    type Init = ();
    type DenseOptions = ();
    type Function = (String, Vec<f32>);

    fn function_name(function: &Self::Function) -> &str {
        &function.0
    }
}

impl ToPlain for Plain {
    fn activation_name(activation: &String) -> &str {
        activation
    }

    fn function_settings(function: &Self::Function) -> Vec<f32> {
        function.1.clone()
    }

    fn initializer_name(_: &()) -> Option<&str> {
        None
    }
}

/// A payload that a layer can be read as plain data from.
pub trait ToPlain: Payload {
    /// Keras's name of a Dense layer's activation: `"relu"`.
    fn activation_name(activation: &Self::Activation) -> &str;
    /// An activation layer's numeric options, in the shared layer table's
    /// order.
    fn function_settings(function: &Self::Function) -> Vec<f32>;
    /// Keras's name of an initializer (`"he_normal"`), where the payload
    /// has one.
    fn initializer_name(init: &Self::Init) -> Option<&str>;
}

/// How a layer or merge named `name` is declared, for messages:
/// `` `dense_1`: Dense<300, relu> ``.
pub fn declared(name: &str, declaration: &str) -> String {
    format!("`{name}`: {declaration}")
}

impl<P: ToPlain> LayerOp<P> {
    /// The layer as plain data, for the readers.
    pub fn to_plain(&self) -> Layer {
        match *self {
            Self::Flatten { rows, cols } => Layer::Flatten { rows, cols },
            Self::Dense {
                inputs,
                units,
                ref activation,
                ..
            } => Layer::Dense {
                inputs,
                units,
                activation: P::activation_name(activation).into(),
                kernel_initializer: (),
                bias_initializer: (),
                options: (),
            },
            Self::Dropout { units, rate } => Layer::Dropout { units, rate },
            Self::BatchNormalization {
                units,
                momentum,
                epsilon,
            } => Layer::BatchNormalization {
                units,
                momentum,
                epsilon,
            },
            Self::Activation {
                units,
                ref function,
            } => Layer::Activation {
                units,
                function: (
                    P::function_name(function).into(),
                    P::function_settings(function),
                ),
            },
            Self::PReLU { units, .. } => Layer::PReLU {
                units,
                alpha_initializer: (),
            },
            Self::Normalization { units } => Layer::Normalization { units },
        }
    }

    /// Its numeric options, named and ordered as in the shared layer table
    /// ([`crate::settings`]; `f32::INFINITY` is Keras's `None`): Dropout's
    /// `rate`, BatchNormalization's `momentum` and `epsilon`, an activation
    /// layer's options; none for the others.
    pub fn settings(&self) -> Vec<(&'static str, f32)> {
        let mut settings = Vec::new();
        for (name, field) in self.fields() {
            match field {
                Field::Number(v) => settings.push((name, v)),
                Field::Function(function) => {
                    let names = crate::settings(P::function_name(function)).iter();
                    let names = names.map(|(name, _)| *name);
                    settings.extend(names.zip(P::function_settings(function)));
                }
                _ => {}
            }
        }
        settings
    }

    /// The layer as declared in `network!`, its one wording in messages:
    /// `Flatten[28, 28]`, `Dense<300, elu, kernel_initializer = he_normal>`
    /// (an initializer where the payload names it and it is not Keras's
    /// default), the finite numeric options by name (`Dropout<rate = 0.2>`).
    pub fn declaration(&self) -> String {
        let mut args: Vec<String> = Vec::new();
        match self {
            Self::Flatten { rows, cols } => return format!("Flatten[{rows}, {cols}]"),
            Self::Dense {
                units, activation, ..
            } => args = vec![format!("{units}"), P::activation_name(activation).into()],
            _ => {}
        }
        let row = self.row().into_iter();
        for (weight, default) in row.flat_map(|row| row.weights.iter().zip(row.initializers)) {
            let name = self.initializer(weight).and_then(P::initializer_name);
            let name = name.filter(|name| name != default);
            args.extend(name.map(|name| format!("{weight}_initializer = {name}")));
        }
        let settings = self.settings();
        let set = settings.iter().filter(|(_, v)| v.is_finite());
        args.extend(set.map(|(name, v)| format!("{name} = {v}")));
        let class = self.class_name();
        if args.is_empty() {
            class.into()
        } else {
            format!("{class}<{}>", args.join(", "))
        }
    }
}

/// One node: its Keras name, what it computes, what it reads, its width.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Keras's layer name (`dense_1`), or the input's name.
    pub name: String,
    /// What it computes.
    pub op: Op,
    /// The nodes it reads, as indices of earlier nodes.
    pub inputs: Vec<usize>,
    /// Values per sample after it.
    pub size: usize,
}

/// A declared chain or graph: its nodes in an order of computation, and its
/// outputs (a name and a node each).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Arch {
    /// The struct's name, for messages.
    pub name: String,
    /// Every node, inputs first among them in declaration order.
    pub nodes: Vec<Node>,
    /// The declared outputs, in order.
    pub outputs: Vec<(String, usize)>,
}

/// One weight array with Keras's name (`dense/kernel`), shape and
/// row-major data.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// `<layer>/<weight>`.
    pub name: String,
    /// Keras's shape.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f32>,
}

impl Op {
    /// `Dense<units, activation>` reading `inputs` values.
    pub fn dense(inputs: usize, units: usize, activation: &str) -> Self {
        Op::Layer(Layer::Dense {
            inputs,
            units,
            activation: activation.into(),
            kernel_initializer: (),
            bias_initializer: (),
            options: (),
        })
    }

    /// How messages show it: a layer as declared
    /// ([`LayerOp::declaration`]), an input as `Input[8]`, a merge by its
    /// class name.
    pub fn describe(&self) -> String {
        match self {
            Op::Input { shape } => format!("Input{shape:?}"),
            Op::Layer(layer) => layer.declaration(),
            merge => merge.class_name().into(),
        }
    }

    /// Its width, for a layer (`None` for an input or a merge, whose width
    /// follows from what they read).
    pub fn units(&self) -> Option<usize> {
        match self {
            Op::Layer(layer) => Some(layer.units()),
            _ => None,
        }
    }

    /// Keras's class name: `Dense`, `ReLU`, `Concatenate`, `InputLayer`.
    pub fn class_name(&self) -> &str {
        match self {
            Op::Input { .. } => "InputLayer",
            Op::Layer(layer) => layer.class_name(),
            Op::Concatenate => "Concatenate",
            Op::Add => "Add",
            Op::Average => "Average",
        }
    }

    /// Its numeric options, named and ordered as in the shared layer table
    /// ([`crate::settings`]; `f32::INFINITY` is Keras's `None`): Dropout's
    /// `rate`, BatchNormalization's `momentum` and `epsilon`, an activation
    /// layer's options; none for the others.
    pub fn settings(&self) -> Vec<(&'static str, f32)> {
        match self {
            Op::Layer(layer) => layer.settings(),
            _ => Vec::new(),
        }
    }

    /// Its weights in Keras's order, named within the layer, with shapes
    /// (from the kind's row of the shared layer table).
    pub fn weights(&self) -> Vec<(&'static str, Vec<usize>)> {
        match self {
            Op::Layer(layer) => layer.weights(),
            _ => Vec::new(),
        }
    }
}

impl Arch {
    /// An empty model named `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Appends a node reading `inputs` and returns its index; its width
    /// follows from `op` (and, for merges, from what it reads).
    pub fn push(&mut self, name: &str, op: Op, inputs: &[usize]) -> usize {
        let widths = inputs.iter().map(|&i| self.nodes[i].size);
        let size = match &op {
            Op::Input { shape } => shape.iter().product(),
            Op::Concatenate => widths.sum(),
            Op::Add | Op::Average => widths.max().unwrap_or(0),
            layer => layer.units().unwrap_or(0),
        };
        self.nodes.push(Node {
            name: name.into(),
            op,
            inputs: inputs.to_vec(),
            size,
        });
        self.nodes.len() - 1
    }

    /// The inputs, in declaration order.
    pub fn inputs(&self) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| matches!(n.op, Op::Input { .. }))
    }

    /// The nodes in Keras's order ([`crate::keras_order`]): a chain's in
    /// declaration order, a graph's in `map_graph`'s.
    pub fn keras_order(&self) -> Vec<usize> {
        let inputs: Vec<Vec<usize>> = self.nodes.iter().map(|n| n.inputs.clone()).collect();
        let outputs: Vec<usize> = self.outputs.iter().map(|(_, n)| *n).collect();
        crate::keras_order(&inputs, &outputs).0
    }

    /// Every weight array the model needs, in declaration order, with
    /// Keras's names and shapes.
    pub fn weights(&self) -> Vec<(String, Vec<usize>)> {
        self.nodes
            .iter()
            .flat_map(|n| {
                n.op.weights()
                    .into_iter()
                    .map(move |(w, shape)| (format!("{}/{w}", n.name), shape))
            })
            .collect()
    }
}

/// Keras's tuple notation: `(784, 300)`, `(10,)`.
pub fn shape(dims: &[usize]) -> String {
    let inner: Vec<String> = dims.iter().map(|d| format!("{d}")).collect();
    if dims.len() == 1 {
        format!("({},)", inner[0])
    } else {
        format!("({})", inner.join(", "))
    }
}

/// `arrays` as a safetensors file (`F32`, Keras's names), the form the
/// `#[weights]` bake checks and generates from.
pub fn to_safetensors(arrays: &[Array]) -> Result<Vec<u8>, String> {
    use safetensors::{Dtype, tensor::TensorView};
    let data: Vec<Vec<u8>> = arrays
        .iter()
        .map(|a| a.data.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let mut views = Vec::new();
    for (a, d) in arrays.iter().zip(&data) {
        let view = TensorView::new(Dtype::F32, a.shape.clone(), d).map_err(|e| format!("{e}"))?;
        views.push((a.name.as_str(), view));
    }
    safetensors::serialize(views, None).map_err(|e| format!("{e}"))
}
