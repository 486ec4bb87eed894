// A regularization factor cannot be negative (Keras refuses it).
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_regularizer = l2(-0.1)> -> Dense<1>
    }
}

fn main() {}
