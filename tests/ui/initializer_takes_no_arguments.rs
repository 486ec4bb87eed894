use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_initializer = he_normal(0.5)> -> Dense<1>
    }
}

fn main() {}
