use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dens<30, relu> -> Dense<1>
    }
}

fn main() {}
