//! How each activation is written in ONNX, once for the reader and the
//! writer: a Keras activation (`relu`) or an activation layer (`ReLU` with
//! its options) as ONNX operators.

use std::format;
use std::string::String;
use std::vec::Vec;

/// Keras's `selu` constants (ONNX's `Selu` defaults are the same `f32`s).
pub const SELU_ALPHA: f32 = 1.673_263_2;
/// Keras's `selu` scale.
pub const SELU_SCALE: f32 = 1.050_701;

/// An element-wise function as ONNX writes it.
#[derive(Clone, Debug, PartialEq)]
pub enum Unary {
    /// The identity: no operator.
    Identity,
    /// One operator with these float attributes (`Relu`, `Elu` with
    /// `alpha`, ...).
    Op(&'static str, Vec<(&'static str, f32)>),
    /// `Softmax` over the last axis.
    Softmax,
    /// `Clip(x, min, max)`, its bounds as inputs (opset 11 and newer).
    Clip(f32, f32),
    /// `x * Sigmoid(x)`: `Sigmoid`, then `Mul`.
    Swish,
    /// `0.5 * x * (1 + Erf(x / sqrt(2)))`: `Div`, `Erf`, `Add`, `Mul`, `Mul`.
    Gelu,
}

impl Unary {
    /// The operators it is written with, as messages show them.
    pub fn describe(&self) -> String {
        match self {
            Unary::Identity => "no operator".into(),
            Unary::Op(op, attrs) if attrs.is_empty() => (*op).into(),
            Unary::Op(op, attrs) => {
                let a: Vec<String> = attrs.iter().map(|(n, v)| format!("{n}={v}")).collect();
                format!("{op}({})", a.join(", "))
            }
            Unary::Softmax => "Softmax".into(),
            Unary::Clip(lo, hi) => format!("Clip(min={lo}, max={hi})"),
            Unary::Swish => "Sigmoid and Mul (swish)".into(),
            Unary::Gelu => "Div, Erf, Add, Mul, Mul (gelu)".into(),
        }
    }
}

/// The ONNX form of the Keras activation `name` (`None` for a name this
/// table does not know).
pub fn activation(name: &str) -> Option<Unary> {
    let op = |op: &'static str| Unary::Op(op, Vec::new());
    Some(match name {
        "linear" => Unary::Identity,
        "relu" => op("Relu"),
        "sigmoid" => op("Sigmoid"),
        "softmax" => Unary::Softmax,
        "tanh" => op("Tanh"),
        "elu" => Unary::Op("Elu", [("alpha", 1.0)].into()),
        "selu" => Unary::Op(
            "Selu",
            [("alpha", SELU_ALPHA), ("gamma", SELU_SCALE)].into(),
        ),
        "leaky_relu" => Unary::Op("LeakyRelu", [("alpha", 0.2)].into()),
        "softplus" => op("Softplus"),
        "exponential" => op("Exp"),
        "softsign" => op("Softsign"),
        "relu6" => Unary::Clip(0.0, 6.0),
        "hard_sigmoid" => Unary::Op("HardSigmoid", [("alpha", 1.0 / 6.0), ("beta", 0.5)].into()),
        "swish" | "silu" => Unary::Swish,
        "gelu" => Unary::Gelu,
        _ => return None,
    })
}

/// The ONNX form of an activation layer (`"ReLU"`, `"LeakyReLU"`, `"ELU"`)
/// with its options in the shared table's order, or why it has none.
pub fn layer(kind: &str, settings: &[f32]) -> Result<Unary, String> {
    match (kind, settings) {
        ("ReLU", [max, 0.0, 0.0]) if max.is_infinite() => Ok(Unary::Op("Relu", Vec::new())),
        ("ReLU", [max, 0.0, 0.0]) => Ok(Unary::Clip(0.0, *max)),
        ("ReLU", [max, slope, 0.0]) if max.is_infinite() => {
            Ok(Unary::Op("LeakyRelu", [("alpha", *slope)].into()))
        }
        ("ReLU", _) => Err(
            "a ReLU with a threshold, or with both a cap and a negative slope, has no ONNX operator"
                .into(),
        ),
        ("LeakyReLU", [slope]) => Ok(Unary::Op("LeakyRelu", [("alpha", *slope)].into())),
        ("ELU", [alpha]) => Ok(Unary::Op("Elu", [("alpha", *alpha)].into())),
        _ => Err(format!("no ONNX form of the layer {kind}")),
    }
}

/// ONNX's default of a float attribute of `op`, where it has one.
pub fn default_attribute(op: &str, name: &str) -> Option<f32> {
    Some(match (op, name) {
        ("Elu", "alpha") => 1.0,
        ("LeakyRelu", "alpha") => 0.01,
        ("Selu", "alpha") => SELU_ALPHA,
        ("Selu", "gamma") => SELU_SCALE,
        ("HardSigmoid", "alpha") => 0.2,
        ("HardSigmoid", "beta") => 0.5,
        ("BatchNormalization", "epsilon") => 1e-5,
        ("Gemm", "alpha" | "beta") => 1.0,
        _ => return None,
    })
}

/// Whether two float options are the same (equal as `f32`, or within a
/// relative 1e-6 where a file wrote them through `f64`).
pub fn same(a: f32, b: f32) -> bool {
    a == b || (a - b).abs() <= 1e-6 * b.abs().max(a.abs())
}
