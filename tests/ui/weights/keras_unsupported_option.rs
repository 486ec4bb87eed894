use mlp::prelude::*;

// The archive's BatchNormalization has no beta (center=False).
network! {
    #[weights("../../../../tests/fixtures/keras-variants/bn_no_center.keras")]
    pub struct Small {
        Input[4] -> Dense<3, relu> -> BatchNormalization -> Dense<1>
    }
}

// The archive's PReLU shares one slope along the features.
network! {
    #[weights("../../../../tests/fixtures/keras-variants/prelu_shared_axes.keras")]
    pub struct SmallPrelu {
        Input[4] -> Dense<3> -> PReLU -> Dense<1>
    }
}

fn main() {}
