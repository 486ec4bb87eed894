// A Dense option names a function; a bare number is not one.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_regularizer = 0.01> -> Dense<1>
    }
}

fn main() {}
