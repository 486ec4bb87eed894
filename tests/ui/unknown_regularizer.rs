// Keras's regularizers are `l1`, `l2` and `l1_l2`.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_regularizer = l3(0.01)> -> Dense<1>
    }
}

fn main() {}
