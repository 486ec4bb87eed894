use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28] -> Dense<10, softmax>
    }
}

fn main() {}
