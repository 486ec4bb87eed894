//! Keras interoperability: the book's Fashion-MNIST model trained by real
//! Keras (tests/fixtures/keras-fashion-mlp/README.md) loads from its
//! safetensors file and predicts what Keras predicts, on the one-sample path
//! and on the batch path.

use mlp::prelude::*;
use std::io::Read;
use std::path::Path;

network! {
    /// The book's Fashion-MNIST classifier (chapter 10).
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

network! {
    /// The same model with Keras's weights baked in at compile time.
    #[weights("tests/fixtures/keras-fashion-mlp/weights.safetensors")]
    pub struct BakedFashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// 1 MiB of weights in read-only memory (never on the stack).
static BAKED: BakedFashionMlp = BakedFashionMlp::WEIGHTS;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/keras-fashion-mlp"
);
const TOLERANCE: f32 = 1e-5;

/// The first `n` test images, pixels / 255, read straight from the IDX file.
fn first_test_images(n: usize) -> Vec<SMatrix<f32, 28, 28>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap()) as usize;
    assert_eq!(be(0), 0x0803, "IDX magic of an image file");
    assert!(be(4) >= n);
    assert_eq!((be(8), be(12)), (28, 28));
    bytes[16..16 + n * 784]
        .chunks_exact(784)
        .map(|img| {
            SMatrix::from_row_slice(
                &img.iter()
                    .map(|&p| f32::from(p) / 255.0)
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

/// Keras's probabilities and classes for the first 100 test images.
fn keras_predictions() -> (Vec<[f32; 10]>, Vec<usize>) {
    let text = std::fs::read_to_string(format!("{FIXTURE}/probs_first100.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let probs = json["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let row: Vec<f32> = row
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
                .collect();
            row.try_into().unwrap()
        })
        .collect();
    let classes = json["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap() as usize)
        .collect();
    (probs, classes)
}

fn argmax(p: &SVector<f32, 10>) -> usize {
    p.argmax().0
}

/// Largest absolute difference to Keras, and whether every class agrees.
fn compare(ours: &[SVector<f32, 10>], keras: &[[f32; 10]], classes: &[usize]) -> f32 {
    assert_eq!(ours.len(), keras.len());
    let mut max_diff = 0.0_f32;
    for (i, (p, k)) in ours.iter().zip(keras).enumerate() {
        for (a, b) in p.iter().zip(k) {
            max_diff = max_diff.max((a - b).abs());
        }
        assert_eq!(
            argmax(p),
            classes[i],
            "image {i}: class differs from Keras's"
        );
    }
    max_diff
}

#[test]
fn keras_weights_predict_what_keras_predicts() {
    let mut model = FashionMlp::new_zeroed();
    model
        .load_weights(format!("{FIXTURE}/weights.safetensors"))
        .unwrap();
    assert_eq!(
        model.get_layer("dense").unwrap().kernel().unwrap().shape(),
        (784, 300)
    );

    let images = first_test_images(100);
    let (keras, classes) = keras_predictions();
    assert_eq!(
        &classes[..3],
        &[9, 2, 1],
        "result.json's first three classes"
    );

    let one: Vec<_> = images.iter().map(|x| model.predict_one(x)).collect();
    let batch = model.predict_with_batch_size(&images, 32).unwrap();
    let diff_one = compare(&one, &keras, &classes);
    let diff_batch = compare(&batch, &keras, &classes);
    println!("max |ours - Keras|: predict_one {diff_one:.3e}, predict {diff_batch:.3e}");
    assert!(
        diff_one <= TOLERANCE,
        "predict_one differs from Keras by {diff_one}"
    );
    assert!(
        diff_batch <= TOLERANCE,
        "predict differs from Keras by {diff_batch}"
    );
}

#[test]
fn baked_keras_weights_are_the_loaded_ones_and_predict_the_same() {
    let mut loaded = FashionMlp::new_zeroed();
    loaded
        .load_weights(format!("{FIXTURE}/weights.safetensors"))
        .unwrap();
    assert_eq!(BAKED.params().len(), 266_610);
    assert!(
        BAKED.params() == loaded.params(),
        "baked and loaded weights differ"
    );

    let images = first_test_images(100);
    let (keras, classes) = keras_predictions();
    let baked: Vec<_> = images.iter().map(|x| BAKED.predict_one(x)).collect();
    let diff = compare(&baked, &keras, &classes);
    println!("max |baked - Keras|: {diff:.3e}");
    assert!(
        diff <= TOLERANCE,
        "the baked model differs from Keras by {diff}"
    );
}

#[test]
fn saving_the_keras_weights_gives_back_the_same_tensors() {
    let mut model = FashionMlp::new_zeroed();
    let original = format!("{FIXTURE}/weights.safetensors");
    model.load_weights(&original).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("again.safetensors");
    model.save_weights(&path).unwrap();

    // Same tensors, same bytes for each, whatever the header says besides.
    let (a, b) = (
        std::fs::read(&original).unwrap(),
        std::fs::read(&path).unwrap(),
    );
    let (a, b) = (
        safetensors::SafeTensors::deserialize(&a).unwrap(),
        safetensors::SafeTensors::deserialize(&b).unwrap(),
    );
    let mut names = a.names();
    names.sort();
    let mut names_b = b.names();
    names_b.sort();
    assert_eq!(names, names_b);
    for name in names {
        let (ta, tb) = (a.tensor(name).unwrap(), b.tensor(name).unwrap());
        assert_eq!((ta.dtype(), ta.shape()), (tb.dtype(), tb.shape()), "{name}");
        assert!(ta.data() == tb.data(), "{name}: data differs");
    }
}
