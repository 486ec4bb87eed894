// The file holds two Dense layers; this network has one.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/weights/tiny.safetensors")]
    pub struct Shallow {
        Input[2] -> Dense<3, relu>
    }
}

fn main() {}
