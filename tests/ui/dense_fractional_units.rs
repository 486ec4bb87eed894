// Units are a whole number.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<0.5> -> Dense<1>
    }
}

fn main() {}
