//! `#[weights("file.safetensors")]` on a graph: the Keras-trained Wide & Deep
//! weights (tests/fixtures/weights/wide_deep.safetensors, converted from
//! tests/fixtures/keras-files/wide_deep_two_outputs/model.weights.h5 by
//! scripts/keras_h5_to_safetensors.py) baked into a `const` at compile time,
//! in a `static`, predicting what Keras predicted to 1e-5 and what the
//! loaded model predicts bit for bit; and with `quantize = "int8"` its
//! `WideDeepInt8` (int8 weights, one scale per unit, wired as the graph),
//! predicting what the runtime's own quantisation of the loaded layers
//! predicts bit for bit, and Keras's predictions within the chains' int8
//! tolerance (0.05). The same graph baked straight from Keras's own files
//! (`#[weights("model.keras")]`, its architecture and wiring checked at
//! compile time, and `#[weights("model.weights.h5")]`) predicts what the
//! same files loaded at run time predict, bit for bit.

use mlp::prelude::*;
use std::path::Path;

network! {
    /// The fixture's model, its weights baked in, in f32 and in int8.
    #[weights("tests/fixtures/weights/wide_deep.safetensors", quantize = "int8")]
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

network! {
    /// The fixture's model as the runtime's `load_keras` docs declare it
    /// (Keras's default names), baked from the `.keras` archive.
    #[weights("tests/fixtures/keras-files/wide_deep_two_outputs/model.keras")]
    pub struct WideDeepKeras {
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
    /// The same, baked from the archive's weights file alone.
    #[weights("tests/fixtures/keras-files/wide_deep_two_outputs/model.weights.h5")]
    pub struct WideDeepH5 {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

/// In read-only memory: no parsing, no heap.
static MODEL: WideDeep = WideDeep::WEIGHTS;
static MODEL_INT8: WideDeepInt8 = WideDeepInt8::WEIGHTS;

fn npy(name: &str) -> Vec<f32> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras-files/wide_deep_two_outputs");
    mlp::datasets::npy::read(&dir.join(name)).unwrap().data
}

/// The Keras file read at run time.
fn loaded() -> Box<WideDeep> {
    let mut loaded = WideDeep::new_zeroed();
    loaded
        .load_keras_weights(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/keras-files/wide_deep_two_outputs/model.weights.h5"),
        )
        .unwrap();
    loaded
}

/// The fixture's 50 samples and Keras's predictions (main, aux) for them.
fn samples() -> Vec<(WideDeepInputs, [f32; 2])> {
    let (wide, deep) = (npy("input_0.npy"), npy("input_1.npy"));
    let (main, aux) = (npy("output_0.npy"), npy("output_1.npy"));
    assert_eq!((wide.len(), deep.len()), (50 * 5, 50 * 6));
    wide.chunks_exact(5)
        .zip(deep.chunks_exact(6))
        .enumerate()
        .map(|(i, (w, d))| {
            let x = WideDeepInputs {
                wide_input: SVector::from_column_slice(w),
                deep_input: SVector::from_column_slice(d),
            };
            (x, [main[i], aux[i]])
        })
        .collect()
}

/// The largest difference between `predict`'s outputs and Keras's.
fn worst_from_keras(predict: impl Fn(&WideDeepInputs) -> WideDeepOutputs) -> f32 {
    samples().iter().fold(0.0_f32, |worst, (x, [main, aux])| {
        let y = predict(x);
        worst
            .max((y.main_output[0] - main).abs())
            .max((y.aux_output[0] - aux).abs())
    })
}

#[test]
fn baked_graph_is_the_keras_file_and_predicts_as_keras() {
    // The same values as the Keras file read at run time.
    let loaded = loaded();
    assert_eq!(MODEL.params(), loaded.params());
    assert!(MODEL.params().iter().filter(|&&v| v != 0.0).count() > WideDeep::PARAMS / 2);
    // And the same predictions, bit for bit.
    for (x, _) in samples() {
        assert_eq!(MODEL.predict_one(&x), loaded.predict_one(&x));
    }
    let worst = worst_from_keras(|x| MODEL.predict_one(x));
    assert!(worst <= 1e-5, "max abs diff {worst}");
}

#[test]
fn baked_int8_graph_is_the_loaded_graph_quantised() {
    use mlp::quant::DenseI8;
    let loaded = loaded();
    // The runtime's quantisation of each loaded layer, wired by hand as
    // the declaration wires them.
    let (hidden1, hidden2) = (
        DenseI8::quantize(&loaded.dense_2),
        DenseI8::quantize(&loaded.dense_3),
    );
    let (main, aux) = (
        DenseI8::quantize(&loaded.main_output),
        DenseI8::quantize(&loaded.aux_output),
    );
    assert_eq!(MODEL_INT8.dense_2.kernel(), hidden1.kernel());
    assert_eq!(MODEL_INT8.main_output.scales(), main.scales());
    for (x, _) in samples() {
        let h2 = hidden2.forward_one(&hidden1.forward_one(&x.deep_input));
        let mut concat = SVector::<f32, 35>::zeros();
        concat.as_mut_slice()[..5].copy_from_slice(x.wide_input.as_slice());
        concat.as_mut_slice()[5..].copy_from_slice(h2.as_slice());
        let y = MODEL_INT8.predict_one(&x);
        assert_eq!(y.main_output, main.forward_one(&concat));
        assert_eq!(y.aux_output, aux.forward_one(&h2));
    }
    // Close to Keras's f32 predictions, as the chains' int8 bakes are.
    let worst = worst_from_keras(|x| MODEL_INT8.predict_one(x));
    println!("int8 Wide & Deep: max abs diff from Keras's f32 predictions {worst}");
    assert!(worst > 0.0 && worst < 0.05, "int8: max abs diff {worst}");
    // A quarter of the f32 weights' bytes, plus the scales.
    assert!(std::mem::size_of::<WideDeepInt8>() < std::mem::size_of::<WideDeep>() / 2);
}

#[test]
fn graphs_baked_from_keras_files_are_the_files_loaded_at_run_time() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keras-files/wide_deep_two_outputs");
    let mut from_archive = WideDeepKeras::new_zeroed();
    from_archive.load_keras(dir.join("model.keras")).unwrap();
    let mut from_h5 = WideDeepH5::new_zeroed();
    from_h5
        .load_keras_weights(dir.join("model.weights.h5"))
        .unwrap();
    let (archive, h5) = (WideDeepKeras::WEIGHTS, WideDeepH5::WEIGHTS);
    assert_eq!(archive.params(), from_archive.params());
    assert_eq!(h5.params(), from_h5.params());
    // The safetensors bake's values, in the same order of fields.
    assert_eq!(archive.params(), MODEL.params());
    for (x, [main, aux]) in samples() {
        let x = WideDeepKerasInputs {
            wide_input: x.wide_input,
            deep_input: x.deep_input,
        };
        let y = archive.predict_one(&x);
        assert_eq!(y, from_archive.predict_one(&x));
        assert!((y.main_output[0] - main).abs() <= 1e-5, "{y:?} {main}");
        assert!((y.aux_output[0] - aux).abs() <= 1e-5, "{y:?} {aux}");
        let x = WideDeepH5Inputs {
            wide_input: x.wide_input,
            deep_input: x.deep_input,
        };
        assert_eq!(h5.predict_one(&x), from_h5.predict_one(&x));
    }
}
