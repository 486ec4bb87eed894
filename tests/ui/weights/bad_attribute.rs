use mlp::prelude::*;

network! {
    #[weights(tiny)]
    pub struct Unquoted {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

network! {
    #[weights("../../../../tests/fixtures/weights/tiny.safetensors")]
    #[weights("../../../../tests/fixtures/weights/tiny.safetensors")]
    pub struct Twice {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

fn main() {}
