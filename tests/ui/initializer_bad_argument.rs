use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_initializer = random_normal(std = 0.01)> -> Dense<1>
    }
}

fn main() {}
