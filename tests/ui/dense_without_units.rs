use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense -> Dense<1>
    }
}

fn main() {}
