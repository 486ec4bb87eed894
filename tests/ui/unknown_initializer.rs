use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense<300, relu, kernel_initializer = he_norml> -> Dense<10, softmax>
    }
}

fn main() {}
