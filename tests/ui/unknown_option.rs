use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu, kernel_init = he_normal> -> Dense<1>
    }
}

fn main() {}
