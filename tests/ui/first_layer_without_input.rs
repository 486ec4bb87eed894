use mlp::prelude::*;

network! {
    pub struct Net {
        Dense<10> -> Dense<1>
    }
}

fn main() {}
