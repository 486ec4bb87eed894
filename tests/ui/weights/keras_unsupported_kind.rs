use mlp::prelude::*;

// The archive's model has a LayerNormalization layer.
network! {
    #[weights("../../../../tests/fixtures/keras-variants/layer_normalization.keras")]
    pub struct Small {
        Input[4] -> Dense<3, relu> -> BatchNormalization -> Dense<1>
    }
}

fn main() {}
