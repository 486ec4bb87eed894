// Keras 2's alias `maxnorm` is not a Keras 3 name.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_constraint = maxnorm(2.0)> -> Dense<1>
    }
}

fn main() {}
