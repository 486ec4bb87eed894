//! The book's classifier on the host (feature `fashion`): the baked model
//! gives Keras's classes, and the test images and classes that the firmware
//! compares itself with are written here, from this build.
//!
//! `cargo test -p mlp-embedded --features fashion --test fashion_sample`
//! (run by `mlp-embedded/qemu.sh` before it builds the firmware) writes
//! `firmware/data/fashion-sample.bin` (the first [`N`] test images, 784 bytes
//! each, as the IDX file holds them) and `firmware/data/fashion-expected.bin`
//! (their [`N`] labels, then the [`N`] classes of the f32 model on this
//! host, one byte each).

use mlp_core::datasets::fashion_mnist;
use mlp_embedded::classify_pixels;
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
    assert_eq!(classes, keras, "the baked model's classes differ from Keras's");

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware/data");
    let sample: Vec<u8> = images.concat();
    let mut expected = y_test[..N].to_vec();
    expected.extend(&classes);
    mlp_core::fs::write_atomic(dir.join("fashion-sample.bin"), &sample).unwrap();
    mlp_core::fs::write_atomic(dir.join("fashion-expected.bin"), &expected).unwrap();
    let right = classes.iter().zip(&y_test[..N]).filter(|(c, y)| c == y).count();
    println!("f32 model: {right} of the first {N} test images right; sample written to {dir:?}");
}
