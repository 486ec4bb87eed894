//! Issue 11's "a test builds its own fixture with the safetensors crate":
//! a BatchNormalization model's weights, written here with the `safetensors`
//! crate under Keras's names (`batch_normalization/gamma`, `.../beta`,
//! `.../moving_mean`, `.../moving_variance`), load with `load_weights` and
//! predict what a hand computation of Keras's inference formula gives, to
//! 1e-5.

use mlp::prelude::*;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, serialize};

network! {
    /// Dense, then BatchNormalization (epsilon 0.01), then a linear Dense.
    pub struct SmallBn {
        Input[3] -> Dense<4, relu> -> BatchNormalization<epsilon = 0.01> -> Dense<2>
    }
}

const KERNEL: [[f32; 4]; 3] = [
    [0.5, -0.3, 0.8, 0.1],
    [-0.2, 0.7, 0.4, -0.6],
    [0.9, 0.05, -0.5, 0.3],
];
const BIAS: [f32; 4] = [0.1, -0.2, 0.05, 0.3];
const GAMMA: [f32; 4] = [1.5, 0.5, -0.8, 2.0];
const BETA: [f32; 4] = [0.1, -0.4, 0.25, 0.0];
const MEAN: [f32; 4] = [0.3, 0.6, -0.1, 0.2];
const VARIANCE: [f32; 4] = [0.25, 2.0, 0.8, 0.05];
const KERNEL_1: [[f32; 2]; 4] = [[0.6, -0.4], [0.3, 0.9], [-0.7, 0.2], [0.1, 0.5]];
const BIAS_1: [f32; 2] = [-0.05, 0.15];

/// The safetensors file, written with the `safetensors` crate.
fn fixture() -> Vec<u8> {
    let f = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let tensors: Vec<(&str, Vec<usize>, Vec<u8>)> = vec![
        ("dense/kernel", vec![3, 4], f(KERNEL.as_flattened())),
        ("dense/bias", vec![4], f(&BIAS)),
        ("batch_normalization/gamma", vec![4], f(&GAMMA)),
        ("batch_normalization/beta", vec![4], f(&BETA)),
        ("batch_normalization/moving_mean", vec![4], f(&MEAN)),
        ("batch_normalization/moving_variance", vec![4], f(&VARIANCE)),
        ("dense_1/kernel", vec![4, 2], f(KERNEL_1.as_flattened())),
        ("dense_1/bias", vec![2], f(&BIAS_1)),
    ];
    let views: Vec<(&str, TensorView<'_>)> = tensors
        .iter()
        .map(|(name, shape, data)| {
            (
                *name,
                TensorView::new(Dtype::F32, shape.clone(), data).unwrap(),
            )
        })
        .collect();
    serialize(views, None).unwrap()
}

/// Keras's inference, by hand in f64: relu(x K + b), then
/// `gamma (h - mean) / sqrt(variance + epsilon) + beta`, then `K1 + b1`.
fn by_hand(x: [f32; 3]) -> [f64; 2] {
    let mut h = [0.0_f64; 4];
    for (j, h) in h.iter_mut().enumerate() {
        let z: f64 = f64::from(BIAS[j])
            + (0..3)
                .map(|i| f64::from(x[i]) * f64::from(KERNEL[i][j]))
                .sum::<f64>();
        let z = z.max(0.0);
        *h = f64::from(GAMMA[j]) * (z - f64::from(MEAN[j]))
            / (f64::from(VARIANCE[j]) + 0.01).sqrt()
            + f64::from(BETA[j]);
    }
    let mut y = [0.0_f64; 2];
    for (k, y) in y.iter_mut().enumerate() {
        *y = f64::from(BIAS_1[k])
            + (0..4)
                .map(|j| h[j] * f64::from(KERNEL_1[j][k]))
                .sum::<f64>();
    }
    y
}

#[test]
fn batchnorm_weights_from_a_safetensors_file_predict_as_keras_computes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small_bn.safetensors");
    std::fs::write(&path, fixture()).unwrap();
    let mut model = SmallBn::new(9);
    model.load_weights(&path).unwrap();
    let weights = model.get_weights();
    let variance = weights
        .iter()
        .find(|w| w.name == "batch_normalization/moving_variance")
        .unwrap();
    assert_eq!(variance.data, VARIANCE);
    let inputs = [
        [1.0, 2.0, -1.0],
        [-0.5, 0.3, 0.8],
        [2.0, -1.5, 0.4],
        [0.0, 0.0, 0.0],
        [-3.0, 1.0, 2.5],
    ];
    let mut worst = 0.0_f64;
    for x in inputs {
        let y = model.predict_one(&SVector::<f32, 3>::from(x));
        let expected = by_hand(x);
        for k in 0..2 {
            worst = worst.max((f64::from(y[k]) - expected[k]).abs());
        }
    }
    assert!(worst <= 1e-5, "max abs diff {worst}");
    // The batch path gives the same.
    let xs: Vec<SVector<f32, 3>> = inputs.iter().map(|&x| SVector::from(x)).collect();
    let batch = model.predict_with_batch_size(&xs, 32).unwrap();
    for (x, y) in xs.iter().zip(&batch) {
        assert!((model.predict_one(x) - y).abs().max() <= 1e-6);
    }
}

#[test]
fn a_batchnorm_file_missing_a_moving_statistic_is_refused() {
    let bytes = fixture();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let views: Vec<(String, TensorView<'_>)> = file
        .tensors()
        .into_iter()
        .filter(|(name, _)| name != "batch_normalization/moving_mean")
        .collect();
    let short = serialize(views, None).unwrap();
    let mut model = SmallBn::new(9);
    let before = model.params().to_vec();
    let err = model
        .load_weights_from_bytes(&short)
        .unwrap_err()
        .to_string();
    assert!(err.contains("batch_normalization/moving_mean"), "{err}");
    assert_eq!(model.params(), before.as_slice());
}
