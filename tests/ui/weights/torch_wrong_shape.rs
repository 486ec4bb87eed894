// A PyTorch state dict whose Linear layers are 50 wide, for a declaration
// whose first Dense has 40 units.
use mlp::prelude::*;

network! {
    #[weights("../../../../tests/fixtures/torch-files/housing_torch_bn/model.safetensors")]
    pub struct Housing {
        Input[8] -> Dense<40> -> BatchNormalization<epsilon = 1e-5> -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

fn main() {
    let _ = Housing::WEIGHTS;
}
