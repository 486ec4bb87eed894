// A setting's name alone is not a value.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropout<rate> -> Dense<1>
    }
}

fn main() {}
