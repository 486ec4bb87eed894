// Keras writes `Dense(300, activation="relu")`; here the activation is positional.
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense<300, activation = relu> -> Dense<10, softmax>
    }
}

fn main() {}
