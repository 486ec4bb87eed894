use mlp::prelude::*;

// A BatchNormalization between a non-linear Dense and an activation layer
// cannot fold: it has no integer form (the PReLU after the second Dense
// has one, a PReluQ).
network! {
    #[weights(
        "../../../../tests/fixtures/keras-files/layer_kinds/model.keras",
        quantize = "int8",
        calibrate = "../../../../tests/fixtures/weights/tiny-calibration.safetensors"
    )]
    pub struct LayerKinds {
        Input[12]
            -> Dense<16, relu, kernel_regularizer = l2(0.01)>
            -> BatchNormalization<momentum = 0.9, epsilon = 0.01>
            -> LeakyReLU<0.2>
            -> Dropout<0.3>
            -> Dense<10, kernel_initializer = he_normal>
            -> PReLU
            -> ELU<0.7>
            -> Dense<8>
            -> ReLU<max_value = 1.5, negative_slope = 0.1, threshold = 0.2>
            -> BatchNormalization
            -> Dense<3, softmax>
    }
}

fn main() {}
