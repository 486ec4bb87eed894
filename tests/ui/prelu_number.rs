// PReLU learns its slopes: a starting value is an initializer.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> PReLU<0.2> -> Dense<1>
    }
}

fn main() {}
