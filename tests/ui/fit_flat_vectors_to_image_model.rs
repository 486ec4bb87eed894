// Fashion-MNIST read as 784-value rows, given to a model that takes 28x28
// images: the message says how to build the images from the rows.
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() -> mlp::Result<()> {
    let x_train = vec![SVector::<f32, 784>::zeros(); 4];
    let y_train: Vec<u8> = vec![0, 1, 2, 3];
    let mut model = FashionMlp::new(42);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.01), []);
    trainer.fit(&x_train, &y_train, Fit::epochs(1))?;
    Ok(())
}
