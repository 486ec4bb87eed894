// Square brackets declare an input shape; other arguments go in angle brackets.
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Dense<30, relu> -> Dropout[0.2] -> Dense<1>
    }
}

fn main() {}
