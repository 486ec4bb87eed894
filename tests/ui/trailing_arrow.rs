use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> ->
    }
}

fn main() {}
