//! The buffers of the batch path: a runtime batch dimension, the model's
//! plan (its nodes' values and gradients, see [`super::plan`]) and each
//! layer's scratch, sized once and reused for every batch, and the pool of
//! threads that share each product.

use super::Shared;
use super::plan::Plan;
use super::stage::{Phase, Stage};
use crate::kernels;
use crate::layer::{DenseOptions, DenseShape, LayerKind};
use crate::model::Model;
use crate::network::Network;
use crate::pool::{Pool, split};
use crate::sample::Sample;
use core::ops::Range;
use core::sync::atomic::{AtomicU32, Ordering};
use std::vec;
use std::vec::Vec;

/// Products smaller than this many multiply-adds run on one thread: handing
/// them to another costs more than it saves.
pub(super) const PARALLEL_MIN_MACS: usize = 1 << 19;

/// How many of `threads` a product of `macs` multiply-adds is split over.
pub(super) fn parts_for(threads: usize, macs: usize) -> usize {
    if macs < PARALLEL_MIN_MACS { 1 } else { threads }
}

/// Buffers for forward and backward passes of up to `capacity` samples, and
/// the threads that share each product (split along the units, so each
/// thread reads only its part of the weights).
#[derive(Debug)]
pub struct Workspace {
    pub(super) capacity: usize,
    /// One stage per layer that is not a Flatten.
    pub(super) stages: Vec<Stage>,
    /// Whether plain SGD may be folded into the backward pass ([`foldable`],
    /// and a node to fold it into: see `Plan::fold_node`).
    pub(super) foldable: bool,
    /// Each stage's scratch values ([`Stage::scratch_len`]): a Dense
    /// layer's pre-activations, a Dropout's mask, ...
    pub(super) z: Vec<Vec<f32>>,
    /// The mode of the last forward pass.
    pub(super) mode: Phase,
    /// The Dense layers with a regularizer or a constraint.
    pub(super) dense_options: Vec<(DenseShape, DenseOptions)>,
    /// The largest magnitude among the first `.0` input rows, as
    /// [`Workspace::load_rows`] measured it while they were in cache (for
    /// [`Workspace::backward_sgd`]'s bound); `None` once the input may have
    /// changed.
    pub(super) input_max: Option<(usize, f32)>,
    /// The parameters and optimizer state before an update apart from the
    /// backward pass, to roll it back (see [`Workspace::train_step`]);
    /// sized by the first such step.
    pub(super) rollback: Vec<f32>,
    /// The model's wiring and the buffers of its nodes (see [`super::plan`]).
    pub(super) plan: Plan,
    pub(super) pool: Pool,
}

/// The Dense layers of `layers` with a regularizer or a constraint.
pub(super) fn dense_options(layers: &[crate::layer::LayerInfo]) -> Vec<(DenseShape, DenseOptions)> {
    layers
        .iter()
        .filter_map(|l| match l.kind {
            LayerKind::Dense { options, .. } if options != DenseOptions::NONE => {
                Some((DenseShape::of(l)?, options))
            }
            _ => None,
        })
        .collect()
}

/// Whether plain SGD may be folded into the backward pass of `stages`: every
/// stage is a Dense layer and none has a regularizer (whose gradient is
/// added after the pass).
pub(super) fn foldable(stages: &[Stage], dense_options: &[(DenseShape, DenseOptions)]) -> bool {
    let regularized = dense_options
        .iter()
        .any(|(_, o)| o.kernel_regularizer.is_some() || o.bias_regularizer.is_some());
    !regularized && stages.iter().all(|s| s.dense().is_some())
}

impl Workspace {
    /// Buffers for model `M`, chain or graph, and batches of up to
    /// `capacity` samples, on [`Pool::default_threads`] threads
    /// (`MLP_NUM_THREADS`, else every core).
    ///
    /// # Panics
    ///
    /// Where [`Workspace::try_new`] returns an error.
    pub fn new<M: Model>(capacity: usize) -> Self {
        Self::try_new::<M>(capacity).unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`Workspace::new`]: an error for an invalid `MLP_NUM_THREADS` or
    /// a thread the operating system refuses.
    pub fn try_new<M: Model>(capacity: usize) -> crate::Result<Self> {
        Self::try_with_threads::<M>(capacity, Pool::default_threads()?)
    }

    /// As [`Workspace::new`], on `threads` threads.
    ///
    /// # Panics
    ///
    /// Where [`Workspace::try_with_threads`] returns an error.
    pub fn with_threads<M: Model>(capacity: usize, threads: usize) -> Self {
        Self::try_with_threads::<M>(capacity, threads).unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`Workspace::with_threads`]: an error for a thread count outside 1
    /// to [`MAX_THREADS`](crate::pool::MAX_THREADS) or a thread the
    /// operating system refuses ([`Pool::try_new`]). The plan is built from
    /// `M`'s nodes (see [`super::plan`]).
    pub fn try_with_threads<M: Model>(capacity: usize, threads: usize) -> crate::Result<Self> {
        let pool = Pool::try_new(threads)?;
        let layer_stages: Vec<Option<Stage>> = M::LAYERS.iter().map(Stage::of).collect();
        let plan = Plan::of::<M>(&layer_stages, capacity);
        let stages: Vec<Stage> = layer_stages.into_iter().flatten().collect();
        let dense_options = dense_options(M::LAYERS);
        let foldable = foldable(&stages, &dense_options) && plan.fold_node.is_some();
        Ok(Self {
            capacity,
            z: stages
                .iter()
                .map(|s| vec![0.0; s.scratch_len(capacity)])
                .collect(),
            stages,
            foldable,
            mode: Phase::Inference,
            dense_options,
            input_max: None,
            rollback: Vec::new(),
            plan,
            pool,
        })
    }

    /// The largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Threads that share the work.
    pub fn threads(&self) -> usize {
        self.pool.threads()
    }

    /// The Dense layers, in order.
    pub fn layers(&self) -> impl Iterator<Item = DenseShape> + '_ {
        self.stages.iter().filter_map(Stage::dense)
    }

    /// The first input's buffer for `n` samples (row-major, one row per
    /// sample; a chain's input).
    pub fn input_mut(&mut self, n: usize) -> &mut [f32] {
        self.input_max = None;
        let slot = self.plan.nodes[self.plan.inputs[0]].slot;
        &mut self.plan.values[slot.buf][..n * slot.ld]
    }

    /// Copies samples into the input buffer (at most `capacity`).
    pub fn load_inputs<N: Network>(&mut self, x: &[N::Input]) {
        let input = self.input_mut(x.len());
        for (row, sample) in input.chunks_exact_mut(N::INPUT_SIZE).zip(x) {
            sample.write_row_major(row);
        }
    }

    /// How many threads a product of `macs` multiply-adds is split over.
    pub(super) fn parts(&self, macs: usize) -> usize {
        parts_for(self.pool.threads(), macs)
    }

    /// How many threads share `items` pieces of work beside the products:
    /// only where the products of a full batch are shared too (otherwise
    /// the other threads are cold, and waking them costs more than it saves).
    pub(super) fn side_parts(&self, items: usize) -> usize {
        let shared = self.layers().any(|l| self.parts(l.macs(self.capacity)) > 1);
        if shared {
            self.pool.threads().min(items)
        } else {
            1
        }
    }

    /// Fills the first input's buffer with `n` samples (at most `capacity`):
    /// `fill(rows, buffer)` writes samples `rows` into `buffer`, row-major.
    /// Where the products are shared, so are the rows, and each thread's
    /// copies land in its own cache (the training loop also asks it to fetch
    /// the same rows of the next batch).
    pub fn load_rows(&mut self, n: usize, fill: &(dyn Fn(Range<usize>, &mut [f32]) + Sync)) {
        assert!(
            n <= self.capacity,
            "batch of {n} exceeds the workspace capacity {}",
            self.capacity
        );
        let width = self.plan.nodes[self.plan.inputs[0]].slot.ld;
        let parts = self.side_parts(n);
        let input = Shared::new(self.input_mut(n));
        let max = AtomicU32::new(0);
        self.pool.run_parts(parts, &|t| {
            if t >= parts {
                return;
            }
            let rows = split(n, parts, 1, t);
            // SAFETY: the parts' rows are disjoint and within the buffer.
            let buffer = unsafe {
                core::slice::from_raw_parts_mut(input.at(rows.start * width), rows.len() * width)
            };
            fill(rows, buffer);
            max.fetch_max(kernels::max_abs(buffer).to_bits(), Ordering::Relaxed);
        });
        self.input_max = Some((n, f32::from_bits(max.into_inner())));
    }

    /// The first output's Dense layer: its node and its stage.
    fn output_layer(&self) -> (usize, usize, DenseShape) {
        let node = self.plan.outputs[0];
        let (stage, layer) = self.plan.nodes[node]
            .dense()
            .expect("the first output is a Dense layer");
        (node, stage, layer)
    }

    /// The first output's activations of the last forward pass (a chain's
    /// output; rows as wide as its buffer's).
    pub fn output(&self, n: usize) -> &[f32] {
        let slot = self.plan.nodes[self.plan.outputs[0]].slot;
        &self.plan.values[slot.buf][..n * slot.ld]
    }

    /// The first output layer's pre-activations of the last forward pass.
    pub fn output_logits(&self, n: usize) -> &[f32] {
        let (_, stage, layer) = self.output_layer();
        &self.z[stage][..n * layer.units]
    }

    /// The buffer the loss writes dL/dz of the (first) output layer into,
    /// beside the output activations and pre-activations it reads:
    /// `(z, a, delta)`. The output's values are packed (a chain's are).
    pub fn output_and_delta(&mut self, n: usize) -> (&[f32], &[f32], &mut [f32]) {
        let (node, stage, layer) = self.output_layer();
        let len = n * layer.units;
        let slot = self.plan.nodes[node].slot;
        assert_eq!(slot.ld, layer.units, "the first output's values are packed");
        self.plan.seeded[0] = true;
        (
            &self.z[stage][..len],
            &self.plan.values[slot.buf][slot.col..slot.col + len],
            &mut self.plan.dz[node][..len],
        )
    }
}
