//! Chapter 10's `Normalization` layer against real Keras 3.15.1
//! (`tests/fixtures/keras-files/housing_normalization/make.py`: the book's
//! housing regressor starting with `Normalization`, adapted to the first
//! 15,000 raw rows of `data/california-housing/`): `adapt` gives Keras's
//! mean and variance; Keras's `.keras` and `.weights.h5` files load (the
//! int64 `count` included), bake at compile time and predict what Keras
//! predicted to 1e-5; the summary is Keras's line by line; our `.keras`,
//! `.weights.h5` and safetensors files hold Keras's names and shapes and
//! read back bit for bit; training never changes the layer's weights (an
//! optimizer with weight decay included); and the layer works in a graph.

use mlp::io::KerasFile;
use mlp::loss::MeanSquaredError;
use mlp::optim::{Adam, AdamW};
use mlp::prelude::*;
use mlp::train::Fit;
use std::path::{Path, PathBuf};

network! {
    /// The fixture's model: Keras's `[Normalization(), Dense(30, "relu"), Dense(1)]`.
    pub struct NormHousing { Input[8] -> Normalization -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The same with Keras's weights baked in at compile time.
    #[weights("tests/fixtures/keras-files/housing_normalization/model.keras")]
    pub struct BakedNormHousing { Input[8] -> Normalization -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The same baked with int8 Dense weights (`NormHousingInt8`); the
    /// Normalization layer stays in f32, as BatchNormalization does.
    #[weights("tests/fixtures/keras-files/housing_normalization/model.keras", quantize = "int8")]
    pub struct QuantNormHousing { Input[8] -> Normalization -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The book's first Wide & Deep model with its Normalization layer.
    pub struct NormWideDeep {
        input = Input[8];
        normalized = Normalization(input);
        hidden1 = Dense<30, relu>(normalized);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(normalized, hidden2);
        output output = Dense<1>(concat);
    }
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-files/housing_normalization")
}

fn npy(name: &str) -> Vec<f32> {
    mlp::datasets::npy::read(&folder().join(name)).unwrap().data
}

fn info() -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(folder().join("info.json")).unwrap()).unwrap()
}

/// The raw California housing rows, in the CSV's order.
fn housing() -> mlp::datasets::california_housing::Dataset {
    let csv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/california-housing/california_housing.csv");
    mlp::datasets::california_housing::load_csv(&csv).unwrap()
}

/// The fixture's 50 inputs.
fn inputs() -> Vec<SVector<f32, 8>> {
    npy("input_0.npy")
        .chunks_exact(8)
        .map(SVector::from_row_slice)
        .collect()
}

/// The largest difference between `predict(x)` and Keras's predictions.
fn max_abs_diff(predict: impl Fn(&SVector<f32, 8>) -> f32) -> f32 {
    inputs()
        .iter()
        .zip(npy("output_0.npy"))
        .map(|(x, y)| (predict(x) - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn adapt_gives_keras_mean_and_variance() {
    let data = housing();
    let mut model = NormHousing::new(1);
    model
        .adapt_normalization("normalization", &data.x[..15_000])
        .unwrap();
    let info = info();
    let keras = |key: &str| -> Vec<f32> {
        let list = info[key].as_array().unwrap();
        list.iter().map(|v| v.as_f64().unwrap() as f32).collect()
    };
    // Keras adapted the float64 rows; ours are the same rows as float32.
    for (ours, theirs, what) in [
        (model.normalization.mean(), keras("mean"), "mean"),
        (
            model.normalization.variance(),
            keras("variance"),
            "variance",
        ),
    ] {
        for (j, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert!(
                (a - b).abs() <= 1e-6 * b.abs().max(1.0),
                "{what} of feature {j}: ours {a}, Keras {b}"
            );
        }
    }
    assert_eq!(model.normalization.count(), 0.0);
    assert_eq!(info["count"], 0);
}

#[test]
fn keras_files_load_bake_and_predict_what_keras_predicted() {
    let mut model = NormHousing::new(1);
    model.load_keras(folder().join("model.keras")).unwrap();
    let diff = max_abs_diff(|x| model.predict_one(x)[0]);
    assert!(diff <= 1e-5, ".keras: max abs diff {diff}");
    // The adapted statistics really were read.
    assert!((model.normalization.variance()[4] - 1_296_911.9).abs() < 1.0);

    let mut from_h5 = NormHousing::new(2);
    from_h5
        .load_keras_weights(folder().join("model.weights.h5"))
        .unwrap();
    assert_eq!(from_h5.params(), model.params());

    let baked = BakedNormHousing::WEIGHTS;
    assert_eq!(baked.params(), model.params());

    // The batch path predicts the same as the one-sample path.
    let x = inputs();
    let batch = model.predict_with_batch_size(&x, 16).unwrap();
    for (b, x) in batch.iter().zip(&x) {
        assert_eq!(b[0], model.predict_one(x)[0]);
    }
}

#[test]
fn the_int8_bake_keeps_the_normalization_in_f32() {
    let int8 = QuantNormHousingInt8::WEIGHTS;
    assert_eq!(int8.normalization, BakedNormHousing::WEIGHTS.normalization);
    let diff = max_abs_diff(|x| int8.predict_one(x)[0]);
    println!("int8: max abs diff from Keras's f32 predictions {diff}");
    assert!(diff > 0.0 && diff < 0.05, "int8: max abs diff {diff}");
}

#[test]
fn the_summary_matches_keras_line_by_line() {
    let keras = std::fs::read_to_string(folder().join("summary.txt")).unwrap();
    let mut model = NormHousing::new(42);
    let trainer = model.compile(MeanSquaredError, Adam::new(1e-3), []);
    let ours = trainer.summary().to_string();
    // The first line names the model: Keras's `sequential`, ours the struct.
    let keras_lines: Vec<&str> = keras.lines().skip(1).filter(|l| !l.is_empty()).collect();
    let our_lines: Vec<&str> = ours.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(our_lines, keras_lines, "ours:\n{ours}\nkeras:\n{keras}");
}

#[test]
fn our_files_hold_keras_names_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = NormHousing::new(3);
    model
        .adapt_normalization("normalization", &housing().x[..2_000])
        .unwrap();
    let weights = model.get_weights();
    assert_eq!(weights[2].name, "normalization/count");
    assert!(weights[2].shape.is_empty());

    model
        .save_weights(dir.path().join("w.safetensors"))
        .unwrap();
    let mut back = NormHousing::new_zeroed();
    back.load_weights(dir.path().join("w.safetensors")).unwrap();
    assert_eq!(back.params(), model.params());

    model.save_keras(dir.path().join("m.keras")).unwrap();
    let mut back = NormHousing::new_zeroed();
    back.load_keras(dir.path().join("m.keras")).unwrap();
    assert_eq!(back.params(), model.params());

    // Keras's config, as Keras 3.15.1 writes it.
    let written: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    let layer = &written["config"]["layers"][1];
    assert_eq!(layer["class_name"], "Normalization");
    assert_eq!(layer["config"]["axis"], serde_json::json!([-1]));
    assert_eq!(layer["config"]["invert"], false);
    assert_eq!(
        layer["build_config"]["input_shape"],
        serde_json::json!([null, 8])
    );
}

#[test]
fn training_never_changes_the_normalization_weights() {
    let data = housing();
    let (x, y) = (&data.x[..512], &data.y[..512]);
    let mut model = NormHousing::new(4);
    model.adapt_normalization("normalization", x).unwrap();
    let before = model.get_layer("normalization").unwrap().get_weights();
    let dense_before = model.dense.kernel().clone_owned();
    // AdamW's weight decay would shrink any weight the optimizer touched.
    let mut trainer = model.compile(MeanSquaredError, AdamW::new(1e-2), []);
    let history = trainer
        .fit(x, y, Fit::epochs(3).batch_size(32).seed(4).verbose(0))
        .unwrap();
    let losses = history.get("loss").unwrap();
    assert!(losses[2] < losses[0], "{losses:?}");
    drop(trainer);
    assert_eq!(
        model.get_layer("normalization").unwrap().get_weights(),
        before
    );
    assert_ne!(model.dense.kernel().clone_owned(), dense_before);
}

#[test]
fn normalization_in_a_graph_adapts_trains_and_predicts() {
    let data = housing();
    let (x, y) = (&data.x[..1_024], &data.y[..1_024]);
    let mut model = NormWideDeep::new(5);
    model.adapt_normalization("normalization", x).unwrap();
    let stats = model.get_layer("normalization").unwrap().get_weights();
    assert!((stats[0].data[0] - 3.9).abs() < 0.5, "{:?}", stats[0].data);
    let mut trainer = model.compile(MeanSquaredError, Adam::new(1e-3), []);
    let history = trainer
        .fit(x, y, Fit::epochs(3).batch_size(32).seed(5).verbose(0))
        .unwrap();
    let losses = history.get("loss").unwrap();
    assert!(losses[2] < losses[0], "{losses:?}");
    let predicted = trainer.predict(&x[..8]).unwrap();
    drop(trainer);
    assert_eq!(
        model.get_layer("normalization").unwrap().get_weights(),
        stats
    );
    assert_eq!(predicted.len(), 8);
    for (p, x) in predicted.iter().zip(&x[..8]) {
        let one = model.predict_one(&NormWideDeepInputs { input: *x });
        assert!((p.output[0] - one.output[0]).abs() <= 1e-5, "{p:?} {one:?}");
    }
}
