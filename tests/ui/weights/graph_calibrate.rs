// A graph bakes int8 weights (`quantize = "int8"`), but the integer-only
// network of `calibrate` exists for chains only.
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

fn main() {
    let _ = WideDeep::WEIGHTS;
}
