// The activation goes on the Dense layer, not on Dropout.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> Dropout<relu> -> Dense<1>
    }
}

fn main() {}
