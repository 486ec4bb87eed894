//! XOR with Keras's workflow: compile, fit with a validation set and early
//! stopping, evaluate, predict.
//!
//! ```text
//! cargo run --release --example xor
//! ```

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::EarlyStopping;

network! {
    /// Two inputs, a small tanh layer, two classes.
    pub struct Xor { Input[2] -> Dense<8, tanh> -> Dense<2, softmax> }
}

fn main() -> mlp::Result<()> {
    // The four corners, repeated with a little jitter so that an epoch has
    // several batches.
    let corners = [
        ([0.0, 0.0], 0_u8),
        ([0.0, 1.0], 1),
        ([1.0, 0.0], 1),
        ([1.0, 1.0], 0),
    ];
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..256 {
        let ([a, b], label) = corners[i % 4];
        let jitter = (i / 4) as f32 / 64.0 * 0.2 - 0.1;
        x.push(SVector::<f32, 2>::new(a + jitter, b - jitter));
        y.push(label);
    }
    let corners_x = corners.map(|([a, b], _)| SVector::<f32, 2>::new(a, b));
    let corners_y = corners.map(|(_, label)| label);

    let mut model = Xor::new(42);
    println!("{}", model.summary());
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.1),
        [Metric::Accuracy],
    );
    let history = trainer.fit(
        &x,
        &y,
        Fit::epochs(100)
            .validation_data(&corners_x, &corners_y)
            .callback(EarlyStopping::new().patience(3).min_delta(1e-4)),
    )?;
    println!("{}", history.to_json()?);

    let results = trainer.evaluate(&corners_x, &corners_y)?;
    println!("{results}");
    println!(
        "probabilities: {:?}",
        trainer
            .predict(&corners_x)?
            .iter()
            .map(|p| [p[0], p[1]])
            .collect::<Vec<_>>()
    );
    println!("classes: {:?}", trainer.predict_classes(&corners_x)?);
    Ok(())
}
