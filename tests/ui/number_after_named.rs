// As in Python, numbers without a name come before the named ones.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> BatchNormalization<momentum = 0.9, 0.01> -> Dense<1>
    }
}

fn main() {}
