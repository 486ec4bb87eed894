use mlp::prelude::*;

// Chapter 11's model has BatchNormalization layers.
network! {
    #[weights("../../../../tests/fixtures/keras-files/fashion_batchnorm/model.keras")]
    pub struct FashionElu {
        Flatten[28, 28]
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> Dense<10, softmax>
    }
}

fn main() {}
