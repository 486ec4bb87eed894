// Raw Fashion-MNIST pixels are bytes; the model takes f32 images.
use mlp::prelude::*;

network! {
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() {
    let model = FashionMlp::new(42);
    let image = SMatrix::<u8, 28, 28>::zeros();
    let _ = model.predict_one(&image);
}
