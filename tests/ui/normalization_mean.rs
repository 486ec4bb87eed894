// Keras's `Normalization(mean=..., variance=...)`: here the statistics are
// weights, set by `adapt_normalization` (or read from a file).
use mlp::prelude::*;

network! {
    pub struct Net {
        Input[8] -> Normalization<mean = 0.5> -> Dense<1>
    }
}

fn main() {}
