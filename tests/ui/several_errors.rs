// Every mistake of a declaration is reported at once.
use mlp::prelude::*;

network! {
    pub struct Net {
        Flatten[28, 28] -> Dense<300, rleu> -> Dense<0> -> Dense<10, softmax, bias_initializer = one>
    }
}

fn main() {}
