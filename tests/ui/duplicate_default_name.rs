// `dense` is the name Keras gives the first Dense layer: naming another layer
// `dense` collides with it.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> dense: Dense<30, relu> -> Dense<30, relu> -> Dense<1>
    }
}

fn main() {}
