use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<0, relu> -> Dense<1>
    }
}

fn main() {}
