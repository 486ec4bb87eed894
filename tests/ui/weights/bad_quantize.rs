use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/weights/tiny.safetensors", quantise = "int8")]
    pub struct UnknownOption {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

network! {
    #[weights("../../../../tests/fixtures/weights/tiny.safetensors", quantize = "int4")]
    pub struct UnsupportedScheme {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

fn main() {}
