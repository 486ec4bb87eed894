//! The batch engine: a network's layer table and flat parameters run over a
//! runtime batch dimension, with products through the crate's GEMM kernels
//! on the weights in place and buffers sized once and reused (a training
//! step in steady state allocates nothing). One engine serves every
//! `network!` struct. Rows are samples (row-major `batch x width`).
//!
//! | file | what |
//! | --- | --- |
//! | `workspace.rs` | the buffers and the threads; loading a batch |
//! | `plan.rs` | a model's wiring from its nodes (a chain's is straight): each node's slot, a `Concatenate` as column ranges of one buffer, where each layer writes its source's gradient, the node plain SGD is folded into |
//! | `stage.rs` | one stage per layer, and the forward pass's [`Phase`] |
//! | `forward.rs` | the one forward pass, over any plan |
//! | `backward.rs` | the one backward pass, over any plan (gradients, or gradients with plain SGD folded in) |
//! | `fold.rs` | the folded SGD step: its finiteness bound and each thread's share |
//! | `update.rs` | an optimizer's update in chunks shared among the threads, rolled back whole if any value it writes is not finite |
//! | `step.rs` | one training step: the engine picks how the optimizer's update is applied |
//! | `predict.rs` | `predict`: samples shared among threads |
//! | `mc_dropout.rs` | `predict_mc_dropout`: the mean of passes with Dropout active |
//! | `model.rs` | any model's batch path (chain or graph): a batch of its inputs, its outputs |
//! | `shared.rs` | the pointer the threads write disjoint parts through |
//!
//! What each layer kind computes on the batch path lives with the layer
//! (`layer/dense/batch.rs`; every other kind implements [`BatchLayer`] in
//! its own file); the engine splits the work and orders the phases.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::__internal::Workspace;
//!
//! network! { struct Net { Input[2] -> Dense<3, relu> -> Dense<2, softmax> } }
//!
//! let model = Net::new(3);
//! let mut ws = Workspace::new::<Net>(4);
//! let x = [SVector::<f32, 2>::new(1.0, 2.0), SVector::<f32, 2>::new(-1.0, 0.5)];
//! ws.load_inputs::<Net>(&x);
//! let out = ws.forward(model.params(), x.len());
//! let one = model.predict_one(&x[1]);
//! assert!((out[2] - one[0]).abs() < 1e-6 && (out[3] - one[1]).abs() < 1e-6);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

mod backward;
mod fold;
mod forward;
pub(crate) mod mc_dropout;
mod model;
mod plan;
pub mod predict;
mod shared;
mod stage;
mod step;
mod update;
mod workspace;

pub use backward::Backward;
pub use shared::Shared;
pub use stage::{BackwardPass, BatchLayer, ForwardPass, Phase};
pub use step::NotFinite;
pub use update::{UPDATE_CHUNK, UpdateFn};
pub use workspace::Workspace;
use workspace::parts_for;
