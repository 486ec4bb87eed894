//! Weights files for graphs: the Keras-trained Wide & Deep model
//! (tests/fixtures/keras-files/wide_deep_two_outputs, saved by Keras 3.15.1)
//! read through the library from its `.weights.h5` file and its `.keras`
//! archive, predicting what Keras predicted to 1e-5, whatever the layers are
//! named here and in whatever order they are declared; safetensors round
//! trips of a graph through a file; mismatched architectures refused.

use mlp::prelude::*;
use std::path::{Path, PathBuf};

mod common {
    pub mod graphs;
}
use common::graphs::{WideDeep, WideDeepInputs};

network! {
    /// The same model with Keras's default names, the auxiliary head
    /// declared before the main one: Keras's order of the layers (which
    /// numbers the file's groups) is not the declaration order.
    pub struct Reordered {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        aux = Dense<1>(hidden2);
        concat = Concatenate(wide, hidden2);
        main = Dense<1>(concat);
        output main;
        output aux;
    }
}

network! {
    /// The outputs in the other order: another model for Keras.
    pub struct Swapped {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        output aux = Dense<1>(hidden2);
        concat = Concatenate(wide, hidden2);
        output main = Dense<1>(concat);
    }
}

network! {
    /// A wider hidden layer than the file's.
    pub struct Wider {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<31, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide, hidden2);
        output main = Dense<1>(concat);
        output aux = Dense<1>(hidden2);
    }
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-files/wide_deep_two_outputs")
}

fn npy(name: &str) -> Vec<f32> {
    mlp::datasets::npy::read(&folder().join(name)).unwrap().data
}

/// The largest difference from Keras's predictions over the 50 saved rows,
/// `predict` giving (main, aux) for (wide, deep).
fn worst_difference(predict: impl Fn(&[f32], &[f32]) -> (f32, f32)) -> f32 {
    let (wide, deep) = (npy("input_0.npy"), npy("input_1.npy"));
    let (main, aux) = (npy("output_0.npy"), npy("output_1.npy"));
    assert_eq!((wide.len(), deep.len(), main.len()), (50 * 5, 50 * 6, 50));
    let mut worst = 0.0_f32;
    for (i, (w, d)) in wide.chunks_exact(5).zip(deep.chunks_exact(6)).enumerate() {
        let (m, a) = predict(w, d);
        worst = worst.max((m - main[i]).abs()).max((a - aux[i]).abs());
    }
    worst
}

fn wide_deep_difference(model: &WideDeep) -> f32 {
    worst_difference(|w, d| {
        let y = model.predict_one(&WideDeepInputs {
            wide_input: SVector::from_column_slice(w),
            deep_input: SVector::from_column_slice(d),
        });
        (y.main_output[0], y.aux_output[0])
    })
}

#[test]
fn keras_weights_file_predicts_as_keras() {
    let mut model = WideDeep::new_zeroed();
    model
        .load_keras_weights(folder().join("model.weights.h5"))
        .unwrap();
    assert!(model.params().iter().filter(|&&v| v != 0.0).count() > WideDeep::PARAMS / 2);
    let worst = wide_deep_difference(&model);
    assert!(worst <= 1e-5, "max abs diff {worst}");
    // Keras's predictions vary across the rows: not a constant answer.
    let main = npy("output_0.npy");
    let spread = main.iter().copied().fold(f32::MIN, f32::max)
        - main.iter().copied().fold(f32::MAX, f32::min);
    assert!(spread > 0.1, "{spread}");
}

#[test]
fn keras_archive_checks_the_architecture_and_loads_the_same_weights() {
    let mut from_h5 = WideDeep::new_zeroed();
    from_h5
        .load_keras_weights(folder().join("model.weights.h5"))
        .unwrap();
    let mut from_archive = WideDeep::new(3);
    from_archive
        .load_keras(folder().join("model.keras"))
        .unwrap();
    assert_eq!(from_archive.params(), from_h5.params());

    // An architecture other than the file's is refused, naming the layer,
    // and changes nothing.
    let mut wider = Wider::new(5);
    let before = wider.params().to_vec();
    let err = wider
        .load_keras(folder().join("model.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "layer 0 (counting from 0, InputLayers not counted, in Keras's order): the Keras \
             model `"
        ) && err.contains(
            "` has `dense_2`: Dense(30, activation=\"relu\"), the graph `Wider` declares \
             `dense`: Dense<31, relu>"
        ),
        "{err}"
    );
    let err = wider
        .load_keras_weights(folder().join("model.weights.h5"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected shape (6, 31), found (6, 30)"),
        "{err}"
    );
    assert_eq!(wider.params(), before.as_slice());
}

#[test]
fn layers_are_matched_by_keras_order_not_declaration_or_name() {
    // Keras numbers the groups by its order of the layers (`dense_2` is
    // the main head, declared last here) and ignores the names.
    let mut model = Reordered::new_zeroed();
    model
        .load_keras_weights(folder().join("model.weights.h5"))
        .unwrap();
    let worst = worst_difference(|w, d| {
        let y = model.predict_one(&ReorderedInputs {
            wide: SVector::from_column_slice(w),
            deep: SVector::from_column_slice(d),
        });
        (y.main[0], y.aux[0])
    });
    assert!(worst <= 1e-5, "max abs diff {worst}");
    let mut archive = Reordered::new_zeroed();
    archive.load_keras(folder().join("model.keras")).unwrap();
    assert_eq!(archive.params(), model.params());

    // With the outputs swapped, Keras's third Dense is the auxiliary head:
    // the file's main head (35 inputs) does not fit it.
    let mut swapped = Swapped::new_zeroed();
    let err = swapped
        .load_keras_weights(folder().join("model.weights.h5"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("expected shape (30, 1), found (35, 1)"),
        "{err}"
    );
    let err = swapped
        .load_keras(folder().join("model.keras"))
        .unwrap_err()
        .to_string();
    // The archive's layer list has the same kinds in that order, but not
    // the same connections: the file's main head (reading the Concatenate)
    // sits where the auxiliary head (reading `hidden2`) is declared.
    assert!(
        err.ends_with(
            "the Keras model's layer `main_output` (the graph's `aux`) reads [`concatenate`] \
             ([`concatenate`] here), the graph `Swapped` wires `aux` to [`dense_1`]"
        ),
        "{err}"
    );
    assert_eq!(swapped.params(), Swapped::new_zeroed().params());
}

#[test]
fn a_graph_saved_as_keras_reads_back_and_keeps_its_connections() {
    // Keras's weights, written back as a Functional `.keras` archive.
    let mut model = WideDeep::new_zeroed();
    model.load_keras(folder().join("model.keras")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide_deep.keras");
    model.save_keras(&path).unwrap();
    let mut back = Reordered::new(4);
    back.load_keras(&path).unwrap();
    assert!(wide_deep_difference(&model) <= 1e-5);
    let config: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    assert_eq!(config["class_name"], "Functional");
    // The same weights, whatever the names: Reordered's predictions are
    // the fixture's.
    let worst = worst_difference(|w, d| {
        let y = back.predict_one(&ReorderedInputs {
            wide: SVector::from_column_slice(w),
            deep: SVector::from_column_slice(d),
        });
        (y.main[0], y.aux[0])
    });
    assert!(worst <= 1e-5, "max abs diff {worst}");
    // The file's outputs are main then aux: a graph declaring them the
    // other way round is refused by name.
    let err = Swapped::new_zeroed()
        .load_keras(&path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the graph `Swapped` wires `aux` to [`dense_1`]"),
        "{err}"
    );
}

#[test]
fn safetensors_round_trip_through_a_file() {
    let mut keras = WideDeep::new_zeroed();
    keras
        .load_keras_weights(folder().join("model.weights.h5"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide_deep.safetensors");
    keras.save_weights(&path).unwrap();
    let mut copy = WideDeep::new(9);
    assert_ne!(copy.params(), keras.params());
    copy.load_weights(&path).unwrap();
    assert_eq!(copy.params(), keras.params());
    assert!(wide_deep_difference(&copy) <= 1e-5);
    // Keras's names in the file.
    let bytes = std::fs::read(&path).unwrap();
    let names: Vec<String> = safetensors::SafeTensors::deserialize(&bytes)
        .unwrap()
        .names()
        .into_iter()
        .map(String::from)
        .collect();
    for name in [
        "dense_2/kernel",
        "dense_3/bias",
        "main_output/kernel",
        "aux_output/bias",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    // Another graph's file is refused, naming the tensor, and changes nothing.
    let mut wider = Wider::new(1);
    let before = wider.params().to_vec();
    let err = wider.load_weights(&path).unwrap_err().to_string();
    assert!(
        err.contains("missing tensor(s) `dense/kernel` (6, 31)"),
        "{err}"
    );
    assert_eq!(wider.params(), before.as_slice());
}
