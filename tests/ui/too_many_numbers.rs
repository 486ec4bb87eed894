// Dropout takes one number, its rate.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropout<0.2, 0.5> -> Dense<1>
    }
}

fn main() {}
