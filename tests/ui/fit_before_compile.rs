// `fit` called on the model, as if it were a Keras model compiled already:
// the model says to call `compile` first (it returns the trainer).
use mlp::prelude::*;

network! {
    struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> }
}

fn main() -> mlp::Result<()> {
    let x_train = vec![SVector::<f32, 8>::zeros(); 4];
    let y_train = vec![0.5_f32; 4];
    let mut model = Housing::new(42);
    model.fit(&x_train, &y_train, Fit::epochs(10))?;
    Ok(())
}
