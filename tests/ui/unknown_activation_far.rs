use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense<300, banana> -> Dense<10, softmax>
    }
}

fn main() {}
