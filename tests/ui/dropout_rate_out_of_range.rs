// A Dropout rate is a fraction in [0, 1).
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense<300, relu> -> Dropout<1.5> -> Dense<10, softmax>
    }
}

fn main() {}
