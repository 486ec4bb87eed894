// Keras 2 called LeakyReLU's slope `alpha`; Keras 3 calls it `negative_slope`.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> LeakyReLU<alpha = 0.2> -> Dense<1>
    }
}

fn main() {}
