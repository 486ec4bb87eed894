// PReLU's `alpha_initializer` names an initializer.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30> -> PReLU<alpha_initializer = 0.25> -> Dense<1>
    }
}

fn main() {}
