//! `model.predict(&x)?`: Keras's `model.predict` on every model, compiled
//! or not, chain or graph. The samples are shared among threads; each
//! output depends on its own sample only, so the results are the same for
//! any batch size and thread count. A compiled model's
//! [`Trainer`](crate::train::Trainer) has the same methods.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { struct Net { Input[2] -> Dense<3, relu> -> Dense<2, softmax> } }
//!
//! let model = Net::new(3);
//! let x = vec![SVector::<f32, 2>::new(1.0, 2.0), SVector::<f32, 2>::new(-1.0, 0.5)];
//! let out = model.predict(&x)?;
//! assert_eq!(out[1], model.predict_one(&x[1]));
//! assert_eq!(out, model.predict_with_threads(&x, 1, 2)?);
//! assert_eq!(model.predict_classes(&x)?.len(), 2);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::engine::predict::{predict_map, predict_model, threads_or_every_core};
use crate::metrics::argmax;
use crate::model::Model;
use crate::pool::{Pool, check_threads};
use crate::train::{InputData, Rows};
use crate::{Error, Result};
use std::vec::Vec;

/// Keras's `model.predict` and its relatives, for every [`Model`] (in the
/// prelude). `x` is one slice of samples per input: `&x` for a chain, a
/// tuple of slices for a graph with several inputs.
pub trait Predict: Model + Sized {
    /// The outputs for every sample of `x`, computed in batches of 32
    /// shared among [`Pool::default_threads`] threads (Keras's
    /// `model.predict`; prints nothing): a chain's output vectors, a graph's
    /// outputs structs (`predictions[i].main_output`). A sample holding NaN
    /// or infinity gets NaN outputs, as in Keras (see
    /// [`Model::predict_one`]); the other samples are unaffected. An error
    /// if the inputs' slices differ in length. An invalid `MLP_NUM_THREADS`
    /// is said once on standard error and every core is used (as OpenMP does
    /// with a bad `OMP_NUM_THREADS`; `fit` and `evaluate` return the error).
    fn predict<'d>(&self, x: impl InputData<'d, Self::InputSamples>) -> Result<Vec<Self::Outputs>> {
        self.predict_with_batch_size(x, 32)
    }

    /// [`Predict::predict`] in batches of `batch_size` (0 counts as 1; the
    /// results do not depend on it).
    fn predict_with_batch_size<'d>(
        &self,
        x: impl InputData<'d, Self::InputSamples>,
        batch_size: usize,
    ) -> Result<Vec<Self::Outputs>> {
        let x = checked_inputs::<Self>(x)?;
        Ok(predict_model(self, &x, batch_size, threads_or_every_core()))
    }

    /// [`Predict::predict`] in batches of `batch_size` on `threads` threads
    /// (the calling one included) rather than `MLP_NUM_THREADS` or every
    /// core; the outputs are the same on any number of threads. An error for
    /// 0 or more than [`MAX_THREADS`](crate::train::MAX_THREADS) threads.
    fn predict_with_threads<'d>(
        &self,
        x: impl InputData<'d, Self::InputSamples>,
        batch_size: usize,
        threads: usize,
    ) -> Result<Vec<Self::Outputs>> {
        let threads = check_threads("threads", threads)?;
        let x = checked_inputs::<Self>(x)?;
        Ok(predict_model(self, &x, batch_size, threads))
    }

    /// MC Dropout (chapter 11): the mean of `samples` predictions of each
    /// input with every Dropout layer active (BatchNormalization keeps its
    /// moving statistics), as the book's
    /// `np.stack([model(X, training=True) for _ in range(100)]).mean(0)`.
    /// The masks depend on `seed`, the pass and the block of 64 samples
    /// only, so the result is the same on any number of threads. `samples`
    /// of 0 is an error.
    fn predict_mc_dropout<'d>(
        &self,
        x: impl InputData<'d, Self::InputSamples>,
        samples: usize,
        seed: u64,
    ) -> Result<Vec<Self::Outputs>> {
        let x = checked_inputs::<Self>(x)?;
        crate::engine::mc_dropout::mc_dropout(self, &x, samples, seed, Pool::default_threads()?)
    }

    /// The most probable class of each sample: the argmax of its outputs
    /// (the first on ties), or for a single output value, 1 if it is above
    /// 0.5 (Keras's former `predict_classes`). For a model with one output
    /// (every chain); a graph's other outputs:
    /// [`Predict::predict_output_classes`].
    fn predict_classes<'d>(&self, x: impl InputData<'d, Self::InputSamples>) -> Result<Vec<usize>> {
        if Self::OUTPUTS.len() != 1 {
            return Err(Error::InvalidArgument {
                name: "predict_classes",
                message: format!(
                    "{} has {} outputs ({}); name the one to classify with \
                     `predict_output_classes`",
                    Self::NAME,
                    Self::OUTPUTS.len(),
                    output_names::<Self>()
                ),
            });
        }
        classes_of(self, x, 0)
    }

    /// [`Predict::predict_classes`] of the output named `output`.
    fn predict_output_classes<'d>(
        &self,
        x: impl InputData<'d, Self::InputSamples>,
        output: &str,
    ) -> Result<Vec<usize>> {
        let Some(k) = Self::OUTPUTS.iter().position(|p| p.name == output) else {
            return Err(Error::InvalidArgument {
                name: "output",
                message: format!(
                    "{} has no output `{output}`; its outputs are {}",
                    Self::NAME,
                    output_names::<Self>()
                ),
            });
        };
        classes_of(self, x, k)
    }
}

impl<M: Model> Predict for M {}

/// The outputs' names, comma-separated.
fn output_names<M: Model>() -> String {
    M::OUTPUTS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The classes of output `k`.
fn classes_of<'d, M: Model>(
    model: &M,
    x: impl InputData<'d, M::InputSamples>,
    k: usize,
) -> Result<Vec<usize>> {
    let x = checked_inputs::<M>(x)?;
    Ok(predict_map(
        model,
        &x,
        32,
        threads_or_every_core(),
        |rows| match rows[k] {
            [p] => usize::from(*p > 0.5),
            row => argmax(row),
        },
    ))
}

/// The inputs' slices, of one length (empty is allowed: no predictions;
/// NaN is too: it propagates).
fn checked_inputs<'d, M: Model>(x: impl InputData<'d, M::InputSamples>) -> Result<Vec<Rows<'d>>> {
    let x = x.columns();
    crate::train::samples_per_input::<M>("x", &x)?;
    Ok(x)
}
