// The file holds two Dense layers; this network has three.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/weights/tiny.safetensors")]
    pub struct Deeper {
        Input[2] -> Dense<3, relu> -> Dense<1, relu> -> Dense<2>
    }
}

fn main() {}
