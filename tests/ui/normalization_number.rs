// Normalization learns its mean and variance from data: it takes no number.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Normalization<0.5> -> Dense<1>
    }
}

fn main() {}
