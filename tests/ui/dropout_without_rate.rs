// Dropout has no default rate (as in Keras): the rate is required.
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense<300, relu> -> Dropout -> Dense<10, softmax>
    }
}

fn main() {}
