// A misspelt layer kind is matched against every kind.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropuot<0.2> -> Dense<1>
    }
}

fn main() {}
