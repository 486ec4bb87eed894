// LeakyReLU's slope cannot be negative (Keras refuses it).
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> LeakyReLU<-0.2> -> Dense<1>
    }
}

fn main() {}
