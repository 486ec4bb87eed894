// Keras has no Dense(rate=...): dropout is a layer of its own.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, rate = 0.2> -> Dense<1>
    }
}

fn main() {}
