// PyTorch's BatchNorm1d has epsilon 1e-5; a BatchNormalization declared with
// Keras's default (1e-3) does not match the file.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/torch-files/housing_torch_bn/model.onnx")]
    pub struct Housing {
        Input[8] -> Dense<50> -> BatchNormalization -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

fn main() {
    let _ = Housing::WEIGHTS;
}
