// Each Dense option once.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_regularizer = l2, kernel_regularizer = l1> -> Dense<1>
    }
}

fn main() {}
