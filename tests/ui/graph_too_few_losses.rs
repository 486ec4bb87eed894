// Three outputs, a tuple of two losses: the third output has none. The
// message is still the compiler's own ("`(..)`: Loss is not satisfied"):
// pinned here until it says "a loss per output" in our words.
use mlp::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use mlp::optim::Adam;
use mlp::prelude::*;

network! {
    pub struct ThreeHeads {
        x = Input[4];
        hidden = Dense<8, relu>(x);
        output price = Dense<1>(hidden);
        output class = Dense<3, softmax>(hidden);
        output rooms = Dense<1>(hidden);
    }
}

fn main() -> mlp::Result<()> {
    let x = vec![SVector::<f32, 4>::zeros(); 4];
    let price = vec![1.0_f32; 4];
    let class: Vec<u8> = vec![0, 1, 2, 0];
    let mut model = ThreeHeads::new(1);
    let mut trainer = model.compile((MeanSquaredError, SparseCategoricalCrossentropy), Adam::new(0.01), []);
    trainer.fit(&x, (&price, &class, &price), Fit::epochs(1))?;
    Ok(())
}
