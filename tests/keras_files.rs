//! Keras 3's own files (tests/fixtures/keras-files/README.md: four models
//! saved by Keras 3.15.1) read at run time: the two whose layers the library
//! has load and predict what Keras predicted to 1e-5, from the `.keras`
//! archive and from the `.weights.h5` file alike; the other two are refused
//! with an error naming the layer kind this library does not have; cut and
//! bit-flipped copies of the files are errors, never panics.

use mlp::io::KerasFile;
use mlp::prelude::*;
use std::path::{Path, PathBuf};

mod common {
    pub mod npy;
}

network! {
    /// The book's California housing regressor.
    pub struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The book's Fashion-MNIST classifier.
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

network! {
    /// Chapter 11's classifier without its BatchNormalization layers.
    pub struct FashionElu {
        Flatten[28, 28]
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> Dense<10, softmax>
    }
}

network! {
    /// The deep path of the Wide & Deep model.
    pub struct DeepPath { Input[6] -> Dense<30, relu> -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The housing regressor with Keras's weights baked in at compile time
    /// from the `.keras` archive (its architecture checked by the macro).
    #[weights("tests/fixtures/keras-files/housing_sequential/model.keras")]
    pub struct BakedHousing { Input[8] -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The housing regressor with another activation.
    pub struct HousingTanh { Input[8] -> Dense<30, tanh> -> Dense<1> }
}

fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras-files")
        .join(name)
}

fn npy(path: &Path) -> Vec<f32> {
    common::npy::read_f32(path).unwrap().1
}

/// The largest difference between the model's predictions on `input_0.npy`
/// and Keras's `output_0.npy`.
fn max_abs_diff<N: Network>(model: &N, dir: &Path) -> f32 {
    let x = npy(&dir.join("input_0.npy"));
    let y = npy(&dir.join("output_0.npy"));
    assert_eq!(x.len() / N::INPUT_SIZE, y.len() / N::OUTPUT_SIZE);
    let mut worst = 0.0_f32;
    for (row, expected) in x
        .chunks_exact(N::INPUT_SIZE)
        .zip(y.chunks_exact(N::OUTPUT_SIZE))
    {
        let mut got = vec![0.0; N::OUTPUT_SIZE];
        model
            .predict_one(&N::Input::from_row_major(row))
            .write_row_major(&mut got);
        for (g, e) in got.iter().zip(expected) {
            worst = worst.max((g - e).abs());
        }
    }
    worst
}

fn matches_keras<N: Network>(name: &str) {
    let dir = folder(name);
    let mut model = N::new(1);
    model.load_keras(dir.join("model.keras")).unwrap();
    let diff = max_abs_diff(&*model, &dir);
    assert!(diff <= 1e-5, "{name}: max abs diff {diff}");
    // The weights file alone gives the same weights, bit for bit.
    let mut from_h5 = N::new(2);
    from_h5
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap();
    assert_eq!(from_h5.params(), model.params());
    // Not all zeros: the weights really were read.
    assert!(model.params().iter().filter(|&&v| v != 0.0).count() > N::PARAMS / 2);
}

#[test]
fn housing_matches_keras() {
    matches_keras::<Housing>("housing_sequential");
}

#[test]
fn baked_archive_matches_the_run_time_load() {
    let dir = folder("housing_sequential");
    let baked = BakedHousing::WEIGHTS;
    let diff = max_abs_diff(&baked, &dir);
    assert!(diff <= 1e-5, "max abs diff {diff}");
    let mut loaded = Housing::new(1);
    loaded.load_keras(dir.join("model.keras")).unwrap();
    assert_eq!(baked.params(), loaded.params());
}

#[test]
fn fashion_sequential_matches_keras() {
    matches_keras::<FashionMlp>("fashion_sequential");
}

#[test]
fn batchnorm_model_is_refused_naming_the_kind() {
    let dir = folder("fashion_batchnorm");
    let mut model = FashionElu::new(3);
    let before = model.params().to_vec();
    let err = model
        .load_keras(dir.join("model.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "the Keras model `sequential_1` has layers of a kind this library does not have \
             (BatchNormalization): `batch_normalization` is a BatchNormalization, \
             `batch_normalization_1` is a BatchNormalization, `batch_normalization_2` is a \
             BatchNormalization"
        ),
        "{err}"
    );
    let err = model
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("layers of a kind this library does not have (BatchNormalization)"),
        "{err}"
    );
    assert_eq!(
        model.params(),
        before.as_slice(),
        "a refused file changes nothing"
    );
}

#[test]
fn wide_and_deep_is_refused_naming_the_kind() {
    let dir = folder("wide_deep_two_outputs");
    let mut model = DeepPath::new(3);
    let err = model
        .load_keras(dir.join("model.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "the Keras model `functional_1` has layers of a kind this library does not have \
             (Concatenate): `concatenate` is a Concatenate"
        ),
        "{err}"
    );
    let err = model
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "the weights file has layers of a kind this library does not have (Concatenate): \
             layers/concatenate is a Concatenate"
        ),
        "{err}"
    );
}

#[test]
fn another_architecture_is_refused_naming_the_layer() {
    let dir = folder("housing_sequential");
    let err = HousingTanh::new(1)
        .load_keras(dir.join("model.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "layer 0: the Keras model has `dense`: Dense(30, activation=\"relu\"), the network \
             `HousingTanh` declares `dense`: Dense<30, tanh>"
        ),
        "{err}"
    );
    // The weights file has no architecture: shapes are what it is checked by.
    let err = FashionMlp::new(1)
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("expected shape (784, 300), found (8, 30)"),
        "{err}"
    );
}

/// Loads every cut and every bit-flipped copy of `bytes` with `load`:
/// none may panic; cut copies must all be refused; a refused copy changes
/// no weight; the HDF5 reader's own guard against panics never fires.
fn corrupt_copies_are_errors<N: Network>(
    bytes: &[u8],
    stride: usize,
    load: impl Fn(&mut N, &[u8]) -> mlp::Result<()>,
) -> (usize, usize) {
    let mut model = N::new(5);
    let before = model.params().to_vec();
    let mut refused = 0;
    let mut cases = 0;
    let mut check = |bad: &[u8], must_fail: bool| {
        cases += 1;
        match load(&mut model, bad) {
            Err(e) => {
                refused += 1;
                let message = e.to_string();
                assert!(
                    !message.contains("could not make sense"),
                    "the HDF5 reader panicked: {message}"
                );
                assert_eq!(model.params(), before.as_slice());
            }
            Ok(()) => {
                assert!(!must_fail, "a copy cut to {} bytes loaded", bad.len());
                model.params_mut().copy_from_slice(&before);
            }
        }
    };
    for len in (0..bytes.len()).step_by(stride) {
        check(&bytes[..len], true);
    }
    for i in (0..bytes.len()).step_by(stride) {
        for bit in [0, 4, 7] {
            let mut bad = bytes.to_vec();
            bad[i] ^= 1 << bit;
            check(&bad, false);
        }
    }
    (refused, cases)
}

#[test]
fn cut_and_flipped_weights_files_are_errors_never_panics() {
    let bytes = std::fs::read(folder("housing_sequential").join("model.weights.h5")).unwrap();
    let (refused, cases) =
        corrupt_copies_are_errors::<Housing>(&bytes, 3, |m, b| m.load_keras_weights_bytes(b));
    // Every cut copy and many flipped ones are refused (a flip inside a
    // weight's bytes only changes its value: HDF5 has no checksum there).
    assert!(refused > bytes.len() / 3, "{refused} of {cases}");
}

#[test]
fn cut_and_flipped_archives_are_errors_never_panics() {
    let bytes = std::fs::read(folder("housing_sequential").join("model.keras")).unwrap();
    let (refused, cases) =
        corrupt_copies_are_errors::<Housing>(&bytes, 3, |m, b| m.load_keras_bytes(b));
    // The zip's CRC-32 catches flips inside members.
    assert!(refused > cases * 9 / 10, "{refused} of {cases}");
}
