use mlp::prelude::*;

// The archive's model has 300 then 100 units.
network! {
    #[weights("../../../../tests/fixtures/keras-files/fashion_sequential/model.keras")]
    pub struct Fashion {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<200, relu> -> Dense<10, softmax>
    }
}

fn main() {}
