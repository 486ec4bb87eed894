use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> hidden: Dense<30, relu> -> hidden: Dense<30, relu> -> Dense<1>
    }
}

fn main() {}
