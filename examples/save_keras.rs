//! What this example teaches: a model trained here is saved as a `.keras`
//! file that Keras 3 itself loads (`keras.models.load_model`) and that
//! predicts what this library predicts; a chain as a Sequential model, a
//! graph as a Functional one. It trains the book's California
//! housing regressor for a few epochs, and a regressor with every layer kind
//! (BatchNormalization, Dropout, LeakyReLU, PReLU, ELU, ReLU with options),
//! and re-saves the Fashion-MNIST classifiers that Keras trained (chapter
//! 10's, and chapter 11's with BatchNormalization;
//! tests/fixtures/keras-files), each into a
//! folder with `model.keras`, the inputs (`input_0.npy`) and this library's
//! predictions (`output_0.npy`). Two graphs go the same way: the book's
//! Wide & Deep model that Keras trained (two inputs, two outputs), and one
//! with every merge (`Add`, `Average`, `Concatenate`) and a
//! BatchNormalization, initialised here (`input_k.npy`, `output_k.npy`, one
//! per input and output). `scripts/check_keras_file.py` loads each
//! folder with Keras and compares.
//!
//! Run it with `cargo run --release --example save_keras -- --out DIR`
//! (default: a folder in the system's temporary directory).

use mlp::datasets::california_housing;
use mlp::datasets::{StandardScaler, train_test_split};
use mlp::io::KerasFile;
use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Fit;
use std::path::{Path, PathBuf};

#[path = "../tests/common/npy.rs"]
mod npy;

network! {
    /// The book's California housing regressor.
    pub struct HousingMlp { Input[8] -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The book's Fashion-MNIST classifier.
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

network! {
    /// A housing regressor with every layer kind besides Flatten.
    pub struct HousingKinds {
        Input[8]
            -> Dense<30, relu, kernel_regularizer = l2(0.001)>
            -> BatchNormalization
            -> Dropout<0.2>
            -> LeakyReLU<0.2>
            -> Dense<10, kernel_initializer = he_normal>
            -> PReLU
            -> ELU<0.7>
            -> ReLU<max_value = 6.0, negative_slope = 0.1, threshold = 0.1>
            -> Dense<1>
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

network! {
    /// Every merge, and a BatchNormalization after one.
    pub struct Merges {
        a = Input[8];
        b = Input[8];
        hidden = Dense<8, tanh>(b);
        sum = Add(a, hidden);
        mean = Average(a, hidden);
        joined = Concatenate(sum, mean, b);
        norm = BatchNormalization(joined);
        output classes = Dense<3, softmax>(norm);
        output value = Dense<1>(mean);
    }
}

/// Saves the graph `model` into `dir` with its inputs (one row-major
/// `(samples, width)` batch per input) and the predictions `predict` gives
/// for each sample (one row per output), then checks that the archive
/// loads back here to the same weights.
fn save_graph<M: Model>(
    model: &M,
    inputs: &[Vec<f32>],
    predict: impl Fn(&[&[f32]]) -> Vec<Vec<f32>>,
    dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    model.save_keras(dir.join("model.keras"))?;
    let n = inputs[0].len() / M::INPUTS[0].size;
    let mut outputs = vec![Vec::new(); M::OUTPUTS.len()];
    for i in 0..n {
        let rows: Vec<&[f32]> = inputs
            .iter()
            .zip(M::INPUTS)
            .map(|(x, port)| &x[i * port.size..(i + 1) * port.size])
            .collect();
        for (out, y) in outputs.iter_mut().zip(predict(&rows)) {
            out.extend(y);
        }
    }
    for (k, (x, port)) in inputs.iter().zip(M::INPUTS).enumerate() {
        npy::write_f32(&dir.join(format!("input_{k}.npy")), &[n, port.size], x)?;
    }
    for (k, (y, port)) in outputs.iter().zip(M::OUTPUTS).enumerate() {
        npy::write_f32(&dir.join(format!("output_{k}.npy")), &[n, port.size], y)?;
    }
    let mut back = M::new_zeroed();
    back.load_keras(dir.join("model.keras"))?;
    assert_eq!(
        back.params(),
        model.params(),
        "the archive reads back to the same weights"
    );
    println!(
        "{}: saved {} parameters and {n} predictions",
        dir.display(),
        M::PARAMS
    );
    Ok(())
}

/// Saves `model` and its predictions for `x` into `dir`, then checks that
/// the archive loads back here to the same weights.
fn save<N: Network>(
    model: &N,
    x: &[N::Input],
    dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    model.save_keras(dir.join("model.keras"))?;
    let mut inputs = vec![0.0; x.len() * N::INPUT_SIZE];
    let mut outputs = vec![0.0; x.len() * N::OUTPUT_SIZE];
    for ((sample, row), out) in x
        .iter()
        .zip(inputs.chunks_exact_mut(N::INPUT_SIZE))
        .zip(outputs.chunks_exact_mut(N::OUTPUT_SIZE))
    {
        sample.write_row_major(row);
        model.predict_one(sample).write_row_major(out);
    }
    let mut shape = vec![x.len()];
    shape.extend(N::INPUT_SHAPE);
    npy::write_f32(&dir.join("input_0.npy"), &shape, &inputs)?;
    npy::write_f32(
        &dir.join("output_0.npy"),
        &[x.len(), N::OUTPUT_SIZE],
        &outputs,
    )?;
    let mut back = N::new_zeroed();
    back.load_keras(dir.join("model.keras"))?;
    assert_eq!(
        back.params(),
        model.params(),
        "the archive reads back to the same weights"
    );
    println!(
        "{}: saved {} parameters and {} predictions",
        dir.display(),
        N::PARAMS,
        x.len()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = match args.iter().position(|a| a == "--out") {
        Some(i) => PathBuf::from(args.get(i + 1).ok_or("--out needs a folder")?),
        None => std::env::temp_dir().join("mlp-keras-check"),
    };

    // The housing regressor, trained here.
    let housing = california_housing::load()?;
    let ((x_train, y_train), (x_test, _)) = train_test_split(&housing.x, &housing.y, 0.25, 42)?;
    let scaler = StandardScaler::fit(&x_train)?;
    let (x_train, x_test) = (scaler.transform(&x_train), scaler.transform(&x_test));
    let mut model = HousingMlp::new(42);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    let history = trainer.fit(&x_train, &y_train, Fit::epochs(5).seed(42).verbose(0))?;
    println!(
        "housing: trained 5 epochs, loss {:.4}",
        history.get("loss").unwrap()[4]
    );
    drop(trainer);
    save(&*model, &x_test[..100], &out.join("housing_trained"))?;

    // Every layer kind, trained here.
    let mut kinds = HousingKinds::new(42);
    let mut trainer = kinds.compile(MeanSquaredError, Sgd::new(0.01), []);
    let history = trainer.fit(&x_train, &y_train, Fit::epochs(3).seed(42).verbose(0))?;
    println!(
        "housing_kinds: trained 3 epochs, loss {:.4}",
        history.get("loss").unwrap()[2]
    );
    drop(trainer);
    save(&*kinds, &x_test[..100], &out.join("housing_kinds_trained"))?;

    // The Fashion-MNIST classifier Keras trained, read and written again.
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-files/fashion_sequential");
    let mut fashion = FashionMlp::new_zeroed();
    fashion.load_keras(fixture.join("model.keras"))?;
    let (_, pixels) = npy::read_f32(&fixture.join("input_0.npy"))?;
    let images: Vec<SMatrix<f32, 28, 28>> = pixels
        .chunks_exact(784)
        .map(SMatrix::from_row_slice)
        .collect();
    save(&*fashion, &images, &out.join("fashion_resaved"))?;

    // Chapter 11's classifier Keras trained, read and written again.
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-files/fashion_batchnorm");
    let mut batch_norm = FashionBatchNorm::new_zeroed();
    batch_norm.load_keras(fixture.join("model.keras"))?;
    save(
        &*batch_norm,
        &images,
        &out.join("fashion_batchnorm_resaved"),
    )?;

    // The Wide & Deep graph Keras trained, read and written again as a
    // Functional model.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras-files/wide_deep_two_outputs");
    let mut wide_deep = WideDeep::new_zeroed();
    wide_deep.load_keras(fixture.join("model.keras"))?;
    let inputs = [
        npy::read_f32(&fixture.join("input_0.npy"))?.1,
        npy::read_f32(&fixture.join("input_1.npy"))?.1,
    ];
    let predict = |x: &[&[f32]]| {
        let y = wide_deep.predict_one(&WideDeepInputs {
            wide_input: SVector::from_row_slice(x[0]),
            deep_input: SVector::from_row_slice(x[1]),
        });
        vec![
            y.main_output.as_slice().to_vec(),
            y.aux_output.as_slice().to_vec(),
        ]
    };
    save_graph(
        &*wide_deep,
        &inputs,
        predict,
        &out.join("wide_deep_resaved"),
    )?;

    // Every merge, initialised here, on housing's features.
    let merges = Merges::new(42);
    let x: Vec<f32> = x_test[..100]
        .iter()
        .flat_map(|x| x.iter().copied())
        .collect();
    let reversed: Vec<f32> = x_test[..100]
        .iter()
        .flat_map(|x| x.iter().rev().copied())
        .collect();
    let predict = |x: &[&[f32]]| {
        let y = merges.predict_one(&MergesInputs {
            a: SVector::from_row_slice(x[0]),
            b: SVector::from_row_slice(x[1]),
        });
        vec![y.classes.as_slice().to_vec(), y.value.as_slice().to_vec()]
    };
    save_graph(
        &*merges,
        &[x, reversed],
        predict,
        &out.join("merges_initialised"),
    )?;
    Ok(())
}
