// A kernel is inputs x units (784 x 300), as in Keras; the transposed one does not fit.
use mlp::prelude::*;

network! {
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() {
    let mut model = FashionMlp::new(42);
    let kernel = SMatrix::<f32, 300, 784>::zeros();
    let bias = SVector::<f32, 300>::zeros();
    model.dense.set_weights(&kernel, &bias);
}
