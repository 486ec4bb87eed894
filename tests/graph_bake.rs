//! `#[weights("file.safetensors")]` on a graph: the Keras-trained Wide & Deep
//! weights (tests/fixtures/weights/wide_deep.safetensors, converted from
//! tests/fixtures/keras-files/wide_deep_two_outputs/model.weights.h5 by
//! scripts/keras_h5_to_safetensors.py) baked into a `const` at compile time,
//! in a `static`, predicting what Keras predicted to 1e-5.

use mlp::prelude::*;
use std::path::Path;

network! {
    /// The fixture's model, its weights baked in.
    #[weights("tests/fixtures/weights/wide_deep.safetensors")]
    pub struct WideDeep {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu, name = dense_2>(deep_input);
        hidden2 = Dense<30, relu, name = dense_3>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

/// In read-only memory: no parsing, no heap.
static MODEL: WideDeep = WideDeep::WEIGHTS;

fn npy(name: &str) -> Vec<f32> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras-files/wide_deep_two_outputs");
    mlp::datasets::npy::read(&dir.join(name)).unwrap().data
}

#[test]
fn baked_graph_is_the_keras_file_and_predicts_as_keras() {
    // The same values as the Keras file read at run time.
    let mut loaded = WideDeep::new_zeroed();
    loaded
        .load_keras_weights(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/keras-files/wide_deep_two_outputs/model.weights.h5"),
        )
        .unwrap();
    assert_eq!(MODEL.params(), loaded.params());
    assert!(MODEL.params().iter().filter(|&&v| v != 0.0).count() > WideDeep::PARAMS / 2);

    let (wide, deep) = (npy("input_0.npy"), npy("input_1.npy"));
    let (main, aux) = (npy("output_0.npy"), npy("output_1.npy"));
    assert_eq!((wide.len(), deep.len()), (50 * 5, 50 * 6));
    let mut worst = 0.0_f32;
    for (i, (w, d)) in wide.chunks_exact(5).zip(deep.chunks_exact(6)).enumerate() {
        let y = MODEL.predict_one(&WideDeepInputs {
            wide_input: SVector::from_column_slice(w),
            deep_input: SVector::from_column_slice(d),
        });
        worst = worst
            .max((y.main_output[0] - main[i]).abs())
            .max((y.aux_output[0] - aux[i]).abs());
    }
    assert!(worst <= 1e-5, "max abs diff {worst}");
}
