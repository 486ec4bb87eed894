//! The reader on hand-made models: unknown operators named with the ones
//! read, tensors that declare more than they hold, external data.

use super::proto::tensor_proto::{DataLocation, DataType};
use super::proto::{GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto};
use super::read_arrays;
use crate::arch::{Arch, Op};
use prost::Message;
use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

/// `Input[2] -> Dense<3>`.
fn arch() -> Arch {
    let mut arch = Arch::new("Net");
    let x = arch.push("input", Op::Input { shape: vec![2] }, &[]);
    let d = arch.push("dense", Op::dense(2, 3, "linear"), &[x]);
    arch.outputs.push(("output".into(), d));
    arch
}

fn tensor(name: &str, dims: &[i64], values: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.into()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Float as i32),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        ..TensorProto::default()
    }
}

fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
    NodeProto {
        name: Some(format!("{output}_node")),
        op_type: Some(op.into()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        ..NodeProto::default()
    }
}

fn model(nodes: Vec<NodeProto>, initializers: Vec<TensorProto>) -> Vec<u8> {
    let value = |n: &str| ValueInfoProto {
        name: Some(n.into()),
        ..ValueInfoProto::default()
    };
    ModelProto {
        graph: Some(GraphProto {
            node: nodes,
            initializer: initializers,
            input: vec![value("x")],
            output: vec![value("y")],
            ..GraphProto::default()
        }),
        ..ModelProto::default()
    }
    .encode_to_vec()
}

fn gemm(w: TensorProto) -> Vec<u8> {
    model(
        vec![node("Gemm", &["x", "w", "b"], "y")],
        vec![w, tensor("b", &[3], &[0.1, 0.2, 0.3])],
    )
}

#[test]
fn a_matching_model_gives_keras_kernels() {
    let w = tensor("w", &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let arrays = read_arrays(&gemm(w), &arch()).unwrap();
    assert_eq!(arrays[0].name, "dense/kernel");
    assert_eq!(arrays[0].data, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(arrays[1].data, [0.1, 0.2, 0.3]);
}

#[test]
fn unknown_operators_are_named_with_the_ones_read() {
    let bytes = model(
        vec![
            node("Conv", &["x", "w"], "c"),
            node("Gemm", &["c", "w", "b"], "y"),
        ],
        vec![tensor("w", &[2, 3], &[0.0; 6])],
    );
    let problems = read_arrays(&bytes, &arch()).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "the file uses operators this library does not read: `c_node` (Conv) uses `Conv`; \
             the ones read are Gemm, MatMul, Add,"
        ),
        "{problems:?}"
    );
}

#[test]
fn a_tensor_declaring_more_than_it_holds_is_an_error_not_an_allocation() {
    // 2^31 x 2^31 values declared, 24 bytes held.
    let mut w = tensor("w", &[1 << 31, 1 << 31], &[0.0; 6]);
    let problems = read_arrays(&gemm(w.clone()), &arch()).unwrap_err();
    assert_eq!(
        problems,
        [
            "tensor `w` declares 4611686018427387904 values but holds 6 (a truncated or corrupt file)"
        ]
    );
    // The declared shape is right but the data is short.
    w.dims = vec![2, 3];
    w.raw_data = Some(vec![0; 10]);
    let problems = read_arrays(&gemm(w.clone()), &arch()).unwrap_err();
    assert_eq!(
        problems,
        ["tensor `w` declares 6 values but holds a partial one (a truncated or corrupt file)"]
    );
    w.dims = vec![i64::MAX, i64::MAX];
    let problems = read_arrays(&gemm(w.clone()), &arch()).unwrap_err();
    assert_eq!(
        problems,
        ["tensor `w` declares more values than memory holds"]
    );
    w.dims = vec![-1, 3];
    let problems = read_arrays(&gemm(w), &arch()).unwrap_err();
    assert_eq!(problems, ["tensor `w` has a negative dimension -1"]);
}

#[test]
fn external_data_and_other_dtypes_are_refused_by_name() {
    let mut w = tensor("w", &[2, 3], &[0.0; 6]);
    w.data_location = Some(DataLocation::External as i32);
    let problems = read_arrays(&gemm(w.clone()), &arch()).unwrap_err();
    assert!(
        problems[0].contains("stored outside the file"),
        "{problems:?}"
    );
    w.data_location = None;
    w.data_type = Some(DataType::Float16 as i32);
    let problems = read_arrays(&gemm(w), &arch()).unwrap_err();
    assert_eq!(
        problems,
        ["tensor `w` has data type Float16; float weights (FLOAT, DOUBLE) are read"]
    );
}

#[test]
fn an_operator_outside_the_declaration_is_named() {
    let bytes = model(
        vec![
            node("Gemm", &["x", "w", "b"], "z"),
            node("Relu", &["z"], "y"),
        ],
        vec![
            tensor("w", &[2, 3], &[0.0; 6]),
            tensor("b", &[3], &[0.0; 3]),
        ],
    );
    let problems: Vec<String> = read_arrays(&bytes, &arch()).unwrap_err();
    assert!(
        problems.contains(
            &"node `y_node` (Relu) of the file is not in the declaration: it reads `z`, after layer `dense` (Dense<3, linear>)".to_string()
        ),
        "{problems:?}"
    );
}
