// `momentum` belongs to BatchNormalization, not Dropout.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropout<momentum = 0.9> -> Dense<1>
    }
}

fn main() {}
