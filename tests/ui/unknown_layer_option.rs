// A misspelt option of a layer kind other than Dense.
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> BatchNormalization<momentun = 0.9> -> Dense<10, softmax>
    }
}

fn main() {}
