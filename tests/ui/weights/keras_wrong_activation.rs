use mlp::prelude::*;

// The archive's first Dense layer is relu.
network! {
    #[weights("../../../../tests/fixtures/keras-files/housing_sequential/model.keras")]
    pub struct Housing {
        Input[8] -> Dense<30, tanh> -> Dense<1>
    }
}

fn main() {}
