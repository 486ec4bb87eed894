//! Graph models several test files share: the book's Wide & Deep model as
//! the Keras session that saved `tests/fixtures/keras-files/wide_deep_two_outputs`
//! named its layers, and a graph with every merge.

use mlp::prelude::*;

network! {
    /// The book's Wide & Deep model with an auxiliary output, its layers
    /// named as in the Keras session (Keras 3.15.1) that saved the fixture.
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
    /// Every merge, a named layer, and an existing node as an output.
    pub struct Merges {
        a = Input[2];
        b = Input[2];
        sum = Add(a, b);
        mean = Average(a, b);
        joined = Concatenate(sum, mean, a);
        output y = Dense<1>(joined);
        hidden = Dense<2, relu, name = hidden_layer>(b);
        output hidden;
    }
}
