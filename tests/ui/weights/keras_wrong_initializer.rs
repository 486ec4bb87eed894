use mlp::prelude::*;

// The archive's kernels are Glorot-uniform.
network! {
    #[weights("../../../../tests/fixtures/keras-files/housing_sequential/model.keras")]
    pub struct Housing {
        Input[8] -> Dense<30, relu, kernel_initializer = he_normal> -> Dense<1>
    }
}

fn main() {}
