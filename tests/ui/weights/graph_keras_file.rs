// A graph bakes safetensors files; Keras files are read at run time.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/keras-files/wide_deep_two_outputs/model.keras")]
    pub struct WideDeep {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

fn main() {
    let _ = WideDeep::WEIGHTS;
}
