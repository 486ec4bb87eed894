// A regularizer given where an initializer goes.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_initializer = l2(0.01)> -> Dense<1>
    }
}

fn main() {}
