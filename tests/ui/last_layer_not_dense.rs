// The loss reads the output layer's activation: the last layer is a Dense layer.
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<10, softmax> -> Dropout<0.5>
    }
}

fn main() {}
