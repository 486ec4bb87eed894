//! What this example teaches: how a network declared with `network!` describes
//! itself, as Keras's `model.summary()`, `model.layers` and
//! `model.get_layer(...).get_weights()` do in chapter 10 of Géron's book, and
//! that all of it is known before the program runs (the consts are computed by
//! the compiler, the kernel's shape is part of its type).
//!
//! Run it with `cargo run --example summary`.

use mlp::datasets::fashion_mnist::CLASS_NAMES;
use mlp::prelude::*;

network! {
    /// The Fashion-MNIST classifier of chapter 10: 28x28 images in, 10 class
    /// probabilities out.
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

// Compile-time facts: this line fails to compile if the model outgrows 2 MiB.
const _: () = assert!(FashionMlp::WEIGHT_BYTES <= 2 * 1024 * 1024);

fn main() -> Result<(), mlp::Error> {
    // Built directly on the heap and initialised as Keras does (Glorot-uniform
    // kernels, zero biases) from a seed: the same seed gives the same model.
    let model = FashionMlp::new(42);

    // model.summary()
    println!("{}", model.summary());

    // model.layers
    println!("model.layers:");
    println!(
        "  {:<8} {:<8} {:>7} {:>8} {:>8}",
        "name", "type", "output", "params", "offset"
    );
    for layer in model.layers() {
        println!(
            "  {:<8} {:<8} {:>7} {:>8} {:>8}",
            layer.name,
            layer.type_name(),
            layer.output_size(),
            layer.params(),
            layer.offset
        );
    }
    println!(
        "  {} parameters, {} bytes, input {:?}, output {}",
        FashionMlp::PARAMS,
        FashionMlp::WEIGHT_BYTES,
        FashionMlp::INPUT_SHAPE,
        FashionMlp::OUTPUT_SIZE
    );

    // hidden1 = model.get_layer("dense"); weights, biases = hidden1.get_weights()
    let hidden1 = model.get_layer("dense")?;
    let weights = hidden1.get_weights();
    println!();
    println!("hidden1 = model.get_layer(\"dense\"); hidden1.get_weights():");
    for array in &weights {
        let dims: Vec<String> = array.shape.iter().map(usize::to_string).collect();
        let tuple = if dims.len() == 1 {
            format!("({},)", dims[0])
        } else {
            format!("({})", dims.join(", "))
        };
        println!("  {}: shape {tuple}", array.name);
    }
    // The same kernel, typed: its shape is in its type, `SMatrix<f32, 784, 300>`.
    let kernel = model.dense.kernel();
    println!(
        "  typed: model.dense.kernel() is {} x {}",
        kernel.nrows(),
        kernel.ncols()
    );

    // The prediction for one blank image. The input is all zeros and a fresh
    // model's biases are zeros, so every layer outputs zeros and softmax turns
    // ten equal logits into ten equal probabilities: 0.1 each. (Training, in
    // the `fashion_mnist` example, is what makes the classes differ.)
    let blank = SMatrix::<f32, 28, 28>::zeros();
    let probabilities = model.predict_one(&blank);
    println!();
    println!("model.predict_one(&blank) for a blank 28x28 image (untrained model):");
    for (name, p) in CLASS_NAMES.iter().zip(probabilities.iter()) {
        println!("  {name:<12} {p:.3}");
    }
    println!("  sum {:.3}", probabilities.sum());
    Ok(())
}
