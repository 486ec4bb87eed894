// Class indices given to `fit` with mean_squared_error, which takes one value
// per output: the loss types the targets, so this does not compile.
use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> }
}

fn main() -> mlp::Result<()> {
    let x_train = vec![SVector::<f32, 8>::zeros(); 4];
    let y_labels: Vec<u8> = vec![0, 1, 1, 0];
    let mut model = Housing::new(42);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    trainer.fit(&x_train, &y_labels, Fit::epochs(1))?;
    Ok(())
}
