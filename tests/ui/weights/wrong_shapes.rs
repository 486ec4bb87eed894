// The file holds `Input[2] -> Dense<3, relu> -> Dense<1>`; this network is wider.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/weights/tiny.safetensors")]
    pub struct Wide {
        Input[2] -> Dense<4, relu> -> Dense<1>
    }
}

fn main() {
    let _ = Wide::WEIGHTS;
}
