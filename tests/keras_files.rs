//! Keras 3's own files (tests/fixtures/keras-files/README.md: models saved
//! by Keras 3.15.1) read at run time: the ones whose layers the library has
//! (Dense chains, chapter 11's BatchNormalization classifier, a model with
//! every activation layer, Dropout and PReLU) load and predict what Keras
//! predicted to 1e-5, from the `.keras` archive and from the `.weights.h5`
//! file alike, and at compile time through `#[weights("model.keras")]`; the
//! Wide & Deep model given to a chain is refused with an error that shows
//! the graph declaration reading it (which loads it); layer kinds and
//! options this library does not have are refused by name; cut and
//! bit-flipped copies of the files are errors, never panics.

use mlp::io::KerasFile;
use mlp::prelude::*;
use std::path::{Path, PathBuf};

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
    /// Chapter 11's BatchNormalization classifier.
    pub struct FashionBatchNorm {
        Flatten[28, 28]
            -> BatchNormalization
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<10, softmax>
    }
}

network! {
    /// The same with Keras's weights baked in at compile time from the
    /// `.keras` archive.
    #[weights("tests/fixtures/keras-files/fashion_batchnorm/model.keras")]
    pub struct BakedFashionBatchNorm {
        Flatten[28, 28]
            -> BatchNormalization
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<10, softmax>
    }
}

/// 1 MiB of baked weights, in read-only memory.
static BAKED_BATCH_NORM: BakedFashionBatchNorm = BakedFashionBatchNorm::WEIGHTS;

network! {
    /// Every layer kind besides Dense and Flatten, with options
    /// (tests/fixtures/keras-files/layer_kinds/make.py).
    pub struct LayerKinds {
        Input[12]
            -> Dense<16, relu, kernel_regularizer = l2(0.01)>
            -> BatchNormalization<momentum = 0.9, epsilon = 0.01>
            -> LeakyReLU<0.2>
            -> Dropout<0.3>
            -> Dense<10, kernel_initializer = he_normal>
            -> PReLU
            -> ELU<0.7>
            -> Dense<8>
            -> ReLU<max_value = 1.5, negative_slope = 0.1, threshold = 0.2>
            -> BatchNormalization
            -> Dense<3, softmax>
    }
}

network! {
    /// The same, baked at compile time.
    #[weights("tests/fixtures/keras-files/layer_kinds/model.keras")]
    pub struct BakedLayerKinds {
        Input[12]
            -> Dense<16, relu, kernel_regularizer = l2(0.01)>
            -> BatchNormalization<momentum = 0.9, epsilon = 0.01>
            -> LeakyReLU<0.2>
            -> Dropout<0.3>
            -> Dense<10, kernel_initializer = he_normal>
            -> PReLU
            -> ELU<0.7>
            -> Dense<8>
            -> ReLU<max_value = 1.5, negative_slope = 0.1, threshold = 0.2>
            -> BatchNormalization
            -> Dense<3, softmax>
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
    mlp::datasets::npy::read(path).unwrap().data
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
fn batchnorm_model_matches_keras() {
    matches_keras::<FashionBatchNorm>("fashion_batchnorm");
    // The moving statistics are Keras's, not their initial values.
    let mut model = FashionBatchNorm::new_zeroed();
    model
        .load_keras(folder("fashion_batchnorm").join("model.keras"))
        .unwrap();
    let weights = model.get_weights();
    let variance = weights
        .iter()
        .find(|w| w.name == "batch_normalization_1/moving_variance")
        .unwrap();
    assert_eq!(variance.shape, [300]);
    assert!(variance.data.iter().all(|&v| v > 0.0));
    assert!(variance.data.iter().any(|&v| (v - 1.0).abs() > 1e-2));
    // The batch path (inference mode) predicts the same.
    let dir = folder("fashion_batchnorm");
    let images: Vec<SMatrix<f32, 28, 28>> = npy(&dir.join("input_0.npy"))
        .chunks_exact(784)
        .map(SMatrix::from_row_slice)
        .collect();
    let expected = npy(&dir.join("output_0.npy"));
    let batch = model.predict_with_batch_size(&images, 32).unwrap();
    let worst = batch
        .iter()
        .flat_map(|y| y.iter().copied())
        .zip(&expected)
        .map(|(g, e)| (g - e).abs())
        .fold(0.0_f32, f32::max);
    assert!(worst <= 1e-5, "predict: max abs diff {worst}");
}

#[test]
fn every_layer_kind_matches_keras() {
    matches_keras::<LayerKinds>("layer_kinds");
}

#[test]
fn baked_batchnorm_archive_matches_keras_and_the_run_time_load() {
    let dir = folder("fashion_batchnorm");
    let diff = max_abs_diff(&BAKED_BATCH_NORM, &dir);
    assert!(diff <= 1e-5, "max abs diff {diff}");
    let mut loaded = FashionBatchNorm::new(1);
    loaded.load_keras(dir.join("model.keras")).unwrap();
    assert_eq!(BAKED_BATCH_NORM.params(), loaded.params());

    let dir = folder("layer_kinds");
    let baked = BakedLayerKinds::WEIGHTS;
    let diff = max_abs_diff(&baked, &dir);
    assert!(diff <= 1e-5, "max abs diff {diff}");
    let mut loaded = LayerKinds::new(1);
    loaded.load_keras(dir.join("model.keras")).unwrap();
    assert_eq!(baked.params(), loaded.params());
}

#[test]
fn batchnorm_model_without_its_batchnorm_layers_is_refused_naming_them() {
    let dir = folder("fashion_batchnorm");
    let mut model = FashionElu::new(3);
    let before = model.params().to_vec();
    let err = model
        .load_keras(dir.join("model.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "layer 1 (counting from 0, InputLayers not counted): the Keras model `sequential_1` \
             has `batch_normalization`: BatchNormalization(momentum=0.99, epsilon=0.001), which \
             the network `FashionElu` does not declare: its layer 1, `dense`: Dense<300, elu, \
             kernel_initializer = he_normal>, is the file's layer 2; the Keras model has 7 layers, \
             the network `FashionElu` declares 4"
        ),
        "{err}"
    );
    let err = model
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "the weights file holds group(s) of layers that the network `FashionElu` does not \
             declare: `layers/batch_normalization`, `layers/batch_normalization_1`, \
             `layers/batch_normalization_2`"
        ),
        "{err}"
    );
    assert_eq!(
        model.params(),
        before.as_slice(),
        "a refused file changes nothing"
    );
}

network! {
    /// The shape of the models in tests/fixtures/keras-variants.
    pub struct Variant { Input[4] -> Dense<3, relu> -> BatchNormalization -> Dense<1> }
}

network! {
    /// The shape of `prelu_shared_axes.keras`.
    pub struct VariantPrelu { Input[4] -> Dense<3> -> PReLU -> Dense<1> }
}

#[test]
fn layer_options_this_library_does_not_have_are_refused_by_name() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-variants");
    let err = Variant::new(1)
        .load_keras(dir.join("bn_no_center.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "has layer options this library does not have: layer 1 `batch_normalization` \
             (BatchNormalization) has center=False (a BatchNormalization here always has `beta`: \
             center=True)"
        ),
        "{err}"
    );
    let err = VariantPrelu::new(1)
        .load_keras(dir.join("prelu_shared_axes.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "layer 1 `p_re_lu` (PReLU) has shared_axes=[1] (a PReLU here has one slope per unit: \
             shared_axes=None)"
        ),
        "{err}"
    );
    let err = Variant::new(1)
        .load_keras(dir.join("layer_normalization.keras"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "has layers of a kind this library does not have (LayerNormalization): \
             `layer_normalization` is a LayerNormalization"
        ),
        "{err}"
    );
}

/// The graph declaration that the error of `wide_and_deep_in_a_chain_...`
/// shows, pasted as a user would (named as the chain was).
mod shown {
    use mlp::prelude::*;

    network! {
        pub struct DeepPath {
            wide_input = Input[5];
            deep_input = Input[6];
            dense_2 = Dense<30, relu>(deep_input);
            dense_3 = Dense<30, relu>(dense_2);
            concatenate = Concatenate(wide_input, dense_3);
            output main_output = Dense<1>(concatenate);
            output aux_output = Dense<1>(dense_3);
        }
    }
}

#[test]
fn wide_and_deep_in_a_chain_is_refused_with_its_graph_declaration() {
    let dir = folder("wide_deep_two_outputs");
    let mut model = DeepPath::new(3);
    let err = model
        .load_keras(dir.join("model.keras"))
        .unwrap_err()
        .to_string();
    let declaration = "network! {
    pub struct DeepPath {
        wide_input = Input[5];
        deep_input = Input[6];
        dense_2 = Dense<30, relu>(deep_input);
        dense_3 = Dense<30, relu>(dense_2);
        concatenate = Concatenate(wide_input, dense_3);
        output main_output = Dense<1>(concatenate);
        output aux_output = Dense<1>(dense_3);
    }
}";
    assert!(
        err.ends_with(&format!(
            "the Keras model `functional_1` is a Functional model (2 input(s), 2 output(s), a \
             Concatenate layer), which a chain (`Input[..] -> ...`) cannot hold: declare \
             `DeepPath` as a graph, with named nodes. The file's config.json describes this one, \
             which loads it with the same `load_keras`:\n{declaration}"
        )),
        "{err}"
    );
    // The declaration shown loads the file.
    let mut graph = shown::DeepPath::new_zeroed();
    graph.load_keras(dir.join("model.keras")).unwrap();
    assert!(graph.params().iter().any(|&w| w != 0.0));

    let err = model
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "the weights file is a Functional model's: it holds the group(s) \
             `layers/concatenate` of a Concatenate, merge layers, which a chain (`Input[..] -> \
             ...`) cannot hold; declare `DeepPath` as a graph, with named nodes and \
             `Concatenate(a, b)` (its `.keras` file's error shows the declaration)"
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
            "layer 0 (counting from 0, InputLayers not counted): the Keras model `sequential` \
             has `dense`: Dense(30, activation=\"relu\"), the network `HousingTanh` declares \
             `dense`: Dense<30, tanh>"
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
