//! Keras's training workflow on a typed model: `compile`, then `fit`,
//! `evaluate`, `predict` and `predict_classes`, with callbacks and a
//! [`History`](crate::history::History).
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::SparseCategoricalCrossentropy;
//! use mlp_core::metrics::Metric;
//! use mlp_core::optim::Sgd;
//! use mlp_core::train::{EarlyStopping, Fit};
//!
//! network! {
//!     /// XOR.
//!     pub struct Xor { Input[2] -> Dense<8, tanh> -> Dense<2, softmax> }
//! }
//!
//! let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]].map(|[a, b]| SVector::<f32, 2>::new(a, b));
//! let y = [0_u8, 1, 1, 0];
//!
//! let mut model = Xor::new(42);
//! let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.5), [Metric::Accuracy]);
//! let history = trainer.fit(&x, &y, Fit::epochs(500).batch_size(4).verbose(0)
//!     .callback(EarlyStopping::new().monitor("loss").min_delta(1e-4).patience(5)))?;
//! let results = trainer.evaluate(&x, &y)?;
//! println!("{results}"); // loss: 0.0123 - accuracy: 1.0000
//! assert_eq!(results["accuracy"], 1.0);
//! assert_eq!(trainer.predict_classes(&x)?, [0, 1, 1, 0]);
//! assert!(history.len() > 10);
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! Loss reduction is Keras's default, `sum_over_batch_size`: a batch's loss
//! is `sum(w_i * l_i) / batch_len`, with `w_i` the sample weight times the
//! class weight (1 without them): divided by the number of samples in the
//! batch, not by the sum of the weights. Its gradient is the one applied.
//! The logged `loss` is the mean of the batch losses weighted by batch
//! length; metrics are means weighted by `w_i`.
//!
//! Progress is counted in steps (batches), as Keras 2.4+ and the book:
//! `1719/1719 [==============================] - 3s 2ms/step - loss: 0.7218 - accuracy: 0.7660`.
//!
//! Targets are typed by the loss (class indices for
//! `SparseCategoricalCrossentropy`, vectors for the others), all data is
//! checked before the first step, and the steady state of training
//! allocates nothing.

mod callbacks;
mod checks;
pub(crate) use checks::samples_per_input;
mod compile;
mod data;
mod evaluate;
mod fit;
mod fit_loop;
mod logs;
mod losses;
mod progress;
mod settings;
mod state;
mod tracker;
mod trainer;
mod weighting;

pub use crate::pool::MAX_THREADS;
#[cfg(feature = "tensorboard")]
pub use callbacks::tensorboard::{TensorBoard, UpdateFreq};
pub use callbacks::{
    BackupAndRestore, Callback, CallbackContext, CsvLogger, EarlyStopping, LearningRateScheduler,
    Mode, ModelCheckpoint, ReduceLrOnPlateau, SaveFreq, TerminateOnNaN,
};
pub use compile::{Compile, Compiled};
pub use data::{Column, InputData, Rows, TargetData, Targets};
pub use evaluate::Evaluate;
pub use fit::Fit;
pub use logs::Logs;
pub use losses::{Losses, NthLoss, OutputLoss};
pub use state::TrainingState;
pub use trainer::Trainer;
