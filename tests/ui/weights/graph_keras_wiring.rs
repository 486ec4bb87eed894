// A graph baked from a `.keras` file must be wired as the file: its layers
// in Keras's order, each reading what it reads in the file, and the same
// outputs in the same order. Here the Wide & Deep model's outputs are
// declared the other way round, and then its auxiliary head reads the
// first hidden layer instead of the second.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/keras-files/wide_deep_two_outputs/model.keras")]
    pub struct OutputsSwapped {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output aux_output = Dense<1>(hidden2);
        output main_output = Dense<1>(concat);
    }
}

network! {
    #[weights("../../../../tests/fixtures/keras-files/wide_deep_two_outputs/model.keras")]
    pub struct AuxRewired {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden1);
    }
}

fn main() {
    let _ = (OutputsSwapped::WEIGHTS, AuxRewired::WEIGHTS);
}
