//! The book's classifier on the host (feature `fashion`): the baked model
//! gives Keras's classes, and the test images and classes that the firmware
//! compares itself with are written here, from this build.
//!
//! `cargo test -p mlp-embedded --features fashion --test fashion_sample`
//! (run by `mlp-embedded/qemu.sh` before it builds the firmware) writes
//! `firmware/data/fashion-sample.bin` (the first [`N`] test images, 784 bytes
//! each, as the IDX file holds them) and `firmware/data/fashion-expected.bin`
//! (their [`N`] labels, then the [`N`] classes of the f32 model and the
//! [`N`] classes of the int8 model on this host, one byte each).
//!
//! It also measures the int8 model's accuracy on all 10,000 test images
//! against the f32 model's.

use mlp_core::datasets::fashion_mnist;
use mlp_embedded::{FASHION, FASHION_INT8, FashionMlpInt8, classify_pixels, classify_pixels_int8};
use std::path::Path;

/// Images in the firmware's sample: the first 100 test images, for which the
/// Keras fixture holds Keras's own predictions.
const N: usize = 100;

fn pixels(image: &mlp_core::SMatrix<u8, 28, 28>) -> [u8; 784] {
    // nalgebra is column-major; the firmware takes rows, as the IDX file.
    core::array::from_fn(|i| image[(i / 28, i % 28)])
}

#[test]
fn host_classes_are_keras_classes_and_are_written_for_the_firmware() {
    let (_, (x_test, y_test)) = fashion_mnist::load_data().unwrap();
    let images: Vec<[u8; 784]> = x_test[..N].iter().map(pixels).collect();
    let classes: Vec<u8> = images.iter().map(|p| classify_pixels(p) as u8).collect();

    let keras: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/keras-fashion-mlp/probs_first100.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let keras: Vec<u8> = keras["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(keras.len(), N);
    assert_eq!(
        classes, keras,
        "the baked model's classes differ from Keras's"
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware/data");
    let sample: Vec<u8> = images.concat();
    let int8: Vec<u8> = images
        .iter()
        .map(|p| classify_pixels_int8(p) as u8)
        .collect();
    let mut expected = y_test[..N].to_vec();
    expected.extend(&classes);
    expected.extend(&int8);
    std::fs::write(dir.join("fashion-sample.bin"), &sample).unwrap();
    std::fs::write(dir.join("fashion-expected.bin"), &expected).unwrap();
    let right = classes
        .iter()
        .zip(&y_test[..N])
        .filter(|(c, y)| c == y)
        .count();
    let same = classes.iter().zip(&int8).filter(|(a, b)| a == b).count();
    println!(
        "f32 model: {right} of the first {N} test images right; int8 model: {same} of {N} \
         classes as f32; sample written to {dir:?}"
    );
}

#[test]
fn int8_accuracy_on_all_10000_test_images_is_within_one_point_of_f32() {
    let (_, (x_test, y_test)) = fashion_mnist::load_data().unwrap();
    assert_eq!(x_test.len(), 10_000);
    let (mut f32_right, mut int8_right, mut differ) = (0, 0, 0);
    for (image, &label) in x_test.iter().zip(&y_test) {
        let p = pixels(image);
        let (a, b) = (classify_pixels(&p), classify_pixels_int8(&p));
        f32_right += usize::from(a == usize::from(label));
        int8_right += usize::from(b == usize::from(label));
        differ += usize::from(a != b);
    }
    let (acc, acc8) = (f32_right as f64 / 1e4, int8_right as f64 / 1e4);
    println!(
        "test accuracy: f32 {acc:.4}, integer-only int8 {acc8:.4} ({:+.2} points); classes \
         differ on {differ} images",
        100.0 * (acc8 - acc)
    );
    // Keras's own evaluate gave 0.8829 (tests/fixtures/keras-fashion-mlp/result.json).
    assert!((acc - 0.8829).abs() < 5e-4, "f32 accuracy {acc}");
    assert!((acc8 - acc).abs() <= 0.01, "int8 {acc8} vs f32 {acc}");
}

#[test]
fn the_integer_model_is_the_runtime_quantisation_of_the_f32_weights() {
    use mlp_core::quant::{DenseQ, QuantParams, quantize_unit};
    fn check<const IN: usize, const OUT: usize>(
        f32_kernel: &mlp_core::SMatrix<f32, IN, OUT>,
        layer: &DenseQ<IN, OUT>,
    ) {
        let mut q = [0_i8; IN];
        for u in 0..OUT {
            // Column u: unit u's weights, contiguous.
            let scale = quantize_unit(f32_kernel.column(u).as_slice(), &mut q);
            assert_eq!(scale, layer.weight_scales()[u], "unit {u}");
            assert_eq!(q, layer.kernel()[u], "unit {u}");
            assert!((1 << 30..i32::MAX).contains(&layer.requant()[u].multiplier));
        }
    }
    check(FASHION.dense.kernel(), &FASHION_INT8.dense);
    check(FASHION.dense_1.kernel(), &FASHION_INT8.dense_1);
    check(FASHION.dense_2.kernel(), &FASHION_INT8.dense_2);
    // The pixels' quantisation is the book's pixel / 255, so that
    // `classify_pixels_int8` can take `byte - 128`; relu outputs start at
    // their zero point; softmax's output is TFLite's 1/256, -128.
    assert_eq!(
        FashionMlpInt8::INPUT,
        QuantParams {
            scale: 1.0 / 255.0,
            zero_point: -128
        }
    );
    let (_, (x_test, _)) = fashion_mnist::load_data().unwrap();
    for image in &x_test[..20] {
        let p = pixels(image);
        let q = FashionMlpInt8::quantize_input(&mlp_embedded::scale(&p));
        assert_eq!(q, p.map(|p| (i32::from(p) - 128) as i8));
    }
    assert_eq!(
        FASHION_INT8.dense.clamp().0,
        FASHION_INT8.dense.output_zero_point() as i8
    );
    assert_eq!(FashionMlpInt8::OUTPUT.zero_point, -128);
    assert_eq!(FashionMlpInt8::OUTPUT.scale, 1.0 / 256.0);
    println!(
        "int8 model: {} bytes",
        core::mem::size_of_val(&FASHION_INT8)
    );
    assert_eq!(
        core::mem::size_of_val(&FASHION_INT8),
        266_200 + 16 * (300 + 100 + 10) + 3 * 12 + 512
    );
}

/// `weights/fashion-calibration.safetensors` is the first 256 training
/// images scaled to [0, 1] (written from `data/` by the same formula).
#[test]
fn the_calibration_sample_is_the_first_256_training_images() {
    let ((x_train, _), _) = fashion_mnist::load_data().unwrap();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/weights/fashion-calibration.safetensors"
    ))
    .unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let t = file.tensor("input").unwrap();
    assert_eq!(t.shape(), [256, 28, 28]);
    let values: Vec<f32> = t
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let expected: Vec<f32> = x_train[..256]
        .iter()
        .flat_map(|image| pixels(image).map(|p| f32::from(p) / 255.0))
        .collect();
    assert_eq!(values, expected);
}

/// What the `finetune` firmware does, on the host: the last layer of the
/// baked model (in read-only memory) fine-tuned on the first 8 of the first
/// 100 test images that it misclassifies, 10 steps of SGD (0.05, momentum
/// 0.9); then the test accuracy on all 10,000 images before and after.
#[test]
fn last_layer_fine_tuning_as_the_firmware_does_it() {
    use mlp_core::on_device::DeviceSgd;
    use mlp_embedded::{FashionLastLayer, scale};
    const B: usize = 8;
    let (_, (x_test, y_test)) = fashion_mnist::load_data().unwrap();
    let wrong: Vec<usize> = (0..N)
        .filter(|&i| classify_pixels(&pixels(&x_test[i])) != usize::from(y_test[i]))
        .take(B)
        .collect();
    assert_eq!(
        wrong.len(),
        B,
        "at least 8 of the first 100 are misclassified"
    );
    let image = |i: usize| scale(&pixels(&x_test[wrong[i]]));
    let sample = |i: usize| (image(i), usize::from(y_test[wrong[i]]));
    let mut tuner = Box::new(FashionLastLayer::zeroed(DeviceSgd {
        learning_rate: 0.05,
        momentum: 0.9,
    }));
    tuner.load(&FASHION);
    let before = tuner.loss_sparse_from(&FASHION, B, sample);
    for _ in 0..10 {
        tuner.step_sparse_from(&FASHION, B, sample);
    }
    let after = tuner.loss_sparse_from(&FASHION, B, sample);
    let right = (0..B)
        .filter(|&i| tuner.predict(&FASHION, &image(i)).argmax().0 == sample(i).1)
        .count();
    let (mut base, mut tuned) = (0, 0);
    for (x, &label) in x_test.iter().zip(&y_test) {
        let p = pixels(x);
        base += usize::from(classify_pixels(&p) == usize::from(label));
        tuned += usize::from(tuner.predict(&FASHION, &scale(&p)).argmax().0 == usize::from(label));
    }
    println!(
        "last layer fine-tuned on {B} misclassified images, 10 steps: loss {before} -> {after}, \
         {right} of {B} right; test accuracy {:.4} -> {:.4}",
        base as f64 / 1e4,
        tuned as f64 / 1e4
    );
    assert!(after < before / 2.0, "{before} -> {after}");
    assert_eq!(right, B);
}
