use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8]
    }
}

fn main() {}
