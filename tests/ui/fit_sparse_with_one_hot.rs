// One-hot labels given to `fit` with sparse_categorical_crossentropy, which
// takes class indices: the loss types the targets, so this does not compile.
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() -> mlp::Result<()> {
    let x_train = vec![SMatrix::<f32, 28, 28>::zeros(); 4];
    let y_one_hot: Vec<SVector<f32, 10>> = vec![SVector::<f32, 10>::zeros(); 4];
    let mut model = FashionMlp::new(42);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.01), [Metric::Accuracy]);
    trainer.fit(&x_train, &y_one_hot, Fit::epochs(1))?;
    Ok(())
}
