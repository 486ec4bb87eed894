//! A step whose gradients are finite but whose update would make a weight
//! or the optimizer's state NaN or infinite (a huge learning rate, a huge
//! gradient) is rolled back: `fit` returns `Error::Diverged` (quantity
//! `update`) and the model and the optimizer keep the values of their last
//! finite step. One test per trigger: SGD with momentum, plain SGD too
//! large to fold, Adam's step, Adam's second moment overflowing while the
//! weights stay finite, a global-norm update (one piece, not in chunks), and
//! a folded SGD step whose later layers would overflow.

use mlp::Error;
use mlp::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use mlp::optim::{Adam, Clipping, Optimizer, Sgd};
use mlp::prelude::*;
use mlp::train::{Callback, CallbackContext, Fit, Logs};

network! {
    struct Regressor { Input[3] -> Dense<16, relu> -> Dense<8, tanh> -> Dense<1> }
}

network! {
    struct Classifier { Input[2] -> Dense<3, softmax> }
}

network! {
    struct Wide { Input[1] -> Dense<4, relu> -> Dense<1> }
}

/// Records the parameters and the optimizer's state at the start and the
/// end of every batch, and sets the learning rate to `rate` from batch
/// `at` of the first epoch on.
struct Probe {
    at: usize,
    rate: Option<f32>,
    begin: (Vec<f32>, Vec<f32>),
    end: (Vec<f32>, Vec<f32>),
}

impl Probe {
    fn new(at: usize, rate: Option<f32>) -> Self {
        Self {
            at,
            rate,
            begin: Default::default(),
            end: Default::default(),
        }
    }
}

impl<N: Network> Callback<N> for Probe {
    fn on_batch_begin(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        batch: usize,
    ) -> mlp::Result<()> {
        if let Some(rate) = self.rate
            && batch == self.at
        {
            ctx.set_learning_rate(rate)?;
        }
        self.begin = (
            ctx.model().params().to_vec(),
            ctx.optimizer_state().to_vec(),
        );
        Ok(())
    }

    fn on_batch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        _batch: usize,
        _logs: &Logs,
    ) -> mlp::Result<()> {
        self.end = (
            ctx.model().params().to_vec(),
            ctx.optimizer_state().to_vec(),
        );
        Ok(())
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Checks that `err` is the rolled-back update of batch `batch` of the
/// first epoch, and that neither the weights nor the state moved.
fn assert_rolled_back<N: Network>(err: Error, batch: usize, probe: &Probe, model: &N) {
    let Error::Diverged {
        epoch,
        batch: at,
        quantity,
        value,
        ..
    } = err
    else {
        panic!("not a divergence: {err}");
    };
    assert_eq!((epoch, at, quantity), (0, batch, "update"), "{err}");
    assert!(value.is_finite(), "the loss was finite: {value}");
    assert!(
        err.to_string().contains("the update is not finite"),
        "{err}"
    );
    let (params, state) = &probe.begin;
    assert_eq!(bits(&probe.end.0), bits(params), "weights changed");
    assert_eq!(bits(&probe.end.1), bits(state), "optimizer state changed");
    assert_eq!(bits(model.params()), bits(params), "weights changed");
    assert!(model.params().iter().all(|p| p.is_finite()));
    assert!(state.iter().all(|s| s.is_finite()));
    if batch > 0 && !state.is_empty() {
        assert!(state.iter().any(|s| *s != 0.0), "the state is not trivial");
    }
}

fn regression() -> (Vec<SVector<f32, 3>>, Vec<SVector<f32, 1>>) {
    let x: Vec<SVector<f32, 3>> = (0..64)
        .map(|i| SVector::<f32, 3>::new((i % 8) as f32 / 8.0, (i / 8) as f32 / 8.0, 0.5))
        .collect();
    let y = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(1000.0 * (v[0] - v[1])))
        .collect();
    (x, y)
}

/// Trains the regressor with `optimizer`, its rate set to `rate` at batch 3.
fn regress<O: Optimizer>(optimizer: O, rate: f32) {
    let (x, y) = regression();
    let mut model = Regressor::new(4);
    let mut probe = Probe::new(3, Some(rate));
    let mut trainer = model.compile(MeanSquaredError, optimizer, []);
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1).batch_size(8).verbose(0).callback(&mut probe),
        )
        .unwrap_err();
    assert_eq!(
        trainer.iterations(),
        3,
        "three steps taken, the fourth refused"
    );
    drop(trainer);
    assert_rolled_back(err, 3, &probe, &*model);
}

#[test]
fn sgd_momentum_with_a_huge_rate_is_rolled_back() {
    regress(Sgd::new(0.001).momentum(0.9), 1e38);
}

#[test]
fn sgd_nesterov_with_a_huge_rate_is_rolled_back() {
    regress(Sgd::new(0.001).momentum(0.9).nesterov(true), 1e38);
}

#[test]
fn plain_sgd_too_large_to_fold_is_rolled_back() {
    regress(Sgd::new(0.001), 1e38);
}

#[test]
fn adam_with_a_huge_rate_is_rolled_back() {
    regress(Adam::new(0.001), f32::MAX);
}

#[test]
fn a_global_norm_update_is_rolled_back_whole() {
    let clipped = Sgd::new(0.001).momentum(0.9).clipping(Clipping {
        global_clipnorm: Some(1e30),
        clipvalue: None,
    });
    assert!(!clipped.elementwise(), "one update over every parameter");
    regress(clipped, 1e38);
}

#[test]
fn adam_whose_second_moment_would_overflow_is_rolled_back() {
    // Inputs of 1e20: the cross-entropy (about 1e19) and the gradients
    // (up to 1e20) are finite, but a gradient squared is not, so Adam's `v`
    // would become infinite (its weights would stay finite, frozen).
    let x: Vec<SVector<f32, 2>> = (0..16)
        .map(|i| SVector::<f32, 2>::new((i % 4) as f32 * 1e20, (i / 4) as f32 * -1e20))
        .collect();
    let y: Vec<u8> = (0..16).map(|i| (i % 3) as u8).collect();
    let mut model = Classifier::new(2);
    let mut probe = Probe::new(0, None);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Adam::new(0.001), []);
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1)
                .batch_size(8)
                .shuffle(false)
                .verbose(0)
                .callback(&mut probe),
        )
        .unwrap_err();
    assert_eq!(trainer.iterations(), 0);
    drop(trainer);
    assert_rolled_back(err, 0, &probe, &*model);
}

#[test]
fn a_folded_step_whose_later_layers_would_overflow_is_not_folded_and_rolled_back() {
    // Large first-layer weights make large activations, so the second
    // layer's gradient (about 1e21) is large while the first layer's
    // (about 1e-4) is small: the first layer's bound alone would fold a
    // step of rate 1e20 that overflows the second layer's kernel.
    let mut model = Wide::new(0);
    let mut weights = model.get_weights();
    for (array, value) in weights.iter_mut().zip([1e15, 0.0, 1e-10, 0.0]) {
        array.data.fill(value);
    }
    model.set_weights(&weights).unwrap();
    let x: Vec<SVector<f32, 1>> = (0..8)
        .map(|i| SVector::<f32, 1>::new(1.0 + i as f32 / 8.0))
        .collect();
    let y: Vec<SVector<f32, 1>> = vec![SVector::<f32, 1>::new(0.0); 8];
    let mut probe = Probe::new(0, None);
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(1e20), []);
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1).batch_size(8).verbose(0).callback(&mut probe),
        )
        .unwrap_err();
    drop(trainer);
    assert_rolled_back(err, 0, &probe, &*model);
}
