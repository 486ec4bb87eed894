// The batch path is typed by the network's input too.
use mlp::prelude::*;

network! {
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() {
    let model = FashionMlp::new(42);
    let images = vec![SVector::<f32, 784>::zeros(); 4];
    let _ = model.predict(&images);
}
