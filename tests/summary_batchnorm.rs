//! The summary of chapter 11's BatchNormalization model, line by line as
//! Keras 3.15 printed it for the same model (`tests/fixtures/keras-files/
//! fashion_batchnorm/summary.txt`, saved after training with SGD): the
//! non-trainable moving statistics and the optimizer's two variables.

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    /// Chapter 11's classifier, with the layer names Keras gave it.
    pub struct BatchNormMlp {
        Flatten[28, 28]
            -> batch_normalization: BatchNormalization
            -> dense_4: Dense<300, elu, kernel_initializer = he_normal>
            -> batch_normalization_1: BatchNormalization
            -> dense_5: Dense<100, elu, kernel_initializer = he_normal>
            -> batch_normalization_2: BatchNormalization
            -> dense_6: Dense<10, softmax>
    }
}

#[test]
fn the_summary_matches_keras_line_by_line() {
    let keras = include_str!("fixtures/keras-files/fashion_batchnorm/summary.txt");
    let mut model = BatchNormMlp::new(42);
    let network = model.summary();
    assert_eq!(network.trainable_params(), 268_978);
    assert_eq!(network.non_trainable_params(), 2_368);
    let trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.01), []);
    let ours = trainer.summary().to_string();
    // The first line names the model: Keras's `sequential_1`, ours the struct.
    let keras_lines: Vec<&str> = keras.lines().skip(1).filter(|l| !l.is_empty()).collect();
    let our_lines: Vec<&str> = ours.lines().skip(1).filter(|l| !l.is_empty()).collect();
    assert_eq!(our_lines.len(), keras_lines.len(), "{ours}");
    for (i, (a, b)) in our_lines.iter().zip(&keras_lines).enumerate() {
        assert_eq!(a, b, "line {}:\nours:\n{ours}\nkeras:\n{keras}", i + 2);
    }
}
