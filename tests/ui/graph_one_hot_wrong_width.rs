// One-hot targets of 2 classes for a class head of 3: the width is part of
// the target's type, so this does not compile either.
use mlp::loss::{CategoricalCrossentropy, MeanSquaredError};
use mlp::optim::Adam;
use mlp::prelude::*;

network! {
    pub struct TwoHeads {
        x = Input[4];
        hidden = Dense<8, relu>(x);
        output price = Dense<1>(hidden);
        output class = Dense<3, softmax>(hidden);
    }
}

fn main() -> mlp::Result<()> {
    let x = vec![SVector::<f32, 4>::zeros(); 4];
    let price = vec![1.0_f32; 4];
    let one_hot = vec![SVector::<f32, 2>::zeros(); 4];
    let mut model = TwoHeads::new(1);
    let mut trainer = model.compile((MeanSquaredError, CategoricalCrossentropy), Adam::new(0.01), []);
    trainer.fit(&x, (&price, &one_hot), Fit::epochs(1))?;
    Ok(())
}
