//! What this example teaches: Keras's own files load at run time into a
//! model declared here, chain or graph. Each folder of `tests/fixtures/keras-files` holds a
//! model that real Keras 3.15.1 saved (`model.keras`), the inputs it was
//! given and what it predicted. Each `.keras` archive is read (its
//! architecture checked against the declaration, its HDF5 weights matched
//! to our layers as Keras matches them), the network predicts the same
//! inputs, and the line printed is the largest difference from Keras's
//! predictions (over every output), or why the file was refused. The book's
//! chains, chapter 11's BatchNormalization classifier, a model with every
//! activation layer, Dropout and PReLU, and the two-input, two-output Wide &
//! Deep model (a Functional model: a graph here, its connections checked)
//! load.
//!
//! Run it with `cargo run --release --example keras_files`; it ends with
//! `all matched` when every supported model is within 1e-5 of Keras.

use mlp::io::KerasFile;
use mlp::prelude::*;
use std::path::Path;

#[path = "../tests/common/npy.rs"]
mod npy;

network! {
    /// The book's California housing regressor.
    pub struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The book's Fashion-MNIST classifier (chapter 10).
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
    /// Every layer kind besides Dense and Flatten, with options
    /// (`tests/fixtures/keras-files/layer_kinds/make.py` wrote it).
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
    /// The book's Wide & Deep model with an auxiliary output (Keras's
    /// Functional API).
    pub struct WideDeep {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

/// Within this of Keras's predictions counts as a match.
const TOLERANCE: f32 = 1e-5;

/// Loads `folder/model.keras` into `N`, predicts `input_0.npy` and returns
/// the largest absolute difference from `output_0.npy`.
fn max_abs_diff<N: Network>(folder: &Path) -> Result<f32, Box<dyn std::error::Error>> {
    let mut model = N::new_zeroed();
    model.load_keras(folder.join("model.keras"))?;
    let (shape, x) = npy::read_f32(&folder.join("input_0.npy"))?;
    let (_, y) = npy::read_f32(&folder.join("output_0.npy"))?;
    let samples = shape[0];
    let mut worst = 0.0_f32;
    for (i, (row, expected)) in x
        .chunks_exact(N::INPUT_SIZE)
        .zip(y.chunks_exact(N::OUTPUT_SIZE))
        .enumerate()
    {
        let out = model.predict_one(&N::Input::from_row_major(row));
        let mut got = vec![0.0; N::OUTPUT_SIZE];
        out.write_row_major(&mut got);
        for (g, e) in got.iter().zip(expected) {
            worst = worst.max((g - e).abs());
        }
        assert!(i < samples);
    }
    Ok(worst)
}

/// [`max_abs_diff`] for the Wide & Deep graph: its two inputs
/// (`input_0.npy`, `input_1.npy`) and two outputs.
fn wide_deep_diff(folder: &Path) -> Result<f32, Box<dyn std::error::Error>> {
    let mut model = WideDeep::new_zeroed();
    model.load_keras(folder.join("model.keras"))?;
    let read = |name: &str| npy::read_f32(&folder.join(name)).map(|(_, v)| v);
    let (wide, deep) = (read("input_0.npy")?, read("input_1.npy")?);
    let (main, aux) = (read("output_0.npy")?, read("output_1.npy")?);
    let mut worst = 0.0_f32;
    for (i, (w, d)) in wide.chunks_exact(5).zip(deep.chunks_exact(6)).enumerate() {
        let y = model.predict_one(&WideDeepInputs {
            wide_input: SVector::from_row_slice(w),
            deep_input: SVector::from_row_slice(d),
        });
        worst = worst
            .max((y.main_output[0] - main[i]).abs())
            .max((y.aux_output[0] - aux[i]).abs());
    }
    Ok(worst)
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-files");
    type Check = fn(&Path) -> Result<f32, Box<dyn std::error::Error>>;
    let folders: [(&str, Check); 5] = [
        ("housing_sequential", max_abs_diff::<Housing>),
        ("fashion_sequential", max_abs_diff::<FashionMlp>),
        ("fashion_batchnorm", max_abs_diff::<FashionBatchNorm>),
        ("layer_kinds", max_abs_diff::<LayerKinds>),
        ("wide_deep_two_outputs", wide_deep_diff),
    ];
    let mut all_matched = true;
    for (folder, check) in folders {
        match check(&root.join(folder)) {
            Ok(diff) => {
                println!("{folder}: max abs diff {diff:e}");
                all_matched &= diff <= TOLERANCE;
            }
            Err(e) => {
                // Only the path-free part of the message: it starts with the file's path.
                let message = e.to_string();
                let message = message
                    .split_once(".keras: ")
                    .map_or(message.as_str(), |(_, m)| m);
                println!("{folder}: refused: {message}");
            }
        }
    }
    if all_matched {
        println!("all matched");
    } else {
        println!("some supported models differ from Keras by more than {TOLERANCE:e}");
        std::process::exit(1);
    }
}
