//! Day one, part 2: the weights that `train` saved, baked into a `static` at
//! compile time, as a `#![no_std]` firmware would hold them.

use mlp::datasets::fashion_mnist::{self, CLASS_NAMES};
use mlp::prelude::*;

network! {
    /// The book's model with the weights `train` wrote, compiled in.
    #[weights("weights/fashion.safetensors")]
    pub struct BakedFashion {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// In read-only memory: no file, no parsing, no heap at run time.
static MODEL: BakedFashion = BakedFashion::WEIGHTS;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut from_file = BakedFashion::new_zeroed();
    from_file.load_weights("weights/fashion.safetensors")?;
    if MODEL.params() != from_file.params() {
        return Err("the baked weights differ from the file".into());
    }
    let (_, (x_test, y_test)) = fashion_mnist::load_data()?;
    let x_test = fashion_mnist::scale(&x_test);
    let correct = x_test
        .iter()
        .zip(&y_test)
        .filter(|&(x, &y)| MODEL.predict_one(x).imax() == usize::from(y))
        .count();
    let accuracy = correct as f64 / x_test.len() as f64;
    let first = MODEL.predict_one(&x_test[0]).imax();
    println!(
        "baked static: {} bytes of weights; test accuracy {accuracy:.4} ({correct}/{}); first test image: {}",
        std::mem::size_of::<BakedFashion>(),
        x_test.len(),
        CLASS_NAMES[first]
    );
    // One epoch of SGD reaches about 0.82; a chance-level model, 0.10.
    if accuracy < 0.7 {
        return Err(format!("test accuracy {accuracy:.4} after one epoch").into());
    }
    Ok(())
}
