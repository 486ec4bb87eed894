//! Training on the device: one step of SGD (with momentum) on one sample or
//! a small fixed batch, with no heap and no `std`. Two trainers:
//!
//! - [`DeviceTrainer`] trains every layer of a network held in RAM. The
//!   gradients and the optimizer's velocity are two more copies of the
//!   network struct itself (typed and sized at compile time), and the
//!   activations of one sample live in a scratch array whose length
//!   [`scratch_len`] gives as a `const`. For the book's Fashion-MNIST model
//!   that is 3.2 MB of RAM with the model's copy.
//! - [`LastLayers`] fine-tunes only the last `K` Dense layers of a network
//!   that can stay in flash (a baked `static`): the trainable layers' weights,
//!   gradients and velocity are arrays inside it, the frozen layers only run
//!   forward, and [`LastLayers::RAM_BYTES`] says at compile time how much RAM
//!   it takes (17 kB for the book's model's last layer).
//!
//! Two losses: the mean squared error (Keras's `"mse"`, `step`), which is
//! what calibration on a device usually needs, and the sparse categorical
//! cross-entropy of a classifier on class indices (`step_sparse`, Keras's
//! `"sparse_categorical_crossentropy"`, fused with a softmax output). The
//! update is Keras's SGD, applied by [`crate::optim::SgdMomentumStep`] (or
//! [`crate::optim::SgdStep`] without momentum), the same code as
//! [`crate::optim::Sgd`]'s.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::on_device::{DeviceTrainer, DeviceSgd, scratch_len};
//!
//! network! { pub struct Net { Input[2] -> Dense<8, tanh> -> Dense<1> } }
//! type Trainer = DeviceTrainer<Net, { scratch_len::<Net>() }>;
//!
//! let mut model = Net::zeroed();
//! model.initialize(1);
//! let mut trainer = Trainer::new(DeviceSgd { learning_rate: 0.05, momentum: 0.9 });
//! let x = [SVector::<f32, 2>::new(0.5, -1.0), SVector::<f32, 2>::new(1.0, 0.25)];
//! let y = [SVector::<f32, 1>::new(0.3), SVector::<f32, 1>::new(-0.2)];
//! let first = trainer.step(&mut model, &x, &y);
//! for _ in 0..50 {
//!     trainer.step(&mut model, &x, &y);
//! }
//! assert!(trainer.loss(&model, &x, &y) < first / 10.0);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use crate::activation::ActivationKind;
use crate::layer::LayerKind;
use crate::loss::{Loss, SparseCategoricalCrossentropy, TargetRef};
use crate::network::Network;
use crate::optim::{SgdMomentumStep, SgdStep};
use crate::sample::Sample;

mod last_layers;
pub use last_layers::{LastLayers, last_layers_params, last_layers_scratch_len};

/// Length of the scratch array that [`DeviceTrainer`] needs for network `N`:
/// the input, the pre-activations and activations of every Dense layer, the
/// target, and two gradient buffers as wide as the widest layer.
pub const fn scratch_len<N: Network>() -> usize {
    span_len::<N>(0)
}

/// Whether on-device training knows every layer of `N` (Flatten and Dense).
const fn known_layers<N: Network>() -> bool {
    let mut i = 0;
    while i < N::LAYERS.len() {
        if !matches!(
            N::LAYERS[i].kind,
            LayerKind::Flatten { .. } | LayerKind::Dense { .. }
        ) {
            return false;
        }
        i += 1;
    }
    true
}

// A "span" is the layers `N::LAYERS[first..]` trained together: all of them
// for `DeviceTrainer` (`first = 0`), the last K Dense layers for
// `LastLayers`. Its scratch holds its input, then `z` and `a` of each of its
// Dense layers one after another (so a layer's input is always the values
// just before its `z`), then the target, then two delta buffers.

/// Values one sample has on entering the span.
const fn span_input<N: Network>(first: usize) -> usize {
    if first == 0 || first >= N::LAYERS.len() {
        N::INPUT_SIZE
    } else {
        N::LAYERS[first].input_size()
    }
}

/// Where the span's parameters start in the network's flat parameters.
const fn span_base<N: Network>(first: usize) -> usize {
    let mut i = first;
    while i < N::LAYERS.len() {
        if N::LAYERS[i].dense().is_some() {
            return N::LAYERS[i].offset;
        }
        i += 1;
    }
    N::PARAMS
}

/// The span's input, then `z` and `a` of each of its Dense layers.
const fn span_acts_len<N: Network>(first: usize) -> usize {
    let (mut sum, mut i) = (0, first);
    while i < N::LAYERS.len() {
        if let Some((_, units, _)) = N::LAYERS[i].dense() {
            sum += units;
        }
        i += 1;
    }
    span_input::<N>(first) + 2 * sum
}

/// The span's whole scratch: activations, target, two delta buffers as wide
/// as its widest layer.
const fn span_len<N: Network>(first: usize) -> usize {
    let (mut widest, mut i) = (0, first);
    while i < N::LAYERS.len() {
        if let Some((_, units, _)) = N::LAYERS[i].dense()
            && units > widest
        {
            widest = units;
        }
        i += 1;
    }
    span_acts_len::<N>(first) + N::OUTPUT_SIZE + 2 * widest
}

/// Keras's SGD: `v = momentum * v - learning_rate * g; w += v`
/// (`momentum = 0` is plain gradient descent, `w -= learning_rate * g`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeviceSgd {
    /// Step size.
    pub learning_rate: f32,
    /// Fraction of the previous update carried over, in `[0, 1)`.
    pub momentum: f32,
}

impl DeviceSgd {
    /// The update of weights `w` with velocities `v` from gradients `g`, as
    /// [`crate::optim::Sgd::step`] does it (no clipping, no weight decay, no
    /// Nesterov): [`SgdStep`] without momentum, [`SgdMomentumStep`] with it.
    fn apply(self, w: &mut [f32], v: &mut [f32], g: &[f32]) {
        if self.momentum == 0.0 {
            SgdStep {
                rate: self.learning_rate,
            }
            .apply(w, g);
        } else {
            SgdMomentumStep {
                rate: self.learning_rate,
                momentum: self.momentum,
                nesterov: false,
            }
            .apply(w, v, g);
        }
    }
}

/// Gradients, optimizer velocity and scratch for training network `N` on
/// the device; `SCRATCH` must be at least [`scratch_len::<N>()`](scratch_len)
/// (checked at compile time), so write
/// `DeviceTrainer<Net, { scratch_len::<Net>() }>`.
///
/// It holds two copies of `N`'s parameters and the scratch by value; `new`
/// is a `const fn`, so it can live in a `static` (behind a lock) when the
/// network is large for the stack. To train only the last layer(s) of a
/// large network, use [`LastLayers`].
pub struct DeviceTrainer<N: Network, const SCRATCH: usize> {
    /// The optimizer's settings; may change between steps.
    pub sgd: DeviceSgd,
    grads: N,
    velocity: N,
    scratch: [f32; SCRATCH],
}

impl<N: Network, const SCRATCH: usize> DeviceTrainer<N, SCRATCH> {
    /// Bytes of RAM the trainer takes (gradients, velocity, scratch and
    /// settings), not counting the RAM copy of the model it trains
    /// (`N::WEIGHT_BYTES` more).
    pub const RAM_BYTES: usize = core::mem::size_of::<Self>();

    /// A trainer with zero velocity. A `const fn`, so that a trainer can be a
    /// `static` (in RAM) on a target whose stack is too small for it.
    pub const fn new(sgd: DeviceSgd) -> Self {
        const {
            assert!(
                SCRATCH >= scratch_len::<N>(),
                "SCRATCH must be at least scratch_len::<N>()"
            );
            assert!(
                known_layers::<N>(),
                "on-device training knows Flatten and Dense layers only"
            );
        };
        Self {
            sgd,
            // SAFETY: all-zero bytes are a valid `N` (the `Network` contract).
            grads: unsafe { core::mem::zeroed() },
            velocity: unsafe { core::mem::zeroed() },
            scratch: [0.0; SCRATCH],
        }
    }

    /// Forgets the velocity (momentum) of earlier steps.
    pub fn reset(&mut self) {
        self.velocity.params_mut().fill(0.0);
    }

    /// One SGD step on a batch of `B` samples: gradients of the mean squared
    /// error averaged over the batch, then the update. Returns the batch's
    /// loss before the update.
    pub fn step<const B: usize>(
        &mut self,
        model: &mut N,
        x: &[N::Input; B],
        y: &[N::Output; B],
    ) -> f32 {
        self.train(model, x, |i| Target::Values(&y[i]))
    }

    /// One SGD step on a batch of `B` samples of a classifier: gradients of
    /// the sparse categorical cross-entropy `-log(clip(p[label], 1e-7,
    /// 1 - 1e-7))` averaged over the batch (Keras's
    /// `"sparse_categorical_crossentropy"` on probabilities; with a softmax
    /// output the gradient is the fused `p - onehot(label)`), then the
    /// update. Returns the batch's loss before the update.
    ///
    /// A label `>= N::OUTPUT_SIZE` adds no gradient and makes the returned
    /// loss NaN (it does not panic).
    pub fn step_sparse<const B: usize>(
        &mut self,
        model: &mut N,
        x: &[N::Input; B],
        labels: &[usize; B],
    ) -> f32 {
        self.train(model, x, |i| Target::Class(labels[i]))
    }

    /// The sparse categorical cross-entropy of a batch (mean over the
    /// samples), without changing anything; NaN if a label is out of range.
    pub fn loss_sparse<const B: usize>(
        &mut self,
        model: &N,
        x: &[N::Input; B],
        labels: &[usize; B],
    ) -> f32 {
        self.mean_loss(model, x, |i| Target::Class(labels[i]))
    }

    /// One SGD step on the batch `x` with the targets `y(i)`: the gradients
    /// averaged over the batch, then the update; the batch's loss before it.
    fn train<'y, const B: usize>(
        &mut self,
        model: &mut N,
        x: &[N::Input; B],
        y: impl Fn(usize) -> Target<'y, N::Output>,
    ) -> f32 {
        const { assert!(B > 0, "a batch holds at least one sample") };
        self.grads.params_mut().fill(0.0);
        let mut loss = 0.0;
        for (i, x) in x.iter().enumerate() {
            x.write_row_major(&mut self.scratch[..N::INPUT_SIZE]);
            let grads = self.grads.params_mut();
            loss += accumulate::<N>(0, model.params(), y(i), B, &mut self.scratch, grads);
        }
        self.sgd.apply(
            model.params_mut(),
            self.velocity.params_mut(),
            self.grads.params(),
        );
        loss / B as f32
    }

    /// The mean loss of the batch `x` against the targets `y(i)`.
    fn mean_loss<'y, const B: usize>(
        &mut self,
        model: &N,
        x: &[N::Input; B],
        y: impl Fn(usize) -> Target<'y, N::Output>,
    ) -> f32 {
        let mut loss = 0.0;
        for (i, x) in x.iter().enumerate() {
            x.write_row_major(&mut self.scratch[..N::INPUT_SIZE]);
            forward::<N>(0, model.params(), &mut self.scratch);
            loss += target_loss::<N>(0, &mut self.scratch, y(i));
        }
        loss / B.max(1) as f32
    }

    /// [`DeviceTrainer::step`] on one sample.
    pub fn step_one(&mut self, model: &mut N, x: &N::Input, y: &N::Output) -> f32 {
        self.step(model, core::array::from_ref(x), core::array::from_ref(y))
    }

    /// The mean squared error of a batch, without changing anything.
    pub fn loss<const B: usize>(
        &mut self,
        model: &N,
        x: &[N::Input; B],
        y: &[N::Output; B],
    ) -> f32 {
        self.mean_loss(model, x, |i| Target::Values(&y[i]))
    }

    /// The gradients of the last step, laid out as the network's parameters.
    pub fn gradients(&self) -> &N {
        &self.grads
    }
}

/// `z = kernel · input + bias` of one Dense layer whose parameters start at
/// `params[0]` (kernel column-major `inputs x units`, then the bias).
fn dense_z(params: &[f32], input: &[f32], z: &mut [f32]) {
    let (inputs, units) = (input.len(), z.len());
    let (kernel, bias) = params[..inputs * units + units].split_at(inputs * units);
    for ((z, column), b) in z.iter_mut().zip(kernel.chunks_exact(inputs)).zip(bias) {
        *z = b + column.iter().zip(input).map(|(w, x)| w * x).sum::<f32>();
    }
}

/// Runs the span from layer `first` forward on the input already at the
/// start of `scratch`, leaving `z` and `a` of each of its Dense layers after
/// it. `params` are the span's parameters (the network's from
/// [`span_base`] on).
fn forward<N: Network>(first: usize, params: &[f32], scratch: &mut [f32]) {
    let base = span_base::<N>(first);
    let mut at = span_input::<N>(first);
    for layer in &N::LAYERS[first..] {
        let Some((inputs, units, activation)) = layer.dense() else {
            continue;
        };
        let (before, rest) = scratch.split_at_mut(at);
        let input = &before[at - inputs..];
        let (z, rest) = rest.split_at_mut(units);
        dense_z(&params[layer.offset - base..], input, z);
        let a = &mut rest[..units];
        a.copy_from_slice(z);
        activation.forward(a);
        at += 2 * units;
    }
}

/// The mean squared error of the span's last [`forward`] against `y`.
fn squared_error<N: Network>(first: usize, scratch: &mut [f32], y: &N::Output) -> f32 {
    let end = span_acts_len::<N>(first);
    let (acts, rest) = scratch.split_at_mut(end);
    let target = &mut rest[..N::OUTPUT_SIZE];
    y.write_row_major(target);
    acts[end - N::OUTPUT_SIZE..]
        .iter()
        .zip(target.iter())
        .map(|(a, t)| (a - t) * (a - t))
        .sum::<f32>()
        / N::OUTPUT_SIZE as f32
}

/// The sparse categorical cross-entropy of the span's last [`forward`].
fn sparse_loss<N: Network>(first: usize, scratch: &[f32], label: usize) -> f32 {
    let (z, a) = output(&scratch[..span_acts_len::<N>(first)], N::OUTPUT_SIZE);
    SparseCategoricalCrossentropy.loss(output_activation::<N>(), z, a, TargetRef::Class(label))
}

/// `z` and `a` of the output layer, the last `2 * outputs` activations.
fn output(acts: &[f32], outputs: usize) -> (&[f32], &[f32]) {
    acts[acts.len() - 2 * outputs..].split_at(outputs)
}

/// The output layer's activation (linear if the network has no Dense layer).
fn output_activation<N: Network>() -> ActivationKind {
    N::LAYERS
        .iter()
        .rev()
        .find_map(|l| l.dense())
        .map_or(ActivationKind::Linear, |d| d.2)
}

/// The loss of the span's last [`forward`] against `y`: the mean squared
/// error of values, the sparse categorical cross-entropy of a class.
fn target_loss<N: Network>(first: usize, scratch: &mut [f32], y: Target<'_, N::Output>) -> f32 {
    match y {
        Target::Values(y) => squared_error::<N>(first, scratch, y),
        Target::Class(label) => sparse_loss::<N>(first, scratch, label),
    }
}

/// What one sample is trained towards.
enum Target<'a, O> {
    /// Values of the outputs, for the mean squared error.
    Values(&'a O),
    /// A class index, for the sparse categorical cross-entropy.
    Class(usize),
}

/// Runs the span from layer `first` forward on the input already at the
/// start of `scratch` and adds the gradients of one sample's loss (scaled
/// for a batch of `batch` samples) into `grads`; returns the sample's loss.
/// `params` and `grads` are the span's parameters and their gradients (the
/// network's from [`span_base`] on).
fn accumulate<N: Network>(
    first: usize,
    params: &[f32],
    y: Target<'_, N::Output>,
    batch: usize,
    scratch: &mut [f32],
    grads: &mut [f32],
) -> f32 {
    forward::<N>(first, params, scratch);
    let base = span_base::<N>(first);
    let end = span_acts_len::<N>(first);
    let (acts, rest) = scratch.split_at_mut(end);
    let (target, deltas) = rest.split_at_mut(N::OUTPUT_SIZE);
    let (mut cur, mut prev) = deltas.split_at_mut(deltas.len() / 2);

    // The output's delta: dL/da for the squared error (carried through the
    // activation below), dL/dz for the cross-entropy (the loss does it).
    let (loss, output_done) = match y {
        Target::Values(y) => {
            y.write_row_major(target);
            // Keras's mse is the mean over outputs, then over the batch.
            let out = &acts[end - N::OUTPUT_SIZE..];
            let scale = 2.0 / (N::OUTPUT_SIZE * batch) as f32;
            let mut loss = 0.0;
            for ((d, a), t) in cur.iter_mut().zip(out).zip(target.iter()) {
                *d = scale * (a - t);
                loss += (a - t) * (a - t);
            }
            (loss / N::OUTPUT_SIZE as f32, false)
        }
        Target::Class(label) => {
            let (z, a) = output(acts, N::OUTPUT_SIZE);
            let loss = SparseCategoricalCrossentropy.loss_and_delta(
                output_activation::<N>(),
                z,
                a,
                TargetRef::Class(label),
                1.0 / batch as f32,
                &mut cur[..N::OUTPUT_SIZE],
            );
            (loss, true)
        }
    };
    let mut first_done = true;

    let mut at = end;
    let mut layers = N::LAYERS[first..]
        .iter()
        .rev()
        .filter_map(|l| l.dense().map(|d| (l, d)))
        .peekable();
    while let Some((layer, (inputs, units, activation))) = layers.next() {
        let (z_at, a_at) = (at - 2 * units, at - units);
        let (z, a) = (&acts[z_at..a_at], &acts[a_at..at]);
        let delta = &mut cur[..units];
        if !(first_done && output_done) {
            activation.backward(z, a, delta);
        }
        first_done = false;
        let input = &acts[z_at - inputs..z_at];
        let offset = layer.offset - base;
        let (kernel_grads, bias_grads) =
            grads[offset..offset + inputs * units + units].split_at_mut(inputs * units);
        for ((column, d), gb) in kernel_grads
            .chunks_exact_mut(inputs)
            .zip(delta.iter())
            .zip(bias_grads)
        {
            *gb += d;
            for (g, x) in column.iter_mut().zip(input) {
                *g += d * x;
            }
        }
        if layers.peek().is_some() {
            // dL/da of the layer below: kernel · delta.
            let kernel = &params[offset..offset + inputs * units];
            let below = &mut prev[..inputs];
            below.fill(0.0);
            for (column, d) in kernel.chunks_exact(inputs).zip(delta.iter()) {
                for (b, w) in below.iter_mut().zip(column) {
                    *b += w * d;
                }
            }
            core::mem::swap(&mut cur, &mut prev);
        }
        at = z_at;
    }
    loss
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::engine::Workspace;
    use crate::prelude::*;

    network! { struct Net { Input[3] -> Dense<5, tanh> -> Dense<4, relu> -> Dense<2, sigmoid> } }
    network! { struct Image { Flatten[2, 3] -> Dense<4, elu> -> Dense<3, softmax> } }

    fn batch() -> ([SVector<f32, 3>; 3], [SVector<f32, 2>; 3]) {
        (
            [
                SVector::from([0.5, -1.0, 2.0]),
                SVector::from([1.5, 0.25, -0.5]),
                SVector::from([-0.3, 0.8, 0.1]),
            ],
            [
                SVector::from([0.2, 0.9]),
                SVector::from([0.7, 0.1]),
                SVector::from([0.5, 0.5]),
            ],
        )
    }

    /// The batch engine's gradients of the same loss.
    fn reference<N: Network>(model: &N, x: &[N::Input], y: &[f32]) -> (Vec<f32>, f32) {
        let mut ws = Workspace::new::<N>(x.len());
        ws.load_inputs::<N>(x);
        ws.forward(model.params(), x.len());
        let (z, a, delta) = ws.output_and_delta(x.len());
        let scale = 2.0 / (N::OUTPUT_SIZE * x.len()) as f32;
        let mut loss = 0.0;
        for ((d, a), t) in delta.iter_mut().zip(a).zip(y) {
            *d = scale * (a - t);
            loss += (a - t) * (a - t);
        }
        // Through the output activation, one sample (row) at a time.
        let out = N::LAYERS.last().unwrap().dense().unwrap().2;
        let z = z.to_vec();
        let a = a.to_vec();
        for ((d, z), a) in delta
            .chunks_exact_mut(N::OUTPUT_SIZE)
            .zip(z.chunks_exact(N::OUTPUT_SIZE))
            .zip(a.chunks_exact(N::OUTPUT_SIZE))
        {
            out.backward(z, a, d);
        }
        let mut grads = vec![0.0; N::PARAMS];
        ws.backward(model.params(), x.len(), &mut grads);
        (grads, loss / (N::OUTPUT_SIZE * x.len()) as f32)
    }

    fn assert_close(a: &[f32], b: &[f32]) {
        for (i, (a, b)) in a.iter().zip(b).enumerate() {
            assert!(
                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                "parameter {i}: {a} vs {b}"
            );
        }
    }

    #[test]
    fn gradients_match_the_batch_engine() {
        let model = Net::new(3);
        let (x, y) = batch();
        let mut trainer = DeviceTrainer::<Net, { scratch_len::<Net>() }>::new(DeviceSgd {
            learning_rate: 0.0,
            momentum: 0.0,
        });
        let mut copy = Net::new(3);
        let loss = trainer.step(&mut copy, &x, &y);
        let flat: Vec<f32> = y.iter().flat_map(|v| v.iter().copied()).collect();
        let (expected, expected_loss) = reference(&*model, &x, &flat);
        assert_close(trainer.gradients().params(), &expected);
        assert!(
            (loss - expected_loss).abs() < 1e-6,
            "{loss} vs {expected_loss}"
        );
        assert!(expected.iter().any(|g| g.abs() > 1e-3));
        // Learning rate 0: nothing moved.
        assert_eq!(copy.params(), model.params());
    }

    #[test]
    fn flatten_and_softmax_match_the_batch_engine() {
        let model = Image::new(9);
        let x = [SMatrix::<f32, 2, 3>::from_row_slice(&[
            0.1, 0.2, 0.3, -0.4, 0.5, 0.6,
        ])];
        let y = [SVector::<f32, 3>::from([0.0, 1.0, 0.0])];
        let mut trainer = DeviceTrainer::<Image, { scratch_len::<Image>() }>::new(DeviceSgd {
            learning_rate: 0.0,
            momentum: 0.0,
        });
        let mut copy = Image::new(9);
        trainer.step(&mut copy, &x, &y);
        let (expected, _) = reference(&*model, &x, y[0].as_slice());
        assert_close(trainer.gradients().params(), &expected);
    }

    #[test]
    fn sgd_and_momentum_follow_keras() {
        let (x, y) = batch();
        let mut model = Net::new(4);
        let start = model.params().to_vec();
        let sgd = DeviceSgd {
            learning_rate: 0.1,
            momentum: 0.5,
        };
        let mut trainer = DeviceTrainer::<Net, { scratch_len::<Net>() }>::new(sgd);
        trainer.step(&mut model, &x, &y);
        let g1 = trainer.gradients().params().to_vec();
        let after1 = model.params().to_vec();
        for ((w, w0), g) in after1.iter().zip(&start).zip(&g1) {
            assert!((w - (w0 - 0.1 * g)).abs() < 1e-6);
        }
        trainer.step(&mut model, &x, &y);
        let g2 = trainer.gradients().params().to_vec();
        for (((w, w1), g1), g2) in model.params().iter().zip(&after1).zip(&g1).zip(&g2) {
            let v = 0.5 * (-0.1 * g1) - 0.1 * g2;
            assert!((w - (w1 + v)).abs() < 1e-6);
        }
    }

    #[test]
    fn loss_falls_one_sample_at_a_time() {
        let (x, y) = batch();
        let mut model = Net::new(5);
        let mut trainer = DeviceTrainer::<Net, { scratch_len::<Net>() }>::new(DeviceSgd {
            learning_rate: 0.1,
            momentum: 0.9,
        });
        let before = trainer.loss(&model, &x, &y);
        for _ in 0..200 {
            for (x, y) in x.iter().zip(&y) {
                trainer.step_one(&mut model, x, y);
            }
        }
        let after = trainer.loss(&model, &x, &y);
        assert!(after < before / 10.0, "{before} -> {after}");
    }

    network! { struct Classifier { Input[3] -> Dense<5, tanh> -> Dense<4, softmax> } }
    network! { struct Sigmoid3 { Input[3] -> Dense<4, elu> -> Dense<3, sigmoid> } }

    /// Central differences of `loss_sparse` against the gradients of
    /// `step_sparse` (learning rate 0), parameter by parameter.
    fn check_against_finite_differences<N: Network, const S: usize, const B: usize>(
        model: &mut N,
        x: &[N::Input; B],
        labels: &[usize; B],
    ) {
        let mut trainer = DeviceTrainer::<N, S>::new(DeviceSgd {
            learning_rate: 0.0,
            momentum: 0.0,
        });
        let loss = trainer.step_sparse(model, x, labels);
        assert!((loss - trainer.loss_sparse(model, x, labels)).abs() < 1e-6);
        let grads = trainer.gradients().params().to_vec();
        assert_central_differences(&grads, |i, d| {
            let w = model.params()[i];
            model.params_mut()[i] = w + d;
            let l = trainer.loss_sparse(model, x, labels);
            model.params_mut()[i] = w;
            l
        });
    }

    /// Checks each of `grads` against the central difference of
    /// `loss_with(i, d)`, the loss with `d` added to parameter `i`.
    pub(super) fn assert_central_differences(
        grads: &[f32],
        mut loss_with: impl FnMut(usize, f32) -> f32,
    ) {
        let eps = 1e-2_f32;
        let mut largest = 0.0_f32;
        for (i, &g) in grads.iter().enumerate() {
            let fd = (loss_with(i, eps) - loss_with(i, -eps)) / (2.0 * eps);
            assert!(
                (g - fd).abs() <= 2e-3 + 1e-2 * fd.abs(),
                "parameter {i}: gradient {g} vs finite difference {fd}"
            );
            largest = largest.max(fd.abs());
        }
        assert!(largest > 1e-2, "the check saw no gradient at all");
    }

    fn three() -> [SVector<f32, 3>; 3] {
        batch().0
    }

    #[test]
    fn sparse_gradients_match_finite_differences_with_softmax() {
        let mut model = Classifier::new(11);
        check_against_finite_differences::<_, { scratch_len::<Classifier>() }, 3>(
            &mut *model,
            &three(),
            &[0, 3, 2],
        );
    }

    #[test]
    fn sparse_gradients_match_finite_differences_through_sigmoid() {
        // Not fused: -1/p[label] carried through the sigmoid's backward pass.
        let mut model = Sigmoid3::new(12);
        check_against_finite_differences::<_, { scratch_len::<Sigmoid3>() }, 3>(
            &mut *model,
            &three(),
            &[2, 0, 1],
        );
    }

    #[test]
    fn sparse_loss_is_the_mean_negative_log_probability() {
        let model = Classifier::new(13);
        let x = three();
        let labels = [1, 0, 3];
        let mut trainer =
            DeviceTrainer::<Classifier, { scratch_len::<Classifier>() }>::new(DeviceSgd {
                learning_rate: 0.0,
                momentum: 0.0,
            });
        let expected = x
            .iter()
            .zip(labels)
            .map(|(x, l)| -model.predict_one(x)[l].ln())
            .sum::<f32>()
            / 3.0;
        let loss = trainer.loss_sparse(&*model, &x, &labels);
        assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");
    }

    #[test]
    fn sparse_training_learns_the_labels() {
        let x = three();
        let labels = [2, 0, 1];
        let mut model = Classifier::new(14);
        let mut trainer =
            DeviceTrainer::<Classifier, { scratch_len::<Classifier>() }>::new(DeviceSgd {
                learning_rate: 0.1,
                momentum: 0.9,
            });
        let before = trainer.loss_sparse(&*model, &x, &labels);
        for _ in 0..100 {
            trainer.step_sparse(&mut *model, &x, &labels);
        }
        let after = trainer.loss_sparse(&*model, &x, &labels);
        assert!(after < before / 10.0, "{before} -> {after}");
        for (x, l) in x.iter().zip(labels) {
            assert_eq!(model.predict_one(x).argmax().0, l);
        }
    }

    #[test]
    fn a_label_out_of_range_gives_nan_and_no_step() {
        let mut model = Classifier::new(15);
        let start = model.params().to_vec();
        let mut trainer =
            DeviceTrainer::<Classifier, { scratch_len::<Classifier>() }>::new(DeviceSgd {
                learning_rate: 0.1,
                momentum: 0.0,
            });
        let loss = trainer.step_sparse(&mut *model, &[three()[0]], &[4]);
        assert!(loss.is_nan());
        assert_eq!(model.params(), &start[..]);
    }
}
