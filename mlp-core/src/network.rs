//! The trait every chain declared with `network!` implements beside
//! [`Model`]: its one input sample and output typed as [`Sample`]s, and the
//! input's shape. `predict_one(&x) -> y` is [`Model::predict_one`].
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! {
//!     /// A small classifier.
//!     pub struct Tiny {
//!         Input[4] -> hidden: Dense<8, relu> -> Dense<3, softmax>
//!     }
//! }
//!
//! let model = Tiny::new(42);
//! assert_eq!(Tiny::PARAMS, 4 * 8 + 8 + 8 * 3 + 3);
//! let p = model.predict_one(&SVector::<f32, 4>::new(1.0, 2.0, 3.0, 4.0));
//! assert!((p.sum() - 1.0).abs() < 1e-6);
//! let hidden = model.get_layer("hidden")?;
//! assert_eq!(hidden.kernel().unwrap().shape(), (4, 8));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::model::Model;
use crate::sample::Sample;

/// A chain declared with `network!` (Keras's `Sequential`): one input
/// sample in, one output sample out, typed. Everything else a model has
/// (its layer table, parameters, construction, `predict_one`, weights,
/// summary) is [`Model`]'s.
pub trait Network:
    Model<
        Inputs = <Self as Network>::Input,
        Outputs = <Self as Network>::Output,
        InputSamples = (<Self as Network>::Input,),
        OutputSamples = (<Self as Network>::Output,),
    >
{
    /// One input sample: `SMatrix<f32, R, C>` after `Flatten[R, C]`,
    /// `SVector<f32, N>` after `Input[N]` (the model's
    /// [`Inputs`](Model::Inputs)).
    type Input: Sample;
    /// One output: `SVector<f32, OUTPUT_SIZE>` (the model's
    /// [`Outputs`](Model::Outputs)).
    type Output: Sample;
    /// The declared input shape: `[28, 28]` or `[8]`.
    const INPUT_SHAPE: &'static [usize];
    /// Values in one input sample.
    const INPUT_SIZE: usize;
    /// Values in one output.
    const OUTPUT_SIZE: usize;
}
