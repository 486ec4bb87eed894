// Dropout's `rate` is a number, not a function.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropout<rate = constant(0.2)> -> Dense<1>
    }
}

fn main() {}
