use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<10, relu> ;
    }
}

fn main() {}
