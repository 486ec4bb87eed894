// A number given positionally and by name.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropout<0.2, rate = 0.3> -> Dense<1>
    }
}

fn main() {}
