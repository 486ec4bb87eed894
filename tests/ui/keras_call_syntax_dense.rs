// Keras writes `Dense(300, activation="relu")`; here arguments go in angle brackets.
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense(300, activation = "relu") -> Dense<10, softmax>
    }
}

fn main() {}
