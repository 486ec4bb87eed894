//! The checked model every stage after `validate` reads: one form for both
//! syntaxes. A chain is a graph with one input, one output and a straight
//! plan: `Flatten[28, 28] -> Dense<300, relu> -> Dense<10, softmax>` is the
//! input node `input_layer` (784 values), then one node per layer, each
//! reading the one before, and the last layer's node as the one output.
//! What only a chain has (its typed input, `[28, 28]` or `[8]`, and the
//! `Network` trait) hangs on [`Model::chain_input`].

use mlp_spec::{ActivationSpec, FunctionSpec};
use syn::{Attribute, Ident, Visibility};

/// A checked network or graph, ready to expand.
pub struct Model {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    /// A chain's declared input shape (`[28, 28]` or `[8]`); `None` for a
    /// graph, whose inputs are its `Input` nodes.
    pub chain_input: Option<Vec<usize>>,
    /// Every node in declaration order (an order of computation).
    pub nodes: Vec<NodeModel>,
    /// The layers with a field in the struct, in declaration order.
    pub layers: Vec<LayerModel>,
    /// The declared outputs: the field name and the node.
    pub outputs: Vec<(Ident, usize)>,
}

impl Model {
    /// A chain's declared input shape; empty for a graph.
    pub fn input_shape(&self) -> &[usize] {
        self.chain_input.as_deref().unwrap_or_default()
    }

    /// A chain lowered into a graph: the input node `input_layer` of
    /// `input_shape`'s size, one node per layer reading the one before, and
    /// the last layer's node as the one output, named as the layer.
    pub fn chain(
        (attrs, vis, ident): (Vec<Attribute>, Visibility, Ident),
        input_shape: Vec<usize>,
        layers: Vec<LayerModel>,
    ) -> Self {
        let mut nodes = vec![NodeModel {
            binding: Ident::new("input_layer", ident.span()),
            name: "input_layer".into(),
            kind: NodeModelKind::Input,
            sources: Vec::new(),
            width: input_shape.iter().product(),
        }];
        for (l, layer) in layers.iter().enumerate() {
            nodes.push(NodeModel {
                binding: layer.field.clone(),
                name: layer.field.to_string(),
                kind: NodeModelKind::Layer(l),
                sources: vec![l],
                width: layer.kind.units(),
            });
        }
        let outputs = layers
            .last()
            .map(|last| (last.field.clone(), layers.len()))
            .into_iter()
            .collect();
        Self {
            attrs,
            vis,
            ident,
            chain_input: Some(input_shape),
            nodes,
            layers,
            outputs,
        }
    }
}

/// One layer with a field in the struct.
pub struct LayerModel {
    pub field: Ident,
    pub kind: LayerModelKind,
}

/// A layer's kind with the macro's payload: resolved tokens.
pub type LayerModelKind = mlp_spec::LayerOp<Resolved>;

/// The macro's payload of a layer kind: the activation's row, initializers,
/// regularizers and constraints resolved with their arguments (a Dense
/// layer's `options` are `kernel_regularizer`, `bias_regularizer`,
/// `kernel_constraint`, `bias_constraint`), an activation layer's kind and
/// its settings in the shared table's order.
pub struct Resolved;

impl mlp_spec::Payload for Resolved {
    type Activation = &'static ActivationSpec;
    type Init = Init;
    type DenseOptions = [Option<Init>; 4];
    type Function = (&'static str, Vec<f32>);

    fn function_name(function: &Self::Function) -> &str {
        function.0
    }
}

/// A function option (initializer, regularizer, constraint) and its
/// arguments, resolved.
#[derive(Clone, PartialEq, Debug)]
pub struct Init {
    pub spec: &'static FunctionSpec,
    /// One value per parameter of `spec`, in its order.
    pub args: Vec<f32>,
}

impl Init {
    /// A default initializer, by Keras's name.
    pub fn default_for(name: &str) -> Self {
        let spec = mlp_spec::initializer(name).expect("the default initializers are in the table");
        Self {
            spec,
            args: spec.params.iter().map(|(_, v)| *v).collect(),
        }
    }
}

/// One node.
pub struct NodeModel {
    /// The name it has in the declaration (a local of `predict_one`).
    pub binding: Ident,
    /// Keras's layer name (the input's name for an input).
    pub name: String,
    pub kind: NodeModelKind,
    /// The nodes it reads, as indices into `Model::nodes`.
    pub sources: Vec<usize>,
    /// Values per sample after it.
    pub width: usize,
}

pub enum NodeModelKind {
    Input,
    /// The layer at this index of `Model::layers`.
    Layer(usize),
    Merge(Merge),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    Concatenate,
    Add,
    Average,
}

impl Merge {
    /// Each merge with Keras's class name and default layer name.
    const NAMES: [(Self, &'static str, &'static str); 3] = [
        (Self::Concatenate, "Concatenate", "concatenate"),
        (Self::Add, "Add", "add"),
        (Self::Average, "Average", "average"),
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES.iter().find(|m| m.1 == name).map(|m| m.0)
    }

    pub fn class_name(self) -> &'static str {
        Self::NAMES[self as usize].1
    }

    pub fn default_name(self) -> &'static str {
        Self::NAMES[self as usize].2
    }
}
