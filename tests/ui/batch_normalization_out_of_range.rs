// Both of BatchNormalization's numbers are checked, and both errors reported.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> BatchNormalization<momentum = 1.5, epsilon = 0.0> -> Dense<1>
    }
}

fn main() {}
