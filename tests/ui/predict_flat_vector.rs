// Footnote 15 of chapter 10: Keras says at run time "expected flatten_input to
// have 3 dimensions, but got array with shape (60000, 784)". Here the compiler does.
use mlp::prelude::*;

network! {
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() {
    let model = FashionMlp::new(42);
    let pixels = SVector::<f32, 784>::zeros();
    let _ = model.predict_one(&pixels);
}
