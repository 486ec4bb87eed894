// An activation layer takes numbers, not another activation.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> LeakyReLU<relu> -> Dense<1>
    }
}

fn main() {}
