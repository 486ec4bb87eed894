use mlp::prelude::*;

network! {
    #[weights("weights/does-not-exist.safetensors")]
    pub struct Net {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

fn main() {}
