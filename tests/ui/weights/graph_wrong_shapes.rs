// The file holds the Wide & Deep graph with hidden layers of 30 units; this
// graph's first hidden layer has 31, and its output is named otherwise.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/weights/wide_deep.safetensors")]
    pub struct WideDeep {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<31, relu, name = dense_2>(deep_input);
        hidden2 = Dense<30, relu, name = dense_3>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux = Dense<1>(hidden2);
    }
}

fn main() {
    let _ = WideDeep::WEIGHTS;
}
