//! The graph form of `network!` (Keras's Functional API): the book's Wide &
//! Deep model with two inputs and two outputs, its Keras-trained weights
//! (tests/fixtures/keras-files/wide_deep_two_outputs, saved by Keras 3.15.1)
//! predicting what Keras predicted to 1e-5; merges checked against a hand
//! computation; the layer and node tables.

use mlp::graph::{NodeInfo, NodeKind};
use mlp::prelude::*;
use mlp::weights::NamedArray;
use std::path::{Path, PathBuf};

mod common {
    pub mod graphs;
}
use common::graphs::{Merges, MergesInputs, WideDeep, WideDeepInputs};

network! {
    /// The same model with Keras's default names.
    pub struct WideDeepDefaults {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras-files")
        .join(name)
}

fn npy(path: &Path) -> Vec<f32> {
    mlp::datasets::npy::read(path).unwrap().data
}

#[test]
fn keras_wide_and_deep_predicts_as_keras() {
    let dir = folder("wide_deep_two_outputs");
    let mut model = WideDeep::new_zeroed();
    // Read by the library (`KerasFile::load_keras_weights`; see tests/graph_weights.rs).
    model
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap();
    // The weights really were read.
    assert!(model.params().iter().filter(|&&v| v != 0.0).count() > WideDeep::PARAMS / 2);
    let wide = npy(&dir.join("input_0.npy"));
    let deep = npy(&dir.join("input_1.npy"));
    let main = npy(&dir.join("output_0.npy"));
    let aux = npy(&dir.join("output_1.npy"));
    assert_eq!(wide.len(), 50 * 5);
    assert_eq!(deep.len(), 50 * 6);
    let mut worst = 0.0_f32;
    for (i, (w, d)) in wide.chunks_exact(5).zip(deep.chunks_exact(6)).enumerate() {
        let y = model.predict_one(&WideDeepInputs {
            wide_input: SVector::from_column_slice(w),
            deep_input: SVector::from_column_slice(d),
        });
        worst = worst
            .max((y.main_output[0] - main[i]).abs())
            .max((y.aux_output[0] - aux[i]).abs());
    }
    assert!(worst <= 1e-5, "max abs diff {worst}");
    // Not a constant answer: Keras's predictions vary across the rows.
    let spread = main.iter().copied().fold(f32::MIN, f32::max)
        - main.iter().copied().fold(f32::MAX, f32::min);
    assert!(spread > 0.1, "{spread}");
}

#[test]
fn tables_use_keras_names() {
    let names: Vec<&str> = WideDeepDefaults::LAYERS.iter().map(|l| l.name).collect();
    assert_eq!(names, ["dense", "dense_1", "main_output", "aux_output"]);
    assert_eq!(
        WideDeepDefaults::PARAMS,
        1207,
        "Keras's summary: 1,207 trainable"
    );
    let nodes = WideDeep::NODES;
    let row = |name: &str| -> &'static NodeInfo { nodes.iter().find(|n| n.name == name).unwrap() };
    assert_eq!(row("wide_input").kind, NodeKind::Input);
    assert_eq!(row("concatenate").kind, NodeKind::Concatenate);
    assert_eq!(row("concatenate").inputs, ["wide_input", "dense_3"]);
    assert_eq!(row("concatenate").size, 35);
    assert_eq!(row("main_output").kind, NodeKind::Layer(2));
    assert_eq!(row("aux_output").inputs, ["dense_3"]);
    let inputs: Vec<(&str, usize)> = WideDeep::INPUTS.iter().map(|p| (p.name, p.size)).collect();
    assert_eq!(inputs, [("wide_input", 5), ("deep_input", 6)]);
    let outputs: Vec<&str> = WideDeep::OUTPUTS.iter().map(|p| p.name).collect();
    assert_eq!(outputs, ["main_output", "aux_output"]);
    // `output hidden;` names the output `hidden`, its layer `hidden_layer`.
    assert_eq!(Merges::OUTPUTS[1].name, "hidden");
    assert_eq!(Merges::OUTPUTS[1].node, "hidden_layer");
    assert_eq!(
        Merges::NODES.iter().map(|n| n.name).collect::<Vec<_>>(),
        [
            "a",
            "b",
            "add",
            "average",
            "concatenate",
            "y",
            "hidden_layer"
        ]
    );
    // Keras's weight names and shapes, in declaration order.
    let model = WideDeep::new(7);
    let weights: Vec<(String, Vec<usize>)> = model
        .get_weights()
        .into_iter()
        .map(|a| (a.name, a.shape))
        .collect();
    assert_eq!(
        weights,
        [
            ("dense_2/kernel".to_string(), vec![6, 30]),
            ("dense_2/bias".to_string(), vec![30]),
            ("dense_3/kernel".to_string(), vec![30, 30]),
            ("dense_3/bias".to_string(), vec![30]),
            ("main_output/kernel".to_string(), vec![35, 1]),
            ("main_output/bias".to_string(), vec![1]),
            ("aux_output/kernel".to_string(), vec![30, 1]),
            ("aux_output/bias".to_string(), vec![1]),
        ]
    );
}

#[test]
fn merges_match_a_hand_computation() {
    let mut model = Merges::new_zeroed();
    let array = |name: &str, shape: Vec<usize>, data: Vec<f32>| NamedArray {
        name: name.into(),
        shape,
        data,
    };
    model
        .set_weights(&[
            // y = 1*sum0 + 2*sum1 + 3*mean0 + 4*mean1 + 5*a0 + 6*a1 + 0.5
            array("y/kernel", vec![6, 1], vec![1., 2., 3., 4., 5., 6.]),
            array("y/bias", vec![1], vec![0.5]),
            // hidden = relu([b0 - b1, b0 + b1] + [0, -10])
            array("hidden_layer/kernel", vec![2, 2], vec![1., 1., -1., 1.]),
            array("hidden_layer/bias", vec![2], vec![0., -10.]),
        ])
        .unwrap();
    let out = model.predict_one(&MergesInputs {
        a: SVector::from([1.0, 2.0]),
        b: SVector::from([3.0, -4.0]),
    });
    // sum = (4, -2), mean = (2, -1), a = (1, 2):
    // 4 - 4 + 6 - 4 + 5 + 12 + 0.5 = 19.5
    assert_eq!(out.y, SVector::from([19.5]));
    // b0 - b1 = 7, b0 + b1 - 10 = -11 -> relu -> 0
    assert_eq!(out.hidden, SVector::from([7.0, 0.0]));
}

#[test]
fn initialization_is_seeded_and_covers_every_layer() {
    let a = WideDeep::new(3);
    let b = WideDeep::new(3);
    let c = WideDeep::new(4);
    assert_eq!(a.params(), b.params());
    assert_ne!(a.params(), c.params());
    for layer in ["dense_2", "dense_3", "main_output", "aux_output"] {
        let kernel = a.get_layer(layer).unwrap().kernel().unwrap().into_owned();
        assert!(kernel.iter().any(|&v| v != 0.0), "{layer}");
    }
    let err = a.get_layer("dense_9").unwrap_err().to_string();
    assert!(err.contains("dense_9"), "{err}");
}
