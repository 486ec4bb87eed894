// Only `Input` and `Flatten` declare the input shape.
use mlp::prelude::*;

network! {
    pub struct Net {
        Dropout<0.2> -> Dense<1>
    }
}

fn main() {}
