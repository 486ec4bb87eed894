//! Issue 16, must-haves 2 and 3: invalid hyperparameters of an optimizer,
//! schedule, loss or metric are an error from `fit` (and `evaluate`) before
//! any step, naming the parameter and its value; a learning-rate schedule
//! that returns a non-finite rate at run time stops `fit` with
//! `Error::Diverged` before that step touches any weight.

use mlp::Error;
use mlp::loss::{Huber, SparseCategoricalCrossentropy};
use mlp::metrics::Metric;
use mlp::optim::{Adam, ExponentialDecay, FnSchedule, Nadam, Optimizer, RmsProp, Sgd};
use mlp::prelude::*;
use mlp::train::Trainer;

network! {
    /// A small classifier.
    struct Net { Input[2] -> Dense<4, tanh> -> Dense<2, softmax> }
}

network! {
    /// A regressor, for Huber.
    struct Reg { Input[2] -> Dense<1> }
}

fn data() -> (Vec<SVector<f32, 2>>, Vec<u8>) {
    let x: Vec<_> = (0..8)
        .map(|i| SVector::<f32, 2>::new(i as f32 / 4.0 - 1.0, ((i * 3) % 8) as f32 / 8.0))
        .collect();
    let y = (0..8).map(|i| (i % 2) as u8).collect();
    (x, y)
}

/// Fits `optimizer` for one epoch; returns the error, and checks that the
/// model's weights are those it had before (nothing was applied).
fn refused<O: Optimizer>(optimizer: O) -> String {
    let (x, y) = data();
    let mut model = Net::new(42);
    let before = model.params().to_vec();
    let mut trainer = model.compile(SparseCategoricalCrossentropy, optimizer, []);
    let err = trainer
        .fit(&x, &y, Fit::epochs(1).batch_size(4).verbose(0))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
    assert_eq!(trainer.iterations(), 0);
    drop(trainer);
    assert_eq!(model.params(), &before[..], "no step may be applied");
    err.to_string()
}

#[test]
fn each_trigger_of_break_3_is_refused_before_any_step() {
    for (message, want) in [
        (refused(Sgd::new(f32::NAN)), "SGD's learning_rate is NaN"),
        (
            refused(Sgd::new(f32::INFINITY)),
            "SGD's learning_rate is inf",
        ),
        (refused(Adam::new(f32::NAN)), "Adam's learning_rate is NaN"),
        (
            refused(Adam::new(f32::INFINITY)),
            "Adam's learning_rate is inf",
        ),
        (refused(Sgd::new(-0.01)), "SGD's learning_rate is -0.01"),
        (refused(Adam::default().beta_1(1.0)), "Adam's beta_1 is 1"),
        (refused(Nadam::default().beta_1(1.0)), "Nadam's beta_1 is 1"),
        (
            refused(Sgd::new(0.1).momentum(f32::NAN)),
            "SGD's momentum is NaN",
        ),
        (
            refused(Sgd::new(ExponentialDecay::new(0.1, 0, 0.5))),
            "ExponentialDecay's decay_steps is 0",
        ),
        (
            refused(RmsProp::default().epsilon(0.0)),
            "RMSprop's epsilon is 0",
        ),
    ] {
        assert!(message.contains(want), "{message} (wanted {want})");
        assert!(message.starts_with("invalid argument `"), "{message}");
    }
}

#[test]
fn a_bad_loss_or_metric_is_refused_by_fit_and_evaluate() {
    let (x, _) = data();
    let t: Vec<f32> = x.iter().map(|v| v[0] + v[1]).collect();
    for delta in [f32::NAN, -1.0] {
        let mut model = Reg::new(1);
        let mut trainer = model.compile(Huber::new(delta), Sgd::new(0.1), []);
        // Break 2 of issue 16: this panicked inside fit (`clamp` with min > max).
        let err = trainer.fit(&x, &t, Fit::epochs(1).verbose(0)).unwrap_err();
        assert!(err.to_string().contains("Huber's delta is"), "{err}");
        let err = trainer.evaluate(&x, &t).unwrap_err();
        assert!(err.to_string().contains("Huber's delta is"), "{err}");
    }
    let (x, y) = data();
    let mut model = Net::new(1);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.1),
        [Metric::TopKCategoricalAccuracy(0)],
    );
    let err = trainer.fit(&x, &y, Fit::epochs(1).verbose(0)).unwrap_err();
    assert!(
        err.to_string().contains("TopKCategoricalAccuracy's k is 0"),
        "{err}"
    );
    let err = trainer.evaluate(&x, &y).unwrap_err();
    assert!(err.to_string().contains("k is 0"), "{err}");
}

/// Runs one epoch of 4 batches of 2 without shuffling; returns the result
/// and the weights after it.
fn run<O: Optimizer>(optimizer: O, samples: usize) -> (mlp::Result<usize>, Vec<f32>) {
    let (x, y) = data();
    let mut model = Net::new(42);
    let mut trainer: Trainer<'_, Net, _, O> =
        model.compile(SparseCategoricalCrossentropy, optimizer, []);
    let options = Fit::epochs(1).batch_size(2).shuffle(false).verbose(0);
    let result = trainer
        .fit(&x[..samples], &y[..samples], options)
        .map(|h| h.len());
    drop(trainer);
    (result, model.params().to_vec())
}

/// A schedule that turns non-finite at step 3 stops `fit` there with
/// `Diverged { quantity: "learning_rate" }`, and the model keeps the weights
/// of the 3 finite steps (those of a run of just those 3 steps).
fn schedule_turning_non_finite<O: Optimizer>(
    make: impl Fn(FnSchedule<fn(u64) -> f32>) -> O,
    bad: fn(u64) -> f32,
    good: fn(u64) -> f32,
) {
    let (result, weights) = run(make(FnSchedule(bad)), 8);
    let err = result.unwrap_err();
    let Error::Diverged {
        epoch,
        batch,
        quantity,
        ..
    } = err
    else {
        panic!("{err}");
    };
    assert_eq!((epoch, batch, quantity), (0, 3, "learning_rate"));
    assert!(weights.iter().all(|w| w.is_finite()));
    let (finite, expected) = run(make(FnSchedule(good)), 6);
    assert_eq!(finite.unwrap(), 1);
    assert_eq!(weights, expected, "the last finite weights");
}

#[test]
fn a_schedule_returning_nan_or_inf_leaves_the_last_finite_weights() {
    // Plain SGD (its step folded into the backward pass) and Adam.
    let nan: fn(u64) -> f32 = |s| if s < 3 { 0.1 } else { f32::NAN };
    let inf: fn(u64) -> f32 = |s| if s < 3 { 0.1 } else { f32::INFINITY };
    let good: fn(u64) -> f32 = |_| 0.1;
    schedule_turning_non_finite(Sgd::new, nan, good);
    schedule_turning_non_finite(Sgd::new, inf, good);
    schedule_turning_non_finite(|s| Sgd::new(s).momentum(0.9), nan, good);
    schedule_turning_non_finite(Adam::new, nan, good);
    schedule_turning_non_finite(Adam::new, inf, good);
    let message = run(Sgd::new(FnSchedule(nan)), 8).0.unwrap_err().to_string();
    assert!(
        message.contains("the learning_rate is not finite") && message.contains("not applied"),
        "{message}"
    );
}
