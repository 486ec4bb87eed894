//! `LearningRateScheduler` and `ReduceLrOnPlateau`, with the cases of
//! Keras's own tests (`keras/src/callbacks/learning_rate_scheduler_test.py`,
//! `reduce_lr_on_plateau_test.py`), and `learning_rate` in the History.

use mlp::loss::MeanSquaredError;
use mlp::optim::{Adam, ExponentialDecay, Optimizer, Sgd};
use mlp::prelude::*;
use mlp::train::{Callback, CallbackContext, LearningRateScheduler, Logs, ReduceLrOnPlateau};
use mlp::{Error, Result};

network! {
    /// Keras's test model: `Sequential([Dense(5), Dense(2)])` on 3 inputs.
    struct Net { Input[3] -> Dense<5> -> Dense<2> }
}

type Data = (Vec<SVector<f32, 3>>, Vec<SVector<f32, 2>>);

/// 10 training and 10 test samples of 2 classes, one-hot, as Keras's
/// `get_test_data(train_samples=10, test_samples=10, input_shape=(3,),
/// num_classes=2)` (our own values).
fn data() -> (Data, Data) {
    let make = |offset: usize| {
        let x: Vec<_> = (0..10)
            .map(|i| {
                let i = i + offset;
                SVector::<f32, 3>::new((i % 3) as f32, (i % 5) as f32 / 2.0, (i % 7) as f32 / 3.0)
            })
            .collect();
        let y = (0..10)
            .map(|i| {
                let c = (i + offset) % 2;
                SVector::<f32, 2>::new((c == 0) as u8 as f32, (c == 1) as u8 as f32)
            })
            .collect();
        (x, y)
    };
    (make(0), make(10))
}

/// Fits `epochs` epochs with `callback` (and validation data); returns the
/// result and the optimizer's rate after it.
fn fit<O: Optimizer>(
    optimizer: O,
    epochs: usize,
    callback: impl Callback<Net>,
) -> (Result<mlp::history::History>, f32) {
    let ((x, y), (vx, vy)) = data();
    let mut model = Net::new(3);
    let mut trainer = model.compile(MeanSquaredError, optimizer, []);
    let options = Fit::epochs(epochs)
        .verbose(0)
        .validation_data(&vx, &vy)
        .callback(callback);
    let result = trainer.fit(&x, &y, options);
    let rate = trainer.optimizer().learning_rate(trainer.iterations());
    (result, rate)
}

#[test]
fn scheduler_sets_the_rate_each_epoch() {
    // test_updates_learning_rate: 1 / (2 + epoch) after one epoch is 0.5.
    let (h, rate) = fit(
        Sgd::default(),
        1,
        LearningRateScheduler::new(|epoch, _| 1.0 / (2.0 + epoch as f32)),
    );
    h.unwrap();
    assert_eq!(rate, 0.5);
    // test_schedule_dependent_on_previous_learning_rate: Adam(0.03), lr / 2, 2 epochs.
    let (h, rate) = fit(
        Adam::new(0.03),
        2,
        LearningRateScheduler::new(|_, lr| lr / 2.0),
    );
    assert_eq!(
        h.unwrap().get("learning_rate").unwrap(),
        [0.015_f32, 0.0075].map(f64::from)
    );
    assert_eq!(rate, 0.03 / 4.0);
    // test_learning_rate_in_history: a constant 0.5 is recorded.
    let (h, _) = fit(Sgd::default(), 1, LearningRateScheduler::new(|_, _| 0.5));
    let h = h.unwrap();
    assert_eq!(h.get("learning_rate").unwrap(), [0.5]);
    assert_eq!(h.names().last(), Some("learning_rate"));
}

#[test]
fn the_rate_of_a_schedule_cannot_be_set() {
    // test_throws_when_optimizer_has_schedule (Keras raises TypeError).
    let (h, _) = fit(
        Adam::new(ExponentialDecay::new(0.1, 10, 0.5)),
        2,
        LearningRateScheduler::new(|_, lr| lr / 2.0),
    );
    let err = h.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidArgument {
                name: "learning_rate",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("learning-rate schedule"), "{err}");
    let (h, _) = fit(
        Adam::new(ExponentialDecay::new(0.1, 10, 0.5)),
        2,
        ReduceLrOnPlateau::new().patience(1).min_delta(100.0),
    );
    assert!(
        h.unwrap_err()
            .to_string()
            .contains("learning-rate schedule")
    );
    // A scheduler returning NaN is refused too.
    let (h, _) = fit(
        Sgd::default(),
        1,
        LearningRateScheduler::new(|_, _| f32::NAN),
    );
    assert!(h.unwrap_err().to_string().contains("learning_rate is NaN"));
}

#[test]
fn reduce_on_plateau_as_keras_tests_it() {
    // test_reduces_lr_with_model_fit: patience 1, factor 0.1, min_delta 100, 2 epochs.
    let reduce = ReduceLrOnPlateau::new()
        .patience(1)
        .factor(0.1)
        .min_delta(100.0);
    let (h, rate) = fit(Adam::new(0.1), 2, reduce);
    assert_eq!(rate, 0.01);
    // The rate in effect during each epoch (logged before the reduction).
    assert_eq!(
        h.unwrap().get("learning_rate").unwrap(),
        [0.1_f32, 0.1].map(f64::from)
    );
    // test_honors_min_lr: min_delta 10, min_lr 0.005, 4 epochs.
    let reduce = ReduceLrOnPlateau::new()
        .patience(1)
        .min_delta(10.0)
        .min_lr(0.005);
    let (h, rate) = fit(Adam::new(0.1), 4, reduce);
    assert_eq!(rate, 0.005);
    assert_eq!(
        h.unwrap().get("learning_rate").unwrap(),
        [0.1_f32, 0.1, 0.01, 0.005].map(f64::from)
    );
    // test_cooldown: cooldown 2 reduces every other epoch: twice in 4 epochs.
    let reduce = ReduceLrOnPlateau::new()
        .patience(1)
        .min_delta(100.0)
        .cooldown(2);
    let (_, rate) = fit(Adam::new(0.1), 4, reduce);
    assert!((rate - 0.001).abs() < 1e-9, "{rate}");
}

#[test]
fn reduce_on_plateau_waits_for_patience_and_checks_its_options() {
    // A loss that keeps falling never triggers a reduction.
    let reduce = ReduceLrOnPlateau::new()
        .monitor("loss")
        .patience(2)
        .min_delta(0.0);
    let (h, rate) = fit(Sgd::new(0.01), 5, reduce);
    let losses = h.unwrap().get("loss").unwrap().to_vec();
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
    assert_eq!(rate, 0.01);
    for (reduce, want) in [
        (ReduceLrOnPlateau::new().factor(1.0), "factor is 1"),
        (ReduceLrOnPlateau::new().min_lr(-1.0), "min_lr is -1"),
        (
            ReduceLrOnPlateau::new().monitor("val_acc"),
            "monitors `val_acc`",
        ),
    ] {
        let (h, _) = fit(Sgd::default(), 1, reduce);
        let err = h.unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
    }
}

/// A callback that reads and sets the rate through the context.
struct Halve(Vec<f32>);

impl Callback<Net> for Halve {
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, Net>,
        _: usize,
        _: &Logs,
    ) -> Result<()> {
        self.0.push(ctx.learning_rate());
        let half = ctx.learning_rate() / 2.0;
        ctx.set_learning_rate(half)?;
        assert!(ctx.set_learning_rate(-1.0).is_err());
        assert!(ctx.set_learning_rate(f32::INFINITY).is_err());
        Ok(())
    }
}

#[test]
fn a_callback_reads_and_sets_the_rate() {
    let mut halve = Halve(Vec::new());
    let (h, rate) = fit(Sgd::new(0.4), 3, &mut halve);
    let h = h.unwrap();
    assert_eq!(halve.0, [0.4, 0.2, 0.1]);
    assert_eq!(rate, 0.05);
    // No callback of Keras's that logs it: no `learning_rate` in the History.
    assert!(h.get("learning_rate").is_none());
}
