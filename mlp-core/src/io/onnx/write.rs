//! A declared model written as an ONNX inference graph: opset 17, a
//! dynamic batch axis (`batch`), Dense as `Gemm` with the kernel as Keras
//! holds it (`(inputs, units)`, `transB = 0`), each activation as its ONNX
//! operator(s) (the table shared with the reader:
//! `mlp_spec::onnx::ops`), BatchNormalization with its moving statistics
//! and epsilon, Dropout left out (the identity at inference), merges as
//! `Concat`, `Add`/`Sum` and `Mean`, each declared output named after it
//! (through an `Identity` where its node has another name).

use crate::weights::NamedArray;
use mlp_spec::arch::{Arch, Layer, Op};
use mlp_spec::onnx::ops::{self, Unary};
use mlp_spec::onnx::proto::attribute_proto::AttributeType;
use mlp_spec::onnx::proto::tensor_proto::DataType;
use mlp_spec::onnx::proto::tensor_shape_proto::{Dimension, dimension};
use mlp_spec::onnx::proto::{
    AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, ValueInfoProto, type_proto,
};
use prost::Message;

/// The graph being written.
#[derive(Default)]
struct Builder {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
}

/// A float attribute.
fn float(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Float as i32),
        f: Some(v),
        ..AttributeProto::default()
    }
}

/// An integer attribute.
fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(AttributeType::Int as i32),
        i: Some(v),
        ..AttributeProto::default()
    }
}

/// A float tensor's type with a dynamic batch axis: `(batch, dims...)`.
fn value_info(name: &str, dims: &[usize]) -> ValueInfoProto {
    let batch = Dimension {
        value: Some(dimension::Value::DimParam("batch".into())),
        ..Dimension::default()
    };
    let rest = dims.iter().map(|&d| Dimension {
        value: Some(dimension::Value::DimValue(d as i64)),
        ..Dimension::default()
    });
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto {
                    dim: std::iter::once(batch).chain(rest).collect(),
                }),
            })),
            ..TypeProto::default()
        }),
        ..ValueInfoProto::default()
    }
}

impl Builder {
    /// An operator reading `inputs`, writing the value `output`.
    fn node(&mut self, op: &str, inputs: &[&str], output: &str, attrs: Vec<AttributeProto>) {
        self.nodes.push(NodeProto {
            name: Some(format!("{output}/{op}")),
            op_type: Some(op.into()),
            input: inputs.iter().map(|s| (*s).to_string()).collect(),
            output: vec![output.into()],
            attribute: attrs,
            ..NodeProto::default()
        });
    }

    /// A float initializer named `name`.
    fn constant(&mut self, name: &str, dims: &[usize], data: &[f32]) -> String {
        self.initializers.push(TensorProto {
            name: Some(name.into()),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: Some(DataType::Float as i32),
            raw_data: Some(data.iter().flat_map(|v| v.to_le_bytes()).collect()),
            ..TensorProto::default()
        });
        name.into()
    }

    /// The element-wise function `u` of `x`, its result named `out`.
    fn unary(&mut self, u: &Unary, x: &str, out: &str) -> String {
        match u {
            Unary::Identity => return x.into(),
            Unary::Op(op, attrs) => {
                let attrs = attrs.iter().map(|(n, v)| float(n, *v)).collect();
                self.node(op, &[x], out, attrs);
            }
            Unary::Softmax => self.node("Softmax", &[x], out, vec![int("axis", -1)]),
            Unary::Clip(lo, hi) => {
                let lo = self.constant(&format!("{out}/min"), &[], &[*lo]);
                let hi = self.constant(&format!("{out}/max"), &[], &[*hi]);
                self.node("Clip", &[x, &lo, &hi], out, Vec::new());
            }
            Unary::Swish => {
                let s = format!("{out}/sigmoid");
                self.node("Sigmoid", &[x], &s, Vec::new());
                self.node("Mul", &[x, &s], out, Vec::new());
            }
            Unary::Gelu => {
                let root2 =
                    self.constant(&format!("{out}/sqrt2"), &[], &[std::f32::consts::SQRT_2]);
                let one = self.constant(&format!("{out}/one"), &[], &[1.0]);
                let half = self.constant(&format!("{out}/half"), &[], &[0.5]);
                let (d, e, a, m) = (
                    format!("{out}/div"),
                    format!("{out}/erf"),
                    format!("{out}/add"),
                    format!("{out}/mul"),
                );
                self.node("Div", &[x, &root2], &d, Vec::new());
                self.node("Erf", &[&d], &e, Vec::new());
                self.node("Add", &[&e, &one], &a, Vec::new());
                self.node("Mul", &[x, &a], &m, Vec::new());
                self.node("Mul", &[&m, &half], out, Vec::new());
            }
        }
        out.into()
    }
}

/// The bytes of the ONNX model of `arch` with the weights `arrays` (in
/// [`Arch::weights`]'s order and Keras's layout), or why a layer cannot be
/// written.
pub(crate) fn encode(arch: &Arch, arrays: &[NamedArray]) -> Result<Vec<u8>, String> {
    let mut b = Builder::default();
    let mut weights = arrays.iter();
    let mut value: Vec<String> = Vec::with_capacity(arch.nodes.len());
    let mut inputs = Vec::new();
    for node in &arch.nodes {
        let ins: Vec<&str> = node.inputs.iter().map(|&i| value[i].as_str()).collect();
        let x = ins.first().copied().unwrap_or("");
        let name = node.name.as_str();
        let mut next = |b: &mut Builder| -> Result<String, String> {
            let a = weights
                .next()
                .ok_or_else(|| format!("layer `{name}`: its weights are missing"))?;
            Ok(b.constant(&a.name, &a.shape, &a.data))
        };
        let v = match &node.op {
            Op::Input { shape } => {
                inputs.push(value_info(name, shape));
                name.to_string()
            }
            Op::Layer(Layer::Flatten { .. }) => {
                b.node("Flatten", &[x], name, vec![int("axis", 1)]);
                name.to_string()
            }
            Op::Layer(Layer::Dropout { .. }) => x.to_string(),
            Op::Layer(Layer::Dense { activation, .. }) => {
                let (k, bias) = (next(&mut b)?, next(&mut b)?);
                let u = ops::activation(activation)
                    .ok_or_else(|| format!("layer `{name}`: no ONNX form of `{activation}`"))?;
                let z = if u == Unary::Identity {
                    name.to_string()
                } else {
                    format!("{name}/gemm")
                };
                b.node("Gemm", &[x, &k, &bias], &z, Vec::new());
                b.unary(&u, &z, name)
            }
            Op::Layer(Layer::BatchNormalization { epsilon, .. }) => {
                let w: Vec<String> = (0..4).map(|_| next(&mut b)).collect::<Result<_, _>>()?;
                let mut all = vec![x];
                all.extend(w.iter().map(String::as_str));
                b.node(
                    "BatchNormalization",
                    &all,
                    name,
                    vec![float("epsilon", *epsilon)],
                );
                name.to_string()
            }
            Op::Layer(Layer::Activation {
                function: (kind, settings),
                ..
            }) => {
                let u = ops::layer(kind, settings).map_err(|e| format!("layer `{name}`: {e}"))?;
                b.unary(&u, x, name)
            }
            Op::Layer(Layer::Normalization { .. }) => {
                // `(x - mean) / max(sqrt(variance), 1e-7)`: Sub and Div by
                // constants, the divisor computed here as Keras computes it.
                let mut take = || {
                    weights
                        .next()
                        .ok_or_else(|| format!("layer `{name}`: its weights are missing"))
                };
                let (mean, variance, _count) = (take()?, take()?, take()?);
                let std: Vec<f32> = variance.data.iter().map(|v| v.sqrt().max(1e-7)).collect();
                let mean = b.constant(&mean.name, &mean.shape, &mean.data);
                let std = b.constant(&format!("{name}/std"), &variance.shape, &std);
                let centered = format!("{name}/centered");
                b.node("Sub", &[x, &mean], &centered, Vec::new());
                b.node("Div", &[&centered, &std], name, Vec::new());
                name.to_string()
            }
            Op::Layer(Layer::PReLU { .. }) => {
                let alpha = next(&mut b)?;
                b.node("PRelu", &[x, &alpha], name, Vec::new());
                name.to_string()
            }
            Op::Concatenate => {
                b.node("Concat", &ins, name, vec![int("axis", 1)]);
                name.to_string()
            }
            Op::Add if ins.len() == 2 => {
                b.node("Add", &ins, name, Vec::new());
                name.to_string()
            }
            Op::Add => {
                b.node("Sum", &ins, name, Vec::new());
                name.to_string()
            }
            Op::Average => {
                b.node("Mean", &ins, name, Vec::new());
                name.to_string()
            }
        };
        value.push(v);
    }
    let mut outputs = Vec::new();
    for (port, node) in &arch.outputs {
        // An output layer's value already has the port's name.
        if value[*node] != *port {
            b.node("Identity", &[&value[*node]], port, Vec::new());
        }
        outputs.push(value_info(port, &[arch.nodes[*node].size]));
    }
    let model = ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(mlp_spec::onnx::OPSET),
        }],
        producer_name: Some("mlp".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        graph: Some(GraphProto {
            name: Some(arch.name.clone()),
            node: b.nodes,
            initializer: b.initializers,
            input: inputs,
            output: outputs,
            ..GraphProto::default()
        }),
        ..ModelProto::default()
    };
    Ok(model.encode_to_vec())
}
