//! `#[weights("model.onnx")]` and `#[weights("model.safetensors")]` holding
//! a PyTorch state dict: the fixtures of `tests/fixtures/torch-files/`
//! checked against the declaration and baked into `const`s at compile
//! time, in `static`s, predicting PyTorch's outputs to 1e-5, with the same
//! values as `load_onnx` and `load_torch` read at run time.

use mlp::prelude::*;
use std::path::Path;

network! {
    /// The housing model, from its ONNX export.
    #[weights("tests/fixtures/torch-files/housing_torch_bn/model.onnx")]
    pub struct HousingOnnx {
        Input[8] -> Dense<50> -> BatchNormalization<epsilon = 1e-5> -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

network! {
    /// The housing model, from its state dict.
    #[weights("tests/fixtures/torch-files/housing_torch_bn/model.safetensors")]
    pub struct HousingTorch {
        Input[8] -> Dense<50> -> BatchNormalization<epsilon = 1e-5> -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

network! {
    /// The Wide & Deep graph, from its ONNX export.
    #[weights("tests/fixtures/torch-files/wide_deep_torch/model.onnx")]
    pub struct WideDeepOnnx {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

network! {
    /// The Wide & Deep graph, from its state dict.
    #[weights("tests/fixtures/torch-files/wide_deep_torch/model.safetensors")]
    pub struct WideDeepTorch {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

static HOUSING_ONNX: HousingOnnx = HousingOnnx::WEIGHTS;
static HOUSING_TORCH: HousingTorch = HousingTorch::WEIGHTS;
static WIDE_DEEP_ONNX: WideDeepOnnx = WideDeepOnnx::WEIGHTS;
static WIDE_DEEP_TORCH: WideDeepTorch = WideDeepTorch::WEIGHTS;

fn fixture(folder: &str, file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torch-files")
        .join(folder)
        .join(file)
}

fn npy(folder: &str, file: &str) -> Vec<f32> {
    mlp::datasets::npy::read(&fixture(folder, file))
        .unwrap()
        .data
}

#[test]
fn baked_housing_predicts_as_pytorch_and_as_loaded() {
    let x = npy("housing_torch_bn", "input_0.npy");
    let y = npy("housing_torch_bn", "output_0.npy");
    assert_eq!(HOUSING_ONNX.params(), HOUSING_TORCH.params());
    let mut loaded = HousingOnnx::new_zeroed();
    loaded
        .load_onnx(fixture("housing_torch_bn", "model.onnx"))
        .unwrap();
    assert_eq!(loaded.params(), HOUSING_ONNX.params());
    for (row, want) in x.chunks_exact(8).zip(&y) {
        let got = HOUSING_ONNX.predict_one(&SVector::from_row_slice(row))[0];
        assert!((got - want).abs() <= 1e-5, "{got} vs PyTorch's {want}");
    }
}

#[test]
fn baked_wide_and_deep_predicts_as_pytorch() {
    let (wide, deep) = (
        npy("wide_deep_torch", "input_0.npy"),
        npy("wide_deep_torch", "input_1.npy"),
    );
    let (main, aux) = (
        npy("wide_deep_torch", "output_0.npy"),
        npy("wide_deep_torch", "output_1.npy"),
    );
    assert_eq!(WIDE_DEEP_ONNX.params(), WIDE_DEEP_TORCH.params());
    for (i, (w, d)) in wide.chunks_exact(5).zip(deep.chunks_exact(6)).enumerate() {
        let y = WIDE_DEEP_ONNX.predict_one(&WideDeepOnnxInputs {
            wide: SVector::from_row_slice(w),
            deep: SVector::from_row_slice(d),
        });
        assert!((y.main_output[0] - main[i]).abs() <= 1e-5);
        assert!((y.aux_output[0] - aux[i]).abs() <= 1e-5);
    }
}
