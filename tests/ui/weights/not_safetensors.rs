// A Markdown file is not a safetensors file.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/weights/README.md")]
    pub struct Net {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

fn main() {}
