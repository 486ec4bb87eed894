use mlp::prelude::*;

// Chapter 11's archive has Keras's default momentum, 0.99.
network! {
    #[weights("../../../../tests/fixtures/keras-files/fashion_batchnorm/model.keras")]
    pub struct FashionBatchNorm {
        Flatten[28, 28]
            -> BatchNormalization<momentum = 0.9>
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<10, softmax>
    }
}

// The archive's ReLU is capped at 1.5.
network! {
    #[weights("../../../../tests/fixtures/keras-files/layer_kinds/model.keras")]
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
            -> ReLU<negative_slope = 0.1, threshold = 0.2>
            -> BatchNormalization
            -> Dense<3, softmax>
    }
}

fn main() {}
