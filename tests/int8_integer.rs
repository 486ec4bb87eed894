//! Integer-only int8 networks (`#[weights(.., quantize = "int8", calibrate =
//! "sample")]`) against their f32 networks: every activation through its
//! table (or fused clamp, or integer softmax), chapter 11's classifier
//! with its BatchNormalization layers folded into the Dense layers, against
//! Keras's own predictions, and the book's Wide & Deep graphs on California
//! housing (one on standardised features, one with Normalization layers on
//! the raw features, which become its inputs' quantisation), and a PReLU
//! regressor on them (its PReLU a `PReluQ`).

use mlp::prelude::*;
use std::path::Path;

/// The values of `name`, a `.npy` file of the fixture folder `dir` (a path
/// from the repository's root).
fn npy(dir: &str, name: &str) -> Vec<f32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(name);
    mlp::datasets::npy::read(&path).unwrap().data
}

/// `Input[2] -> Dense<3, A> -> Dense<1>` from `tiny.safetensors`, f32 and
/// integer-only, for each activation: the int8 output within 4 output steps
/// plus 2% of the output's range of the f32 one, on a grid of [-1, 1]² finer
/// than the calibration sample's.
macro_rules! activation_cases {
    ($($test:ident: $name:ident, $int8:ident, $act:ident;)*) => {$(
        mod $test {
            use super::*;
            network! {
                #[weights(
                    "tests/fixtures/weights/tiny.safetensors",
                    quantize = "int8",
                    calibrate = "tests/fixtures/weights/tiny-calibration.safetensors"
                )]
                pub struct $name { Input[2] -> Dense<3, $act> -> Dense<1> }
            }

            #[test]
            fn int8_follows_f32() {
                let (f, q) = ($name::WEIGHTS, $int8::WEIGHTS);
                check(
                    stringify!($act),
                    |x| f.predict_one(x)[0],
                    |x| q.predict_one(x)[0],
                    $int8::OUTPUT.scale,
                );
            }
        }
    )*};
}

activation_cases! {
    linear: LinearNet, LinearNetInt8, linear;
    relu: ReluNet, ReluNetInt8, relu;
    sigmoid: SigmoidNet, SigmoidNetInt8, sigmoid;
    softmax: SoftmaxNet, SoftmaxNetInt8, softmax;
    tanh: TanhNet, TanhNetInt8, tanh;
    elu: EluNet, EluNetInt8, elu;
    selu: SeluNet, SeluNetInt8, selu;
    leaky_relu: LeakyNet, LeakyNetInt8, leaky_relu;
    softplus: SoftplusNet, SoftplusNetInt8, softplus;
    swish: SwishNet, SwishNetInt8, swish;
    exponential: ExpNet, ExpNetInt8, exponential;
    softsign: SoftsignNet, SoftsignNetInt8, softsign;
    relu6: Relu6Net, Relu6NetInt8, relu6;
    hard_sigmoid: HardSigmoidNet, HardSigmoidNetInt8, hard_sigmoid;
    gelu: GeluNet, GeluNetInt8, gelu;
}

fn check(
    act: &str,
    f: impl Fn(&SVector<f32, 2>) -> f32,
    q: impl Fn(&SVector<f32, 2>) -> f32,
    step: f32,
) {
    let (mut lo, mut hi, mut worst) = (f32::INFINITY, f32::NEG_INFINITY, 0.0_f32);
    for i in 0..21 {
        for j in 0..21 {
            let x = SVector::<f32, 2>::new(-1.0 + i as f32 / 10.0, -1.0 + j as f32 / 10.0);
            let y = f(&x);
            lo = lo.min(y);
            hi = hi.max(y);
            worst = worst.max((y - q(&x)).abs());
        }
    }
    let tolerance = 4.0 * step + 0.02 * (hi - lo);
    println!("{act}: max |int8 - f32| {worst} (output range {lo}..{hi}, step {step})");
    assert!(worst <= tolerance, "{act}: {worst} > {tolerance}");
}

network! {
    /// Chapter 11's classifier (tests/fixtures/keras-files/fashion_batchnorm):
    /// BatchNormalization before the first Dense and after two `elu` Dense
    /// layers, so each folds into the Dense after it; `elu` by table,
    /// `softmax` in integers. Calibrated on 256 training images.
    #[weights(
        "tests/fixtures/keras-files/fashion_batchnorm/model.keras",
        quantize = "int8",
        calibrate = "mlp-embedded/weights/fashion-calibration.safetensors"
    )]
    pub struct BatchNormFashion {
        Flatten[28, 28]
            -> BatchNormalization
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<10, softmax>
    }
}

#[test]
fn batch_normalization_folds_and_the_classes_are_keras_classes() {
    let dir = "tests/fixtures/keras-files/fashion_batchnorm";
    let (x, keras) = (npy(dir, "input_0.npy"), npy(dir, "output_0.npy"));
    let model = BatchNormFashionInt8::WEIGHTS;
    let (mut same, mut worst) = (0, 0.0_f32);
    let n = keras.len() / 10;
    for (image, keras) in x.chunks_exact(784).zip(keras.chunks_exact(10)) {
        let image = SMatrix::<f32, 28, 28>::from_fn(|r, c| image[r * 28 + c]);
        let p = model.predict_one(&image);
        let class = |p: &[f32]| (0..10).fold(0, |b, i| if p[i] > p[b] { i } else { b });
        same += usize::from(class(p.as_slice()) == class(keras));
        for (a, b) in p.iter().zip(keras) {
            worst = worst.max((a - b).abs());
        }
    }
    println!(
        "chapter 11's classifier, integer-only: {same} of {n} classes as Keras's; largest probability difference {worst}"
    );
    assert!(same as f64 >= 0.96 * n as f64, "{same} of {n}");
    assert!(worst < 0.15, "{worst}");
    // No BatchNormalization field: each folded into a Dense.
    assert_eq!(
        core::mem::size_of::<BatchNormFashionInt8>(),
        (784 * 300 + 300 * 100 + 100 * 10) + 16 * (300 + 100 + 10) + 3 * 12 + 2 * 256 + 512
    );
}

network! {
    /// The book's Wide & Deep graph with Keras's weights
    /// (tests/fixtures/keras-files/wide_deep_two_outputs, Keras 3.15.1),
    /// integer-only: its `Concatenate` in integers, calibrated on the first
    /// 500 standardised training rows (`wide_deep-calibration.safetensors`,
    /// one tensor per input).
    #[weights(
        "tests/fixtures/keras-files/wide_deep_two_outputs/model.keras",
        quantize = "int8",
        calibrate = "tests/fixtures/weights/wide_deep-calibration.safetensors"
    )]
    pub struct WideDeepQ {
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
    /// The same weights wired through `Add` and `Average` (the widths fit
    /// Keras's kernels): not a model Keras trained, a graph whose f32 and
    /// integer-only forms are compared on the same real rows.
    #[weights(
        "tests/fixtures/weights/wide_deep.safetensors",
        quantize = "int8",
        calibrate = "tests/fixtures/weights/wide_deep-calibration.safetensors"
    )]
    pub struct MergesQ {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu, name = dense_2>(deep_input);
        hidden2 = Dense<30, relu, name = dense_3>(hidden1);
        sum = Add(hidden1, hidden2);
        concat = Concatenate(wide_input, sum);
        mean = Average(hidden1, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(mean);
    }
}

/// The book's split (seed 42, 25% test, then 25% of the rest for
/// validation): raw training and test rows, test targets.
fn raw_housing() -> (Vec<SVector<f32, 8>>, Vec<SVector<f32, 8>>, Vec<f32>) {
    use mlp::datasets::{california_housing, train_test_split};
    let housing = california_housing::load().unwrap();
    let ((x_full, y_full), (x_test, y_test)) =
        train_test_split(&housing.x, &housing.y, 0.25, 42).unwrap();
    let ((x_train, _), _) = train_test_split(&x_full, &y_full, 0.25, 42).unwrap();
    (x_train, x_test, y_test)
}

/// The same standardised by the book's scaler (fitted on the training
/// rows).
fn housing() -> (Vec<SVector<f32, 8>>, Vec<SVector<f32, 8>>, Vec<f32>) {
    let (x_train, x_test, y_test) = raw_housing();
    let scaler = mlp::datasets::StandardScaler::fit(&x_train).unwrap();
    (
        scaler.transform(&x_train),
        scaler.transform(&x_test),
        y_test,
    )
}

/// Wide & Deep's inputs of a row: features 0-4 and 2-7.
fn wide_deep(x: &SVector<f32, 8>) -> (SVector<f32, 5>, SVector<f32, 6>) {
    (
        SVector::from_fn(|i, _| x[i]),
        SVector::from_fn(|i, _| x[i + 2]),
    )
}

/// The tensor `name` of the safetensors file `path` (in the repository),
/// of 500 samples, as f32.
fn calibration_tensor(path: &str, name: &str) -> Vec<f32> {
    let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let t = file.tensor(name).unwrap();
    assert_eq!(t.shape()[0], 500);
    t.data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The calibration sample `path` is the first 500 rows of `x_train`,
/// `wide_input` and `deep_input` as [`wide_deep`] splits them.
fn check_graph_calibration(path: &str, x_train: &[SVector<f32, 8>]) {
    let rows = x_train[..500].iter().map(wide_deep);
    let wide: Vec<f32> = rows
        .clone()
        .flat_map(|(w, _)| w.as_slice().to_vec())
        .collect();
    let deep: Vec<f32> = rows.flat_map(|(_, d)| d.as_slice().to_vec()).collect();
    assert!(calibration_tensor(path, "wide_input") == wide);
    assert!(calibration_tensor(path, "deep_input") == deep);
}

#[test]
fn the_graph_calibration_sample_is_the_first_500_training_rows_per_input() {
    check_graph_calibration(
        "tests/fixtures/weights/wide_deep-calibration.safetensors",
        &housing().0,
    );
}

#[test]
fn the_raw_calibration_samples_are_the_first_500_raw_training_rows() {
    let x_train = raw_housing().0;
    check_graph_calibration(&format!("{NORM_DIR}/calibration.safetensors"), &x_train);
    let rows: Vec<f32> = x_train[..500]
        .iter()
        .flat_map(|x| x.as_slice().to_vec())
        .collect();
    let chain = calibration_tensor(
        &format!("{NORM_DIR}/calibration-chain.safetensors"),
        "input",
    );
    assert!(chain == rows);
}

/// The int8 model against its f32 model on the book's 5,160 test rows
/// (`x_test`, standardised or raw as the model takes them), per output:
/// the 99th percentile of |int8 - f32| within 4 output steps plus 2% of the
/// f32 output's range (the activation cases' tolerance above), and for a
/// trained model (`trained`) the first output's test RMSE within 2% of the
/// f32 one's.
fn follows_f32<const N: usize>(
    (what, trained): (&str, bool),
    (x_test, y_test): (Vec<SVector<f32, 8>>, Vec<f32>),
    f: impl Fn(&SVector<f32, 8>) -> [f32; N],
    q: impl Fn(&SVector<f32, 8>) -> [f32; N],
    steps: [f32; N],
) {
    let mut diffs = [(); N].map(|_| Vec::new());
    let (mut lo, mut hi) = ([f32::INFINITY; N], [f32::NEG_INFINITY; N]);
    let (mut se, mut se8) = (0.0_f64, 0.0_f64);
    for (x, y) in x_test.iter().zip(&y_test) {
        let (a, b) = (f(x), q(x));
        for k in 0..N {
            diffs[k].push((a[k] - b[k]).abs());
            lo[k] = lo[k].min(a[k]);
            hi[k] = hi[k].max(a[k]);
        }
        se += f64::from((a[0] - y) * (a[0] - y));
        se8 += f64::from((b[0] - y) * (b[0] - y));
    }
    let n = y_test.len() as f64;
    let (rmse, rmse8) = ((se / n).sqrt(), (se8 / n).sqrt());
    println!("{what} on {n} test rows: main output RMSE f32 {rmse:.4}, int8 {rmse8:.4}");
    for (k, diffs) in diffs.iter_mut().enumerate() {
        diffs.sort_by(f32::total_cmp);
        let at = |q: f64| diffs[((diffs.len() - 1) as f64 * q) as usize];
        let tolerance = 4.0 * steps[k] + 0.02 * (hi[k] - lo[k]);
        println!(
            "  output {k}: |int8 - f32| median {:.4}, 99th percentile {:.4}, max {:.4} \
             (range {}..{}, step {}, tolerance {tolerance})",
            at(0.5),
            at(0.99),
            at(1.0),
            lo[k],
            hi[k],
            steps[k]
        );
        assert!(at(0.99) <= tolerance, "{what} output {k}: {}", at(0.99));
    }
    assert!(
        !trained || rmse8 < rmse * 1.02,
        "{what}: int8 RMSE {rmse8} vs f32 {rmse}"
    );
}

/// A test of a graph named `$f` (f32) and `$q` (integer-only) on the test
/// rows of `$housing` (`housing` or `raw_housing`): it follows the f32
/// graph (`follows_f32`), and `predict_q` is `predict_one` before
/// dequantising.
macro_rules! graph_case {
    ($test:ident: $f:ident, $q:ident, $inputs:ident, $what:expr, $housing:ident) => {
        #[test]
        fn $test() {
            let (f, q) = ($f::WEIGHTS, $q::WEIGHTS);
            let x = |wide: &SVector<f32, 5>, deep: &SVector<f32, 6>| $inputs {
                wide_input: *wide,
                deep_input: *deep,
            };
            // Both forms return the graph's `<Name>Outputs`.
            let run = |int8: bool, row: &SVector<f32, 8>| {
                let (w, d) = wide_deep(row);
                let y = if int8 {
                    q.predict_one(&x(&w, &d))
                } else {
                    f.predict_one(&x(&w, &d))
                };
                [y.main_output[0], y.aux_output[0]]
            };
            let (_, x_test, y_test) = $housing();
            follows_f32(
                $what,
                (x_test, y_test),
                |row| run(false, row),
                |row| run(true, row),
                $q::OUTPUTS.map(|p| p.scale),
            );
            let x = x(&SVector::from_element(0.5), &SVector::from_element(-0.5));
            let (main, aux) = q.predict_q(&$q::quantize_inputs(&x));
            let y = q.predict_one(&x);
            assert_eq!($q::OUTPUTS[0].dequantize(main[0]), y.main_output[0]);
            assert_eq!($q::OUTPUTS[1].dequantize(aux[0]), y.aux_output[0]);
        }
    };
}

graph_case!(wide_and_deep_integer_only_follows_f32_on_the_test_set:
    WideDeepQ, WideDeepQInt8, WideDeepQInputs, ("Wide & Deep", true), housing);
graph_case!(add_and_average_integer_only_follow_f32_on_the_test_set:
    MergesQ, MergesQInt8, MergesQInputs, ("Add and Average", false), housing);
graph_case!(wide_and_deep_with_normalization_integer_only_follows_f32_on_the_test_set:
    NormWideDeepQ, NormWideDeepQInt8, NormWideDeepQInputs,
    ("Wide & Deep with Normalization layers", true), raw_housing);

/// The Keras fixture of the book's Wide & Deep with Normalization layers.
const NORM_DIR: &str = "tests/fixtures/keras-files/wide_deep_normalization";

network! {
    /// The book's (3rd edition, chapter 10) Wide & Deep with a
    /// Normalization layer on each input, on the raw California housing
    /// features, trained by Keras 3.15.1
    /// (tests/fixtures/keras-files/wide_deep_normalization/make.py):
    /// integer-only, each Normalization is its input's quantisation (`norm_wide`
    /// feeds the `Concatenate` and the output Dense sees normalised
    /// features, not raw ones at one 8-bit scale), calibrated on the first
    /// 500 raw training rows.
    #[weights(
        "tests/fixtures/keras-files/wide_deep_normalization/model.keras",
        quantize = "int8",
        calibrate = "tests/fixtures/keras-files/wide_deep_normalization/calibration.safetensors"
    )]
    pub struct NormWideDeepQ {
        wide_input = Input[5];
        deep_input = Input[6];
        norm_wide = Normalization<name = norm_wide>(wide_input);
        norm_deep = Normalization<name = norm_deep>(deep_input);
        hidden1 = Dense<30, relu>(norm_deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(norm_wide, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

#[test]
fn the_normalized_wide_and_deep_is_keras_and_quantises_normalised_inputs() {
    let npy = |name| npy(NORM_DIR, name);
    let (wide, deep) = (npy("input_0.npy"), npy("input_1.npy"));
    let (main, aux) = (npy("output_0.npy"), npy("output_1.npy"));
    let f = NormWideDeepQ::WEIGHTS;
    let mut worst = 0.0_f32;
    for (k, (w, d)) in wide.chunks_exact(5).zip(deep.chunks_exact(6)).enumerate() {
        let x = NormWideDeepQInputs {
            wide_input: SVector::from_row_slice(w),
            deep_input: SVector::from_row_slice(d),
        };
        // The f32 graph predicts what Keras predicted.
        let y = f.predict_one(&x);
        worst = worst
            .max((y.main_output[0] - main[k]).abs())
            .max((y.aux_output[0] - aux[k]).abs());
        // The integer-only graph's inputs are the normalised features,
        // quantised: `quantize_inputs` normalises as the f32 layer does;
        // the wide input (read by the Concatenate) has one scale, the deep
        // one (read by a Dense) one per feature.
        let (qw, qd) = NormWideDeepQInt8::quantize_inputs(&x);
        let norm_wide = f.norm_wide.forward_one(&x.wide_input);
        let norm_deep = f.norm_deep.forward_one(&x.deep_input);
        let (pw, pd) = NormWideDeepQInt8::INPUTS;
        assert_eq!(qw, core::array::from_fn(|i| pw.quantize(norm_wide[i])));
        assert_eq!(qd, core::array::from_fn(|i| pd[i].quantize(norm_deep[i])));
    }
    println!("f32 Wide & Deep with Normalization vs Keras on 20 rows: max |diff| {worst}");
    assert!(worst < 1e-4, "{worst}");
    // Calibrated on normalised values (a few standard deviations), not on
    // raw ones (population in the thousands), and per feature on the deep
    // input: latitude's steps are finer than AveRooms's.
    let (pw, pd) = NormWideDeepQInt8::INPUTS;
    println!(
        "input scales: wide {}, deep {:?}",
        pw.scale,
        pd.map(|p| p.scale)
    );
    assert!(pw.scale < 0.1, "{}", pw.scale);
    assert!(pd[4].scale < pd[0].scale / 2.0, "{pd:?}");
}

network! {
    /// The book's regressor with a Normalization layer
    /// (tests/fixtures/keras-files/housing_normalization, Keras 3.15.1, raw
    /// features), integer-only: the Normalization is the input's
    /// quantisation, as in a graph.
    #[weights(
        "tests/fixtures/keras-files/housing_normalization/model.keras",
        quantize = "int8",
        calibrate = "tests/fixtures/keras-files/wide_deep_normalization/calibration-chain.safetensors"
    )]
    pub struct NormHousingQ { Input[8] -> Normalization -> Dense<30, relu> -> Dense<1> }
}

/// The chain's int8 output against its f32 one on the book's 5,160 test
/// rows (raw), with the graphs' tolerance (`follows_f32`). Its model was
/// trained on the CSV's first 15,000 rows, which overlap the test rows: its
/// RMSE is printed, not checked.
#[test]
fn a_normalized_chain_integer_only_follows_f32_on_the_test_set() {
    let (_, x_test, y_test) = raw_housing();
    let (f, q) = (NormHousingQ::WEIGHTS, NormHousingQInt8::WEIGHTS);
    follows_f32(
        ("Normalization chain", false),
        (x_test, y_test),
        |x| [f.predict_one(x)[0]],
        |x| [q.predict_one(x)[0]],
        [NormHousingQInt8::OUTPUT.scale],
    );
    // One scale per feature of the normalised input, read by a Dense.
    let x = SVector::from_fn(|i, _| i as f32 * 100.0);
    let normalised = f.normalization.forward_one(&x);
    let expected: [i8; 8] =
        core::array::from_fn(|i| NormHousingQInt8::INPUT[i].quantize(normalised[i]));
    assert_eq!(NormHousingQInt8::quantize_input(&x), expected);
}

/// The Keras fixture of a PReLU regressor on the raw housing features.
const PRELU_DIR: &str = "tests/fixtures/keras-files/housing_prelu";

network! {
    /// A regressor with a PReLU after a linear Dense, on the raw California
    /// housing features with the book's split, trained by Keras 3.15.1
    /// (tests/fixtures/keras-files/housing_prelu/make.py): integer-only,
    /// its PReLU a `PReluQ` (slopes of both signs), calibrated on the first
    /// 500 raw training rows.
    #[weights(
        "tests/fixtures/keras-files/housing_prelu/model.keras",
        quantize = "int8",
        calibrate = "tests/fixtures/keras-files/wide_deep_normalization/calibration-chain.safetensors"
    )]
    pub struct PReluHousingQ {
        Input[8]
            -> Normalization
            -> Dense<30>
            -> PReLU<alpha_initializer = constant(0.25)>
            -> Dense<1>
    }
}

/// The f32 model is Keras's (its predictions for 20 test rows), and the
/// integer-only one follows it on the book's 5,160 test rows, with the
/// graphs' tolerance and its test RMSE within 2% of the f32 one's
/// (`follows_f32`).
#[test]
fn a_prelu_regressor_integer_only_follows_f32_on_the_test_set() {
    let (f, q) = (PReluHousingQ::WEIGHTS, PReluHousingQInt8::WEIGHTS);
    let (x, keras) = (
        npy(PRELU_DIR, "input_0.npy"),
        npy(PRELU_DIR, "output_0.npy"),
    );
    for (x, keras) in x.chunks_exact(8).zip(&keras) {
        let y = f.predict_one(&SVector::from_column_slice(x))[0];
        assert!((y - keras).abs() < 1e-4, "{y} vs Keras's {keras}");
    }
    // Slopes of both signs: each side of the PReLU is exercised.
    let alpha = f.p_re_lu.alpha();
    assert!(alpha.min() < 0.0 && alpha.max() > 0.0, "{alpha}");
    let (_, x_test, y_test) = raw_housing();
    follows_f32(
        ("PReLU chain", true),
        (x_test, y_test),
        |x| [f.predict_one(x)[0]],
        |x| [q.predict_one(x)[0]],
        [PReluHousingQInt8::OUTPUT.scale],
    );
    // `predict_q` is `predict_one` before dequantising.
    let row = SVector::from_column_slice(&x[..8]);
    let y = q.predict_q(&PReluHousingQInt8::quantize_input(&row));
    assert_eq!(
        PReluHousingQInt8::OUTPUT.dequantize(y[0]),
        q.predict_one(&row)[0]
    );
    // Two DenseQ and a PReluQ (8 bytes a unit and 16), no table; the last
    // DenseQ's 30 weights are padded to 32 (its alignment is 4).
    assert_eq!(
        core::mem::size_of::<PReluHousingQInt8>(),
        (8 * 30 + 16 * 30 + 12) + (8 * 30 + 16) + (32 + 16 + 12)
    );
}
