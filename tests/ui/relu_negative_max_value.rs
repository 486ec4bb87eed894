// ReLU's `max_value`, `negative_slope` and `threshold` cannot be negative (Keras refuses them).
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> ReLU<max_value = -1.0> -> Dense<1>
    }
}

fn main() {}
