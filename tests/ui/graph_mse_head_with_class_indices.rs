// A loss per output: the price head's loss is mean_squared_error, so its
// targets are values; class indices given to it do not compile (the class
// head, with sparse_categorical_crossentropy, takes them).
use mlp::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
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
    let labels: Vec<u8> = vec![0, 1, 2, 0];
    let mut model = TwoHeads::new(1);
    let mut trainer = model.compile(
        (MeanSquaredError, SparseCategoricalCrossentropy),
        Adam::new(0.01),
        [],
    );
    trainer.fit(&x, (&labels, &labels), Fit::epochs(1))?;
    Ok(())
}
