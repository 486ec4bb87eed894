//! Integer-only int8 networks (`#[weights(.., quantize = "int8", calibrate =
//! "sample")]`) against their f32 networks: every activation through its
//! table (or fused clamp, or integer softmax), and chapter 11's classifier
//! with its BatchNormalization layers folded into the Dense layers, against
//! Keras's own predictions.

use mlp::prelude::*;
use std::path::Path;

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
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-files/fashion_batchnorm");
    let x = mlp::datasets::npy::read(&dir.join("input_0.npy"))
        .unwrap()
        .data;
    let keras = mlp::datasets::npy::read(&dir.join("output_0.npy"))
        .unwrap()
        .data;
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
