use mlp::prelude::*;

// `calibrate` calibrates the integer-only network: without `quantize` it
// has nothing to calibrate.
network! {
    #[weights(
        "../../../../tests/fixtures/weights/tiny.safetensors",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration.safetensors"
    )]
    pub struct WithoutQuantize {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

network! {
    #[weights(
        "../../../../tests/fixtures/weights/tiny.safetensors",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration.safetensors",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration.safetensors"
    )]
    pub struct GivenTwice {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

// The sample is one tensor of shape (samples, inputs).
network! {
    #[weights(
        "../../../../tests/fixtures/weights/tiny.safetensors",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/tiny.safetensors"
    )]
    pub struct SeveralTensors {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

network! {
    #[weights(
        "../../../../tests/fixtures/weights/tiny.safetensors",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration-wrong.safetensors"
    )]
    pub struct WrongWidth {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

network! {
    #[weights(
        "../../../../tests/fixtures/weights/tiny.safetensors",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/missing-calibration.safetensors"
    )]
    pub struct MissingSample {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

fn main() {}
