//! Day one, part 1: declare the book's model, train it for one epoch on
//! Fashion-MNIST found through `$MLP_DATA_DIR`, save the weights and reload
//! them.

use mlp::datasets::fashion_mnist;
use mlp::prelude::*;

network! {
    /// The book's Fashion-MNIST classifier (chapter 10).
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = "weights/fashion.safetensors";
    let ((x_train_full, y_train_full), (x_test, y_test)) = fashion_mnist::load_data()?;
    let (x_valid, x_train) = (
        fashion_mnist::scale(&x_train_full[..5000]),
        fashion_mnist::scale(&x_train_full[5000..]),
    );
    let (y_valid, y_train) = (&y_train_full[..5000], &y_train_full[5000..]);
    let x_test = fashion_mnist::scale(&x_test);

    let mut model = FashionMlp::new(42);
    println!("{}", model.summary());
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.01),
        [Metric::Accuracy],
    );
    let options = Fit::epochs(1)
        .verbose(2)
        .seed(42)
        .validation_data(&x_valid, y_valid);
    trainer.fit(&x_train, y_train, options)?;
    let results = trainer.evaluate(&x_test, &y_test)?;
    println!("test: {results}");
    let probabilities = trainer.predict(&x_test[..1])?;

    std::fs::create_dir_all("weights")?;
    model.save_weights(path)?;
    let mut reloaded = FashionMlp::new_zeroed();
    reloaded.load_weights(path)?;
    if reloaded.params() != model.params() {
        return Err(format!("{path}: the reloaded weights differ from the saved ones").into());
    }
    let again = reloaded.predict_one(&x_test[0]);
    if (again - probabilities[0]).abs().max() > 1e-5 {
        return Err(format!(
            "the reloaded model predicts {again}, not {}",
            probabilities[0]
        )
        .into());
    }
    println!(
        "saved {path} ({} bytes) and reloaded it: {} parameters, identical",
        std::fs::metadata(path)?.len(),
        FashionMlp::PARAMS
    );
    Ok(())
}
