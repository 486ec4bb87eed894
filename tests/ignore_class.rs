//! `SparseCategoricalCrossentropy::ignore_class` in `fit` and `evaluate`,
//! against Keras 3.15.1: ignored samples weigh 0 and the batch's loss is
//! divided by the number of samples kept (Keras's mask under
//! `sum_over_batch_size`).

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Evaluate;

network! {
    /// Outputs its inputs once its kernel is the identity (linear, no bias).
    struct Pass { Input[3] -> Dense<3> }
}

/// A network whose outputs are its inputs.
fn identity() -> Box<Pass> {
    let mut model = Pass::new(0);
    model.params_mut().fill(0.0);
    for i in 0..3 {
        model.params_mut()[i * 3 + i] = 1.0;
    }
    model
}

#[test]
fn evaluate_matches_keras() {
    let rows = [
        [0.1_f32, 0.7, 0.2],
        [0.05, 0.15, 0.8],
        [0.6, 0.3, 0.1],
        [0.3, 0.3, 0.4],
    ];
    let x: Vec<SVector<f32, 3>> = rows.iter().map(|r| SVector::from(*r)).collect();
    let y: [i64; 4] = [-1, 2, 0, -1];
    let mut model = identity();
    let loss = SparseCategoricalCrossentropy.ignore_class(-1);
    let mut trainer = model.compile(loss, Sgd::new(0.1), []);
    let out = trainer.predict(&x).unwrap();
    assert_eq!(out[2].as_slice(), rows[2], "the network passes its inputs");
    // keras.losses.SparseCategoricalCrossentropy(ignore_class=-1)(y, rows)
    let logs = trainer
        .evaluate_with(&x, &y, Evaluate::new().batch_size(4).verbose(0))
        .unwrap();
    assert!((logs["loss"] - 0.366_984_546_2).abs() < 1e-6, "{logs}");
    // ... with sample_weight=[1, 2, 0.5, 3]: still divided by the 2 kept.
    let w = [1.0, 2.0, 0.5, 3.0];
    let logs = trainer
        .evaluate_with(
            &x,
            &y,
            Evaluate::new().batch_size(4).verbose(0).sample_weight(&w),
        )
        .unwrap();
    assert!((logs["loss"] - 0.350_849_926_5).abs() < 1e-6, "{logs}");
    // Every sample ignored: 0 (Keras's divide_no_nan).
    let logs = trainer
        .evaluate_with(&x[..1], &y[..1], Evaluate::new().verbose(0))
        .unwrap();
    assert_eq!(logs["loss"], 0.0);
    // Without ignore_class, -1 is an out-of-range label, refused up front.
    drop(trainer);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.1), []);
    let err = trainer.evaluate(&x, &y).unwrap_err();
    assert!(err.to_string().contains("y[0] is class -1"), "{err}");
}

#[test]
fn fit_steps_as_if_the_ignored_samples_were_absent() {
    let x = [
        SVector::<f32, 3>::new(0.2, 0.5, 0.3),
        SVector::<f32, 3>::new(0.6, 0.1, 0.3),
        SVector::<f32, 3>::new(0.1, 0.1, 0.8),
        SVector::<f32, 3>::new(0.3, 0.4, 0.3),
    ];
    let loss = SparseCategoricalCrossentropy.ignore_class(255);
    let options = || Fit::epochs(1).batch_size(4).shuffle(false).verbose(0);
    // One batch of 4 with 2 ignored ...
    let mut with = identity();
    let mut trainer = with.compile(loss, Sgd::new(0.1), []);
    let h = trainer.fit(&x, &[255_u8, 1, 255, 2], options()).unwrap();
    let with_loss = h.get("loss").unwrap()[0];
    drop(trainer);
    // ... steps as one batch of the 2 kept.
    let mut without = identity();
    let mut trainer = without.compile(SparseCategoricalCrossentropy, Sgd::new(0.1), []);
    let h = trainer.fit(&[x[1], x[3]], &[1_u8, 2], options()).unwrap();
    let without_loss = h.get("loss").unwrap()[0];
    drop(trainer);
    assert!(
        (with_loss - without_loss).abs() < 1e-6,
        "{with_loss} {without_loss}"
    );
    for (a, b) in with.params().iter().zip(without.params()) {
        assert!(
            (a - b).abs() < 1e-7,
            "{:?} vs {:?}",
            with.params(),
            without.params()
        );
    }
    assert_ne!(with.params(), identity().params(), "a step was taken");
}
