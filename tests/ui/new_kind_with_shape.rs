// A layer after the first takes its shape from the previous one.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropout[30] -> Dense<1>
    }
}

fn main() {}
