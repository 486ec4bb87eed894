// `max_norm` rescales to a positive norm.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_constraint = max_norm(0.0)> -> Dense<1>
    }
}

fn main() {}
