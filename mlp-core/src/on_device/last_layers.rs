//! Fine-tuning only the last `K` Dense layers of a network on the device
//! (Keras: `layer.trainable = False` on every layer but the last `K`), with
//! the network itself left where it is: a baked `static` in flash.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::on_device::{LastLayers, DeviceSgd, last_layers_params, last_layers_scratch_len};
//!
//! network! { pub struct Net { Input[2] -> Dense<16, tanh> -> Dense<8, tanh> -> Dense<3, softmax> } }
//! // The last Dense layer (8 x 3 + 3 = 27 parameters) is trained in RAM.
//! type Tuner = LastLayers<Net, 1, { last_layers_params::<Net>(1) }, { last_layers_scratch_len::<Net>(1) }>;
//! const _: () = assert!(Tuner::RAM_BYTES < 1024, "a compile-time RAM budget");
//!
//! let mut model = Net::zeroed(); // on a device: `static MODEL: Net = Net::WEIGHTS;`
//! model.initialize(1);
//! let model = model; // the tuner never changes it
//! let mut tuner = Tuner::new(&model, DeviceSgd { learning_rate: 0.5, momentum: 0.9 });
//! let x = [SVector::<f32, 2>::new(0.5, -1.0), SVector::<f32, 2>::new(-1.0, 0.25)];
//! let labels = [2, 0];
//! let first = tuner.step_sparse(&model, &x, &labels);
//! for _ in 0..50 {
//!     tuner.step_sparse(&model, &x, &labels);
//! }
//! assert!(tuner.loss_sparse(&model, &x, &labels) < first / 10.0);
//! assert_eq!(tuner.predict(&model, &x[0]).argmax().0, 2);
//! # Ok::<(), core::convert::Infallible>(())
//! ```
//!
//! The type's sizes are checked when it is built: a wrong `P` does not
//! compile.
//!
//! ```compile_fail
//! use mlp_core::prelude::*;
//! use mlp_core::on_device::{LastLayers, DeviceSgd, last_layers_scratch_len};
//!
//! network! { pub struct Net { Input[2] -> Dense<16, tanh> -> Dense<3, softmax> } }
//! let sgd = DeviceSgd { learning_rate: 0.1, momentum: 0.0 };
//! let _ = LastLayers::<Net, 1, 50, { last_layers_scratch_len::<Net>(1) }>::zeroed(sgd);
//! ```

use super::target_loss;
use super::{
    DeviceSgd, Target, accumulate, forward, known_layers, span_acts_len, span_base, span_len,
};
use crate::network::Network;
use crate::sample::Sample;
use core::marker::PhantomData;

/// The number of Dense layers of `N`.
const fn dense_layers<N: Network>() -> usize {
    let (mut n, mut i) = (0, 0);
    while i < N::LAYERS.len() {
        if N::LAYERS[i].dense().is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The index in `N::LAYERS` of the first of the last `k` Dense layers
/// (0 if `N` has fewer than `k`; `N::LAYERS.len()` if `k` is 0).
const fn first_trainable<N: Network>(k: usize) -> usize {
    let (mut seen, mut i) = (0, N::LAYERS.len());
    while i > 0 && seen < k {
        i -= 1;
        if N::LAYERS[i].dense().is_some() {
            seen += 1;
        }
    }
    i
}

/// The number of parameters of the last `k` Dense layers of `N`: the `P` of
/// [`LastLayers<N, k, P, S>`](LastLayers).
pub const fn last_layers_params<N: Network>(k: usize) -> usize {
    N::PARAMS - span_base::<N>(first_trainable::<N>(k))
}

/// The two buffers that the frozen layers' forward pass alternates between:
/// the input and the outputs of all frozen Dense layers but the last (which
/// writes into the trainable span's input) go to buffer `i % 2` for the
/// `i`-th of these values. Both are empty when nothing is frozen.
const fn frozen_buffers<N: Network>(first: usize) -> [usize; 2] {
    let mut sizes = [0, 0];
    let (mut value, mut width, mut i) = (0, N::INPUT_SIZE, 0);
    while i < first {
        if let Some((_, units, _)) = N::LAYERS[i].dense() {
            if width > sizes[value % 2] {
                sizes[value % 2] = width;
            }
            value += 1;
            width = units;
        }
        i += 1;
    }
    sizes
}

/// The length of the scratch array of [`LastLayers<N, k, P, S>`](LastLayers)
/// (its `S`): two buffers for the frozen layers' forward pass (each as wide
/// as the widest of the values it holds), then the trainable layers' input,
/// the pre-activations and activations of each trainable layer, the target,
/// and two gradient buffers as wide as the widest trainable layer.
pub const fn last_layers_scratch_len<N: Network>(k: usize) -> usize {
    let first = first_trainable::<N>(k);
    let [a, b] = frozen_buffers::<N>(first);
    a + b + span_len::<N>(first)
}

/// Fine-tuning of the last `K` Dense layers of network `N` on the device: no
/// heap, no `std`, every buffer sized at compile time, and the network itself
/// only read.
///
/// - `P` is the trainable layers' parameter count,
///   [`last_layers_params::<N>(K)`](last_layers_params), and `S` the
///   scratch length, [`last_layers_scratch_len::<N>(K)`](last_layers_scratch_len);
///   both are checked at compile time, as are `1 <= K <=` the number of
///   Dense layers:
///   `type Tuner = LastLayers<Net, 1, { last_layers_params::<Net>(1) }, { last_layers_scratch_len::<Net>(1) }>;`
/// - It holds, by value, the trainable layers' weights (copied from the
///   network by [`LastLayers::new`] or [`LastLayers::load`]), their
///   gradients and their velocity (three arrays of `P` floats), and the
///   scratch of one sample. [`LastLayers::RAM_BYTES`] is the total, a
///   `const`: the RAM that fine-tuning takes.
/// - The frozen layers run forward only, from the network's own weights,
///   which can stay in flash: pass a baked `static MODEL: Net = Net::WEIGHTS;`
///   to every call. The fine-tuned network is then the pair (flash `MODEL`,
///   RAM tuner): [`LastLayers::predict`] runs it; [`LastLayers::copy_to`]
///   writes the tuned layers into a full RAM copy where there is room for
///   one, and [`LastLayers::weights`] are the `P` floats to keep (in a flash
///   page or EEPROM) and give back through [`LastLayers::weights_mut`] after
///   a reset.
///
/// For the book's Fashion-MNIST classifier (784 -> 300 -> 100 -> 10)
/// fine-tuning the last layer (1,010 parameters) takes 17,064 bytes of RAM;
/// [`super::DeviceTrainer`] on all 266,610 parameters takes 3,208,184 with
/// the model's RAM copy.
///
/// The results are those of `DeviceTrainer` with the frozen layers'
/// updates undone (the unit tests compare them step by step, bit for bit).
pub struct LastLayers<N: Network, const K: usize, const P: usize, const S: usize> {
    /// The optimizer's settings; may change between steps.
    pub sgd: DeviceSgd,
    weights: [f32; P],
    grads: [f32; P],
    velocity: [f32; P],
    scratch: [f32; S],
    network: PhantomData<fn() -> N>,
}

impl<N: Network, const K: usize, const P: usize, const S: usize> LastLayers<N, K, P, S> {
    /// The index in `N::LAYERS` of the first trainable layer.
    pub const FIRST_LAYER: usize = first_trainable::<N>(K);

    /// Where the trainable layers' parameters start in `N`'s flat
    /// parameters (`N::PARAMS - P`).
    pub const OFFSET: usize = span_base::<N>(Self::FIRST_LAYER);

    /// Bytes of RAM the tuner takes: the trainable layers' weights,
    /// gradients and velocity, the scratch and the settings. The frozen
    /// layers take none (they stay in flash).
    pub const RAM_BYTES: usize = core::mem::size_of::<Self>();

    /// A tuner whose trainable weights are all zero, to be filled by
    /// [`LastLayers::load`] before use. A `const fn`, so that a tuner can be
    /// a `static` built without a stack copy; with a zero `sgd` (set
    /// `tuner.sgd` at run time) it is all zero bytes and goes to `.bss`,
    /// which takes RAM but no flash (a non-zero `sgd` puts the whole tuner
    /// in `.data`, whose initial values take as much flash).
    pub const fn zeroed(sgd: DeviceSgd) -> Self {
        const {
            assert!(K >= 1, "LastLayers trains at least one layer (K >= 1)");
            assert!(
                K <= dense_layers::<N>(),
                "K is more than the network's Dense layers"
            );
            assert!(
                P == last_layers_params::<N>(K),
                "P must be last_layers_params::<N>(K)"
            );
            assert!(
                S >= last_layers_scratch_len::<N>(K),
                "S must be at least last_layers_scratch_len::<N>(K)"
            );
            assert!(
                known_layers::<N>(),
                "on-device training knows Flatten and Dense layers only"
            );
        };
        Self {
            sgd,
            weights: [0.0; P],
            grads: [0.0; P],
            velocity: [0.0; P],
            scratch: [0.0; S],
            network: PhantomData,
        }
    }

    /// A tuner of `model`'s last `K` Dense layers (their weights copied into
    /// it), with zero velocity. Built on the stack: for a tuner too large
    /// for it, use a `static` of [`LastLayers::zeroed`] and
    /// [`LastLayers::load`].
    pub fn new(model: &N, sgd: DeviceSgd) -> Self {
        let mut tuner = Self::zeroed(sgd);
        tuner.load(model);
        tuner
    }

    /// Copies `model`'s last `K` Dense layers into the tuner and forgets the
    /// velocity: fine-tuning starts again from `model`.
    pub fn load(&mut self, model: &N) {
        self.weights
            .copy_from_slice(&model.params()[Self::OFFSET..]);
        self.reset();
    }

    /// Forgets the velocity (momentum) of earlier steps.
    pub fn reset(&mut self) {
        self.velocity.fill(0.0);
    }

    /// The trainable layers' weights, laid out as in `N`'s flat parameters
    /// from [`LastLayers::OFFSET`] on.
    pub fn weights(&self) -> &[f32; P] {
        &self.weights
    }

    /// The trainable layers' weights, mutably (to restore saved ones).
    pub fn weights_mut(&mut self) -> &mut [f32; P] {
        &mut self.weights
    }

    /// The gradients of the last step, laid out as [`LastLayers::weights`].
    pub fn gradients(&self) -> &[f32; P] {
        &self.grads
    }

    /// Writes the tuned layers into `model` (a full copy in RAM), which is
    /// then the fine-tuned network.
    pub fn copy_to(&self, model: &mut N) {
        model.params_mut()[Self::OFFSET..].copy_from_slice(&self.weights);
    }

    /// The fine-tuned network's output for `x`: `model`'s frozen layers,
    /// then the tuned ones.
    pub fn predict(&mut self, model: &N, x: &N::Input) -> N::Output {
        let span = frozen_forward::<N>(Self::FIRST_LAYER, model, x, &mut self.scratch);
        forward::<N>(Self::FIRST_LAYER, &self.weights, span);
        let end = span_acts_len::<N>(Self::FIRST_LAYER);
        N::Output::from_row_major(&span[end - N::OUTPUT_SIZE..end])
    }

    /// One SGD step of the trainable layers on a batch of `B` samples: the
    /// gradients of the mean squared error averaged over the batch, then the
    /// update. Returns the batch's loss before the update.
    pub fn step<const B: usize>(
        &mut self,
        model: &N,
        x: &[N::Input; B],
        y: &[N::Output; B],
    ) -> f32 {
        const { assert!(B > 0, "a batch holds at least one sample") };
        self.train(B, |s, i| {
            s.accumulate(model, &x[i], Target::Values(&y[i]), B)
        })
    }

    /// [`LastLayers::step`] on one sample.
    pub fn step_one(&mut self, model: &N, x: &N::Input, y: &N::Output) -> f32 {
        self.step(model, core::array::from_ref(x), core::array::from_ref(y))
    }

    /// One SGD step of the trainable layers on a batch of `B` samples of a
    /// classifier: the gradients of the sparse categorical cross-entropy
    /// averaged over the batch (as [`super::DeviceTrainer::step_sparse`]),
    /// then the update. Returns the batch's loss before the update.
    ///
    /// A label `>= N::OUTPUT_SIZE` adds no gradient and makes the returned
    /// loss NaN (it does not panic).
    pub fn step_sparse<const B: usize>(
        &mut self,
        model: &N,
        x: &[N::Input; B],
        labels: &[usize; B],
    ) -> f32 {
        const { assert!(B > 0, "a batch holds at least one sample") };
        self.train(B, |s, i| {
            s.accumulate(model, &x[i], Target::Class(labels[i]), B)
        })
    }

    /// The mean squared error of a batch, without changing anything.
    pub fn loss<const B: usize>(
        &mut self,
        model: &N,
        x: &[N::Input; B],
        y: &[N::Output; B],
    ) -> f32 {
        (0..B).fold(0.0, |l, i| {
            l + self.sample_loss(model, &x[i], Target::Values(&y[i]))
        }) / B.max(1) as f32
    }

    /// The sparse categorical cross-entropy of a batch (mean over the
    /// samples), without changing anything; NaN if a label is out of range.
    pub fn loss_sparse<const B: usize>(
        &mut self,
        model: &N,
        x: &[N::Input; B],
        labels: &[usize; B],
    ) -> f32 {
        (0..B).fold(0.0, |l, i| {
            l + self.sample_loss(model, &x[i], Target::Class(labels[i]))
        }) / B.max(1) as f32
    }

    /// [`LastLayers::step`] on `n` samples given one at a time by
    /// `sample(i)` (an input and its target), so that the batch is never
    /// held in RAM at once (images read from flash or a sensor: one input at
    /// a time on the stack). With `n = 0`: no step, and NaN.
    pub fn step_from(
        &mut self,
        model: &N,
        n: usize,
        mut sample: impl FnMut(usize) -> (N::Input, N::Output),
    ) -> f32 {
        if n == 0 {
            return f32::NAN;
        }
        self.train(n, |s, i| {
            let (x, y) = sample(i);
            s.accumulate(model, &x, Target::Values(&y), n)
        })
    }

    /// [`LastLayers::step_sparse`] on `n` samples given one at a time by
    /// `sample(i)` (an input and its label), so that the batch is never held
    /// in RAM at once. With `n = 0`: no step, and NaN.
    pub fn step_sparse_from(
        &mut self,
        model: &N,
        n: usize,
        mut sample: impl FnMut(usize) -> (N::Input, usize),
    ) -> f32 {
        if n == 0 {
            return f32::NAN;
        }
        self.train(n, |s, i| {
            let (x, label) = sample(i);
            s.accumulate(model, &x, Target::Class(label), n)
        })
    }

    /// [`LastLayers::loss_sparse`] of `n` samples given one at a time by
    /// `sample(i)`; NaN if `n = 0` or a label is out of range.
    pub fn loss_sparse_from(
        &mut self,
        model: &N,
        n: usize,
        mut sample: impl FnMut(usize) -> (N::Input, usize),
    ) -> f32 {
        let mut loss = 0.0;
        for i in 0..n {
            let (x, label) = sample(i);
            loss += self.sample_loss(model, &x, Target::Class(label));
        }
        loss / n as f32
    }

    /// Adds one sample's gradients into `self.grads`; returns its loss.
    fn accumulate(
        &mut self,
        model: &N,
        x: &N::Input,
        y: Target<'_, N::Output>,
        batch: usize,
    ) -> f32 {
        let span = frozen_forward::<N>(Self::FIRST_LAYER, model, x, &mut self.scratch);
        accumulate::<N>(
            Self::FIRST_LAYER,
            &self.weights,
            y,
            batch,
            span,
            &mut self.grads,
        )
    }

    /// One SGD step of the trainable layers on `n` samples, `each(self, i)`
    /// adding sample `i`'s gradients: the update, and the mean loss before it.
    fn train(&mut self, n: usize, mut each: impl FnMut(&mut Self, usize) -> f32) -> f32 {
        self.grads.fill(0.0);
        let mut loss = 0.0;
        for i in 0..n {
            loss += each(self, i);
        }
        self.sgd
            .apply(&mut self.weights, &mut self.velocity, &self.grads);
        loss / n as f32
    }

    /// One sample's loss, without changing anything.
    fn sample_loss(&mut self, model: &N, x: &N::Input, y: Target<'_, N::Output>) -> f32 {
        let span = frozen_forward::<N>(Self::FIRST_LAYER, model, x, &mut self.scratch);
        forward::<N>(Self::FIRST_LAYER, &self.weights, span);
        target_loss::<N>(Self::FIRST_LAYER, span, y)
    }
}

/// Runs `x` through the layers of `N` before `first` (frozen: `model`'s
/// weights, forward only), leaving their output as the input of the
/// trainable span, whose part of `scratch` it returns.
fn frozen_forward<'s, N: Network>(
    first: usize,
    model: &N,
    x: &N::Input,
    scratch: &'s mut [f32],
) -> &'s mut [f32] {
    let [a, b] = frozen_buffers::<N>(first);
    let (frozen, span) = scratch.split_at_mut(a + b);
    let (buf0, buf1) = frozen.split_at_mut(a);
    let params = model.params();
    let mut layers = N::LAYERS[..first]
        .iter()
        .filter_map(|l| l.dense().map(|d| (l.offset, d)))
        .enumerate()
        .peekable();
    if layers.peek().is_none() {
        x.write_row_major(&mut span[..N::INPUT_SIZE]);
    } else {
        x.write_row_major(&mut buf0[..N::INPUT_SIZE]);
    }
    while let Some((i, (offset, (inputs, units, activation)))) = layers.next() {
        let last = layers.peek().is_none();
        let (input, out) = match (i % 2, last) {
            (0, false) => (&buf0[..inputs], &mut buf1[..units]),
            (0, true) => (&buf0[..inputs], &mut span[..units]),
            (_, false) => (&buf1[..inputs], &mut buf0[..units]),
            (_, true) => (&buf1[..inputs], &mut span[..units]),
        };
        super::dense_z(&params[offset..], input, out);
        activation.forward(out);
    }
    span
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::super::{DeviceTrainer, scratch_len};
    use super::*;
    use crate::prelude::*;

    network! { struct Deep { Input[3] -> Dense<6, tanh> -> Dense<5, elu> -> Dense<4, sigmoid> -> Dense<3, softmax> } }
    network! { struct Image { Flatten[2, 3] -> Dense<5, relu> -> Dense<4, tanh> -> Dense<2> } }
    network! {
        struct FashionMlp {
            Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
        }
    }

    /// `LastLayers` of model `$n` training its last `$k` layers.
    macro_rules! last_layers {
        ($n:ty, $k:literal) => {
            LastLayers<$n, $k, { last_layers_params::<$n>($k) }, { last_layers_scratch_len::<$n>($k) }>
        };
    }

    type Deep1 = last_layers!(Deep, 1);
    type Deep2 = last_layers!(Deep, 2);
    type Deep4 = last_layers!(Deep, 4);
    type Image1 = last_layers!(Image, 1);
    type Image2 = last_layers!(Image, 2);
    type Fashion1 = last_layers!(FashionMlp, 1);

    fn sgd(learning_rate: f32, momentum: f32) -> DeviceSgd {
        DeviceSgd {
            learning_rate,
            momentum,
        }
    }

    fn deep_x() -> [SVector<f32, 3>; 3] {
        [
            SVector::from([0.5, -1.0, 2.0]),
            SVector::from([1.5, 0.25, -0.5]),
            SVector::from([-0.3, 0.8, 0.1]),
        ]
    }

    fn deep_y() -> [SVector<f32, 3>; 3] {
        [
            SVector::from([0.2, 0.9, 0.1]),
            SVector::from([0.7, 0.1, 0.3]),
            SVector::from([0.5, 0.5, 0.0]),
        ]
    }

    fn image_x() -> [SMatrix<f32, 2, 3>; 2] {
        [
            SMatrix::from_row_slice(&[0.1, 0.2, 0.3, -0.4, 0.5, 0.6]),
            SMatrix::from_row_slice(&[0.9, -0.2, 0.0, 0.4, -0.7, 0.3]),
        ]
    }

    #[test]
    fn sizes_of_the_trainable_part() {
        // Deep: 3*6+6 = 24, 6*5+5 = 35, 5*4+4 = 24, 4*3+3 = 15.
        assert_eq!(last_layers_params::<Deep>(1), 15);
        assert_eq!(last_layers_params::<Deep>(2), 24 + 15);
        assert_eq!(last_layers_params::<Deep>(4), Deep::PARAMS);
        assert_eq!(Deep1::FIRST_LAYER, 3);
        assert_eq!(Deep1::OFFSET, 24 + 35 + 24);
        assert_eq!(Image1::FIRST_LAYER, 3, "Flatten is layer 0");
        // Frozen values of Deep with K = 1: x (3) -> buffer 0, 6 -> buffer 1,
        // 5 -> buffer 0, and 4 into the span. Span: 4 + 2*3, target 3, 2*3.
        assert_eq!(frozen_buffers::<Deep>(3), [5, 6]);
        assert_eq!(last_layers_scratch_len::<Deep>(1), 11 + 10 + 3 + 6);
        // Nothing frozen: no buffers, the full trainer's scratch.
        assert_eq!(frozen_buffers::<Deep>(0), [0, 0]);
        assert_eq!(last_layers_scratch_len::<Deep>(4), scratch_len::<Deep>());
        // The book's model: 100 x 10 + 10 trainable parameters; buffers for
        // the image (784) and the first layer's output (300); span: 100 + 2*10
        // + 10 + 2*10.
        assert_eq!(last_layers_params::<FashionMlp>(1), 1010);
        assert_eq!(last_layers_scratch_len::<FashionMlp>(1), 784 + 300 + 150);
        assert_eq!(Fashion1::RAM_BYTES, 4 * (3 * 1010 + 1234) + 8);
        let all = DeviceTrainer::<FashionMlp, { scratch_len::<FashionMlp>() }>::RAM_BYTES
            + FashionMlp::WEIGHT_BYTES;
        assert_eq!(all, 3_208_184, "as the train firmware's static RAM");
        println!(
            "book's model: last layer {} B of RAM, all layers {all} B",
            Fashion1::RAM_BYTES
        );
    }

    /// The full trainer's gradients for the trainable layers, bit for bit.
    #[test]
    fn gradients_are_the_full_trainers() {
        let model = Deep::new(21);
        let x = deep_x();
        let labels = [2, 0, 1];
        let y = deep_y();
        let mut full = DeviceTrainer::<Deep, { scratch_len::<Deep>() }>::new(sgd(0.0, 0.0));
        let mut copy = Deep::new(21);
        let mut one = Deep1::new(&model, sgd(0.0, 0.0));
        let mut two = Deep2::new(&model, sgd(0.0, 0.0));
        let mut all = Deep4::new(&model, sgd(0.0, 0.0));

        let loss = full.step_sparse(&mut copy, &x, &labels);
        let g = full.gradients().params();
        assert_eq!(one.step_sparse(&model, &x, &labels), loss);
        assert_eq!(one.gradients()[..], g[Deep1::OFFSET..]);
        assert_eq!(two.step_sparse(&model, &x, &labels), loss);
        assert_eq!(two.gradients()[..], g[Deep2::OFFSET..]);
        assert_eq!(all.step_sparse(&model, &x, &labels), loss);
        assert_eq!(all.gradients()[..], g[..]);
        assert!(g[Deep2::OFFSET..].iter().any(|g| g.abs() > 1e-3));

        let loss = full.step(&mut copy, &x, &y);
        let g = full.gradients().params();
        assert_eq!(one.step(&model, &x, &y), loss);
        assert_eq!(one.gradients()[..], g[Deep1::OFFSET..]);
        assert_eq!(two.step(&model, &x, &y), loss);
        assert_eq!(two.gradients()[..], g[Deep2::OFFSET..]);
        assert!(g[Deep2::OFFSET..].iter().any(|g| g.abs() > 1e-3));
    }

    /// Training the last layers equals training all with the frozen
    /// layers' updates undone after every step (Keras's `trainable =
    /// False`), step by step with momentum, bit for bit.
    #[test]
    fn steps_are_the_full_trainers_with_frozen_layers_held() {
        let x = image_x();
        let labels = [1, 0];
        let y = [SVector::from([0.3, -0.5]), SVector::from([1.0, 0.2])];
        let model = Image::new(22);
        let mut full_model = Image::new(22);
        let mut full = DeviceTrainer::<Image, { scratch_len::<Image>() }>::new(sgd(0.05, 0.9));
        let mut tuner = Image2::new(&model, sgd(0.05, 0.9));
        let frozen = Image2::OFFSET;
        for step in 0..20 {
            let (a, b) = if step % 2 == 0 {
                (
                    full.step(&mut full_model, &x, &y),
                    tuner.step(&model, &x, &y),
                )
            } else {
                (
                    full.step_sparse(&mut full_model, &x, &labels),
                    tuner.step_sparse(&model, &x, &labels),
                )
            };
            assert_eq!(a, b, "step {step}: losses");
            full_model.params_mut()[..frozen].copy_from_slice(&model.params()[..frozen]);
            assert_eq!(
                tuner.weights()[..],
                full_model.params()[frozen..],
                "step {step}"
            );
        }
        assert_ne!(tuner.weights()[..], model.params()[frozen..], "it trained");
        // The tuned pair predicts as the full model does.
        let mut tuned = Image::new(0);
        tuned.params_mut()[..frozen].copy_from_slice(&model.params()[..frozen]);
        tuner.copy_to(&mut tuned);
        assert_eq!(tuned.params(), full_model.params());
        for x in &x {
            let (a, b) = (tuner.predict(&model, x), full_model.predict_one(x));
            assert!((a - b).abs().max() < 1e-6, "{a} vs {b}");
        }
    }

    /// Central differences of the loss against the step's gradients
    /// (learning rate 0), parameter by parameter.
    fn check_finite_differences<const K: usize, const P: usize, const S: usize>(
        model: &Deep,
        loss: impl Fn(&mut LastLayers<Deep, K, P, S>) -> (f32, f32),
    ) {
        let mut tuner = LastLayers::<Deep, K, P, S>::new(model, sgd(0.0, 0.0));
        let (stepped, evaluated) = loss(&mut tuner);
        assert!((stepped - evaluated).abs() < 1e-6);
        let grads = *tuner.gradients();
        crate::on_device::tests::assert_central_differences(&grads, |i, d| {
            let w = tuner.weights()[i];
            tuner.weights_mut()[i] = w + d;
            let l = loss(&mut tuner).1;
            tuner.weights_mut()[i] = w;
            l
        });
    }

    #[test]
    fn sparse_gradients_match_finite_differences() {
        let model = Deep::new(23);
        let x = deep_x();
        let labels = [2, 0, 1];
        check_finite_differences(&model, |t: &mut Deep1| {
            (
                t.step_sparse(&model, &x, &labels),
                t.loss_sparse(&model, &x, &labels),
            )
        });
        check_finite_differences(&model, |t: &mut Deep2| {
            (
                t.step_sparse(&model, &x, &labels),
                t.loss_sparse(&model, &x, &labels),
            )
        });
    }

    #[test]
    fn mse_gradients_match_finite_differences() {
        let model = Deep::new(24);
        let x = deep_x();
        let y = [
            SVector::from([0.9, 0.05, 0.05]),
            SVector::from([0.1, 0.8, 0.1]),
            SVector::from([0.0, 0.0, 1.0]),
        ];
        check_finite_differences(&model, |t: &mut Deep1| {
            (t.step(&model, &x, &y), t.loss(&model, &x, &y))
        });
        check_finite_differences(&model, |t: &mut Deep2| {
            (t.step(&model, &x, &y), t.loss(&model, &x, &y))
        });
    }

    #[test]
    fn fine_tuning_learns_the_labels() {
        let x = deep_x();
        let labels = [1, 2, 0];
        let model = Deep::new(25);
        let before: Vec<usize> = x.iter().map(|x| model.predict_one(x).argmax().0).collect();
        assert_ne!(before, labels, "the model starts wrong somewhere");
        let mut tuner = Deep1::new(&model, sgd(0.5, 0.9));
        let first = tuner.loss_sparse(&model, &x, &labels);
        for _ in 0..100 {
            tuner.step_sparse(&model, &x, &labels);
        }
        let last = tuner.loss_sparse(&model, &x, &labels);
        assert!(last < first / 4.0, "{first} -> {last}");
        for (x, l) in x.iter().zip(labels) {
            assert_eq!(tuner.predict(&model, x).argmax().0, l);
        }
        // Loading starts again from the network.
        tuner.load(&model);
        assert_eq!(tuner.weights()[..], model.params()[Deep1::OFFSET..]);
        assert_eq!(tuner.loss_sparse(&model, &x, &labels), first);
    }

    #[test]
    fn samples_one_at_a_time_are_the_batch() {
        let model = Deep::new(28);
        let x = deep_x();
        let labels = [0, 2, 1];
        let y = deep_y();
        let mut batch = Deep2::new(&model, sgd(0.1, 0.9));
        let mut streamed = Deep2::new(&model, sgd(0.1, 0.9));
        for _ in 0..3 {
            let a = batch.step_sparse(&model, &x, &labels);
            let b = streamed.step_sparse_from(&model, 3, |i| (x[i], labels[i]));
            assert_eq!(a, b);
            let a = batch.step(&model, &x, &y);
            let b = streamed.step_from(&model, 3, |i| (x[i], y[i]));
            assert_eq!(a, b);
            assert_eq!(batch.weights(), streamed.weights());
        }
        assert_eq!(
            batch.loss_sparse(&model, &x, &labels),
            streamed.loss_sparse_from(&model, 3, |i| (x[i], labels[i]))
        );
        let before = *streamed.weights();
        assert!(
            streamed
                .step_sparse_from(&model, 0, |i| (x[i], labels[i]))
                .is_nan()
        );
        assert!(
            streamed
                .loss_sparse_from(&model, 0, |i| (x[i], labels[i]))
                .is_nan()
        );
        assert_eq!(streamed.weights(), &before, "no samples, no step");
    }

    #[test]
    fn a_label_out_of_range_gives_nan_and_no_step() {
        let model = Deep::new(26);
        let mut tuner = Deep1::new(&model, sgd(0.1, 0.0));
        let loss = tuner.step_sparse(&model, &[deep_x()[0]], &[3]);
        assert!(loss.is_nan());
        assert_eq!(tuner.weights()[..], model.params()[Deep1::OFFSET..]);
    }

    #[test]
    fn the_book_models_last_layer_from_a_static() {
        // Only read: on a device, a baked `static` in flash.
        let model: &FashionMlp = &FashionMlp::new(27);
        let x: [SMatrix<f32, 28, 28>; 2] = [
            SMatrix::from_fn(|r, c| ((r * 28 + c) % 7) as f32 / 7.0),
            SMatrix::from_fn(|r, c| ((r + 2 * c) % 5) as f32 / 5.0),
        ];
        let labels = [3, 8];
        let mut tuner = Box::new(Fashion1::zeroed(sgd(0.01, 0.9)));
        tuner.load(model);
        let first = tuner.loss_sparse(model, &x, &labels);
        for _ in 0..20 {
            tuner.step_sparse(model, &x, &labels);
        }
        let last = tuner.loss_sparse(model, &x, &labels);
        assert!(last < first / 2.0, "{first} -> {last}");
        let mut copy = FashionMlp::new(27);
        tuner.copy_to(&mut copy);
        for x in &x {
            let (a, b) = (tuner.predict(model, x), copy.predict_one(x));
            assert!((a - b).abs().max() < 1e-6, "{a} vs {b}");
        }
    }
}
