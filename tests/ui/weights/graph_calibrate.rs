// An integer-only graph (`calibrate`) reads one calibration tensor per
// input, named as the input; a BatchNormalization that feeds a merge has
// no integer form (it folds into a Dense, and a merge is not one); nor has
// a Normalization that feeds a merge when it is not alone on its model
// input (a Normalization that alone reads an input is that input's
// quantisation, wherever it leads).
use mlp::prelude::*;

network! {
    #[weights(
        "../../../../tests/fixtures/weights/wide_deep.safetensors",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration.safetensors"
    )]
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
    #[weights(
        "../../../../tests/fixtures/weights/tiny-graph-batchnorm.safetensors",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration.safetensors"
    )]
    pub struct NormedSkip {
        x = Input[2];
        hidden = Dense<3, relu>(x);
        normed = BatchNormalization(hidden);
        concat = Concatenate(x, normed);
        output y = Dense<1, name = dense_1>(concat);
    }
}

network! {
    #[weights(
        "../../../../tests/fixtures/weights/tiny-graph-normalization.safetensors",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration.safetensors"
    )]
    pub struct SharedInput {
        x = Input[2];
        normed = Normalization(x);
        hidden = Dense<3, relu>(x);
        concat = Concatenate(normed, hidden);
        output y = Dense<1, name = dense_1>(concat);
    }
}

fn main() {
    let _ = (WideDeep::WEIGHTS, NormedSkip::WEIGHTS, SharedInput::WEIGHTS);
}
