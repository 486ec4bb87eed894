//! The embedded example: a `#![no_std]` crate without `alloc` that runs, and
//! fine-tunes, a network whose weights are baked into the binary.
//!
//! [`SineNet`] is the sine regressor that MicroFlow and TensorFlow Lite Micro
//! benchmark (`1 -> 16 -> 16 -> 1`), trained on the host by
//! `cargo run --release --example train_sine` (in the `mlp` package) and
//! baked from `weights/sine.safetensors` at compile time: [`MODEL`] is a
//! `static` in read-only memory, and [`sine`] evaluates it with no heap, no
//! parsing and no `std`. [`calibrate`] trains a copy in RAM on the device with
//! SGD and momentum ([`mlp_core::on_device`]), still without a heap;
//! [`calibrate_last_layer`] trains only the last layer ([`SineLastLayer`]),
//! with the model left in flash.
//!
//! [`MODEL_INT8`] is the same model integer-only (`SineNetInt8`: int8
//! weights and activations, int32 accumulators, fixed-point requantisation,
//! calibrated at compile time on a sample): [`sine_q`] uses no float
//! instruction. [`HOUSING_INT8`] is the book's housing regressor, integer-only.
//!
//! With the feature `fashion`, the book's Fashion-MNIST classifier
//! (266,610 parameters, trained by Keras) is baked the same way:
//! `FASHION` and `classify`, and integer-only: `FASHION_INT8` and
//! `classify_int8`; and `FashionLastLayer` fine-tunes its last layer in
//! 17 kB of RAM.
//!
//! Sizes (host build, see `measure-size.sh`): `MODEL` is 1,284 bytes of
//! read-only data and `mlp_sine` 1,883 bytes of code.
//!
//! ```
//! let y = mlp_embedded::sine(core::f32::consts::FRAC_PI_2);
//! assert!((y - 1.0).abs() < 0.05);
//! ```
#![no_std]

use mlp_core::on_device::{
    DeviceSgd, DeviceTrainer, LastLayers, last_layers_params, last_layers_scratch_len, scratch_len,
};
use mlp_core::prelude::*;

network! {
    /// The sine regressor that MicroFlow and TFLite Micro benchmark, with the
    /// weights that `examples/train_sine.rs` trained; as `SineNetInt8`,
    /// integer-only, calibrated on 1,000 points of [0, 2π].
    #[weights(
        "weights/sine.safetensors",
        quantize = "int8",
        calibrate = "weights/sine-calibration.safetensors"
    )]
    pub struct SineNet {
        Input[1] -> Dense<16, relu> -> Dense<16, relu> -> Dense<1>
    }
}

/// The trained sine regressor, in read-only memory.
pub static MODEL: SineNet = SineNet::WEIGHTS;

/// `sin(x)` for `x` in `[0, 2π]`, as the baked model computes it.
pub fn sine(x: f32) -> f32 {
    MODEL.predict_one(&SVector::<f32, 1>::new(x))[0]
}

/// The sine model, integer-only (int8 weights and activations, int32
/// accumulators), in read-only memory.
pub static MODEL_INT8: SineNetInt8 = SineNetInt8::WEIGHTS;

/// The integer-only sine model on an int8 input (`x` quantised by
/// `SineNetInt8::INPUT`): the int8 output (`SineNetInt8::OUTPUT`). No float
/// instruction.
pub fn sine_q(x: i8) -> i8 {
    MODEL_INT8.predict_q(&[x])[0]
}

/// `sin(x)` for `x` in `[0, 2π]` by the integer-only model: `x` quantised,
/// [`sine_q`], the output dequantised.
pub fn sine_int8(x: f32) -> f32 {
    MODEL_INT8.predict_one(&SVector::<f32, 1>::new(x))[0]
}

/// The trainer for [`SineNet`]: gradients, velocity and scratch, all sized at
/// compile time.
pub type SineTrainer = DeviceTrainer<SineNet, { scratch_len::<SineNet>() }>;

/// A trainer with the settings [`calibrate`] is tested with: SGD, learning
/// rate 0.01, momentum 0.9.
pub fn trainer() -> SineTrainer {
    SineTrainer::new(DeviceSgd {
        learning_rate: 0.01,
        momentum: 0.9,
    })
}

/// Fine-tunes `model` (a copy of [`MODEL`] in RAM: `SineNet::WEIGHTS`) on
/// measured pairs `(x, y)` with `steps` SGD steps on the whole batch; returns
/// the loss (mean squared error) before and after.
pub fn calibrate<const B: usize>(
    model: &mut SineNet,
    trainer: &mut SineTrainer,
    x: &[f32; B],
    y: &[f32; B],
    steps: usize,
) -> (f32, f32) {
    let x = x.map(SVector::<f32, 1>::new);
    let y = y.map(SVector::<f32, 1>::new);
    let before = trainer.loss(model, &x, &y);
    for _ in 0..steps {
        trainer.step(model, &x, &y);
    }
    (before, trainer.loss(model, &x, &y))
}

/// Fine-tuning of [`SineNet`]'s last Dense layer only (16 weights and a
/// bias, 364 bytes of RAM with its scratch): the layers below stay in flash,
/// in [`MODEL`].
pub type SineLastLayer = LastLayers<
    SineNet,
    1,
    { last_layers_params::<SineNet>(1) },
    { last_layers_scratch_len::<SineNet>(1) },
>;

/// Calibrates the last layer of the sine model in flash ([`MODEL`]) on
/// measured pairs `(x, y)` with `steps` SGD steps on the whole batch, in
/// `tuner` (from `SineLastLayer::new(&MODEL, sgd)`); returns the loss (mean
/// squared error) before and after. A gain and an offset of the sensor are
/// within reach of the last (linear) layer alone. The calibrated model is
/// `tuner.predict(&MODEL, x)`.
pub fn calibrate_last_layer<const B: usize>(
    tuner: &mut SineLastLayer,
    x: &[f32; B],
    y: &[f32; B],
    steps: usize,
) -> (f32, f32) {
    let x = x.map(SVector::<f32, 1>::new);
    let y = y.map(SVector::<f32, 1>::new);
    let before = tuner.loss(&MODEL, &x, &y);
    for _ in 0..steps {
        tuner.step(&MODEL, &x, &y);
    }
    (before, tuner.loss(&MODEL, &x, &y))
}

/// The C entry point of [`sine`] (for linking the crate as a `staticlib`).
#[unsafe(no_mangle)]
pub extern "C" fn mlp_sine(x: f32) -> f32 {
    sine(x)
}

network! {
    /// The book's housing regressor (8 standardised features -> the median
    /// house value in 100,000 $) with the weights Keras trained
    /// (`tests/fixtures/keras-files/housing_sequential/` of the workspace);
    /// as `HousingNetInt8`, integer-only, calibrated on 500 standardised
    /// training rows (the book's split and scaler).
    #[weights(
        "../tests/fixtures/keras-files/housing_sequential/model.keras",
        quantize = "int8",
        calibrate = "weights/housing-calibration.safetensors"
    )]
    pub struct HousingNet { Input[8] -> Dense<30, relu> -> Dense<1> }
}

/// The housing regressor, integer-only, in read-only memory.
pub static HOUSING_INT8: HousingNetInt8 = HousingNetInt8::WEIGHTS;

/// The integer-only housing regressor on standardised features quantised
/// by `HousingNetInt8::INPUT`: the int8 output (`HousingNetInt8::OUTPUT`).
pub fn housing_q(x: &[i8; 8]) -> i8 {
    HOUSING_INT8.predict_q(x)[0]
}

#[cfg(feature = "fashion")]
network! {
    /// The book's Fashion-MNIST classifier, with the weights Keras trained
    /// (`tests/fixtures/keras-fashion-mlp/` of the workspace), baked in f32
    /// and, as `FashionMlpInt8`, integer-only, calibrated on the first 256
    /// training images.
    #[weights(
        "../tests/fixtures/keras-fashion-mlp/weights.safetensors",
        quantize = "int8",
        calibrate = "weights/fashion-calibration.safetensors"
    )]
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// The book's classifier (1 MiB of weights), in read-only memory.
#[cfg(feature = "fashion")]
pub static FASHION: FashionMlp = FashionMlp::WEIGHTS;

/// Fine-tuning of the book's classifier's last Dense layer only (100 x 10
/// weights and 10 biases; 17,064 bytes of RAM with its scratch, against
/// 3,208,184 for all layers): the two layers below run from [`FASHION`] in
/// flash. `FashionLastLayer::new(&FASHION, sgd)`, then
/// `step_sparse(&FASHION, &images, &labels)`; the tuned classifier is
/// `predict(&FASHION, image)`.
#[cfg(feature = "fashion")]
pub type FashionLastLayer = LastLayers<
    FashionMlp,
    1,
    { last_layers_params::<FashionMlp>(1) },
    { last_layers_scratch_len::<FashionMlp>(1) },
>;

/// The class (0..10) of a 28 x 28 image with pixels in `[0, 1]`.
#[cfg(feature = "fashion")]
pub fn classify(image: &SMatrix<f32, 28, 28>) -> usize {
    FASHION.predict_one(image).argmax().0
}

/// The book's classifier integer-only (273,308 bytes), in read-only memory.
#[cfg(feature = "fashion")]
pub static FASHION_INT8: FashionMlpInt8 = FashionMlpInt8::WEIGHTS;

/// The class (0..10) that the int8 model gives an image with pixels in `[0, 1]`.
#[cfg(feature = "fashion")]
pub fn classify_int8(image: &SMatrix<f32, 28, 28>) -> usize {
    FASHION_INT8.predict_one(image).argmax().0
}

/// [`classify_int8`] of an image given as 784 bytes, row-major, in
/// integers only: the input's quantisation is the book's `pixel / 255`
/// (scale 1/255, zero point −128, as the calibration gives it; a test checks
/// it), so a pixel byte `p` is `p − 128`.
#[cfg(feature = "fashion")]
pub fn classify_pixels_int8(pixels: &[u8; 784]) -> usize {
    let x = pixels.map(|p| (p ^ 0x80) as i8);
    argmax_q(&FASHION_INT8.predict_q(&x))
}

/// The index of the first largest of `q`.
pub fn argmax_q(q: &[i8]) -> usize {
    let mut best = 0;
    for (i, v) in q.iter().enumerate() {
        if *v > q[best] {
            best = i;
        }
    }
    best
}

/// The pixels of a 28 x 28 image as bytes (row-major, as the IDX files hold
/// them) scaled to `[0, 1]` as the book does (`pixel / 255`).
#[cfg(feature = "fashion")]
pub fn scale(pixels: &[u8; 784]) -> SMatrix<f32, 28, 28> {
    SMatrix::<f32, 28, 28>::from_fn(|r, c| f32::from(pixels[r * 28 + c]) / 255.0)
}

/// The class (0..10) of an image given as 784 bytes, row-major: the same
/// code on the host and on the device (the firmware's check compares them).
#[cfg(feature = "fashion")]
pub fn classify_pixels(pixels: &[u8; 784]) -> usize {
    classify(&scale(pixels))
}

/// The C entry point of [`classify`]: `pixels` are 784 bytes, row-major.
///
/// # Safety
///
/// `pixels` points to 784 readable bytes.
#[cfg(feature = "fashion")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mlp_classify(pixels: *const u8) -> u32 {
    // SAFETY: the caller's promise.
    let pixels = unsafe { &*pixels.cast::<[u8; 784]>() };
    classify_pixels(pixels) as u32
}

/// A panic handler for building the crate alone as a `staticlib`
/// (`--features panic-handler`); a firmware brings its own.
#[cfg(feature = "panic-handler")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
