use mlp::prelude::*;

network! {
    pub struct Net {
        Input[784] -> Dense<300, relu> -> Flatten[28, 28] -> Dense<10, softmax>
    }
}

fn main() {}
