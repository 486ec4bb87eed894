//! A graph on the batch path (Keras's Functional API): the same stages,
//! threads, optimizer step and rollback as a chain, with the nodes wired by
//! name instead of one after the other, and plain SGD folded into the
//! backward pass where the plan allows it (see [`Workspace::backward_sgd`]).
//!
//! Every node's values live in a *slot*: columns `col..col + size` of a
//! buffer whose rows are `ld` values wide. A `Concatenate` owns a buffer as
//! wide as its output, and the nodes it joins (inputs, Dense layers, `Add`s,
//! `Average`s) write their values straight into their columns of it, so
//! nothing is copied; the layers that read them read those columns in place
//! (the GEMM kernels take a row stride). The gradients have the same layout,
//! so a `Concatenate`'s gradient is its sources' gradient with no copy
//! either. A node's gradient is summed over every node that reads it, in
//! reverse declaration order (a node only reads nodes declared above it).
//!
//! Only where a placement is impossible is a value copied: a node joined by
//! two `Concatenate`s, or twice by one, a `Concatenate` joined by another,
//! a layer other than Dense joined by one (it works on packed rows), and a
//! Dense layer joined beside its own input (it would write the buffer it
//! reads). A layer other than Dense whose input is not packed reads a
//! packed copy of it.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::__internal::Workspace;
//!
//! network! {
//!     struct Wide {
//!         x = Input[3];
//!         hidden = Dense<4, relu>(x);
//!         joined = Concatenate(x, hidden);
//!         output y = Dense<1>(joined);
//!     }
//! }
//!
//! let model = Wide::new(3);
//! let mut ws = Workspace::for_graph::<Wide>(2, 1);
//! let samples = [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]];
//! ws.load_graph_input(0, 2, &|r, row| row.copy_from_slice(&samples[r]))?;
//! ws.graph_forward(model.params(), 2, Phase::Inference);
//! let y = model.predict_one(&WideInputs { x: SVector::from(samples[1]) });
//! assert!((ws.graph_output(0, 2).nth(1).unwrap()[0] - y.y[0]).abs() < 1e-6);
//! # use mlp_core::__internal::Phase;
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::backward::stage_backward;
use super::fold::{later_steps_stay_finite, step_rows, step_stays_finite};
use super::forward::stage_forward;
use super::graph_plan::{GraphPlan, Op, Slot};
use super::stage::{BackwardPass, ForwardPass, Phase, Stage};
use super::workspace::{dense_options, foldable};
use super::{Backward, Shared, Workspace, parts_for};
use crate::kernels;
use crate::layer::DenseShape;
use crate::model::Model;
use crate::optim::SgdStep;
use crate::pool::{Pool, split};
use crate::{Error, Result};
use std::vec;
use std::vec::Vec;

impl Workspace {
    /// Buffers for graph `G` and batches of up to `capacity` samples, on
    /// `threads` threads (1 to [`MAX_THREADS`](crate::pool::MAX_THREADS)).
    ///
    /// # Panics
    ///
    /// Where [`Workspace::try_for_graph`] returns an error.
    pub fn for_graph<G: Model>(capacity: usize, threads: usize) -> Self {
        Self::try_for_graph::<G>(capacity, threads).unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`Workspace::for_graph`]: an error for a thread count outside 1 to
    /// [`MAX_THREADS`](crate::pool::MAX_THREADS) or a thread the operating
    /// system refuses ([`Pool::try_new`]).
    pub fn try_for_graph<G: Model>(capacity: usize, threads: usize) -> Result<Self> {
        let pool = Pool::try_new(threads)?;
        let stages: Vec<Stage> = G::LAYERS.iter().filter_map(Stage::of).collect();
        let dense_options = dense_options(G::LAYERS);
        let plan = GraphPlan::new::<G>(&stages, capacity);
        let foldable = foldable(&stages, &dense_options) && plan.fold_node.is_some();
        Ok(Self {
            capacity,
            input: Vec::new(),
            z: stages
                .iter()
                .map(|s| vec![0.0; s.scratch_len(capacity)])
                .collect(),
            a: Vec::new(),
            delta: Vec::new(),
            stages,
            foldable,
            mode: Phase::Inference,
            dense_options,
            input_max: None,
            rollback: Vec::new(),
            graph: Some(Box::new(plan)),
            pool,
        })
    }

    fn plan(&self) -> &GraphPlan {
        self.graph.as_deref().expect("a graph's workspace")
    }

    /// Writes input `port`'s first `n` samples: `fill(r, row)` writes sample
    /// `r`'s values into `row`. An error if the workspace is not a graph's,
    /// `port` is not one of its inputs or `n` exceeds the capacity.
    pub fn load_graph_input(
        &mut self,
        port: usize,
        n: usize,
        fill: &dyn Fn(usize, &mut [f32]),
    ) -> Result<()> {
        let capacity = self.capacity;
        let Some(plan) = self.graph.as_deref_mut() else {
            return Err(Error::InvalidArgument {
                name: "workspace",
                message: "is a chain's: graph inputs need `Workspace::for_graph`".into(),
            });
        };
        if n > capacity {
            return Err(Error::Length {
                what: "samples in one batch (the workspace's capacity)".into(),
                expected: capacity,
                found: n,
            });
        }
        let Some(&node) = plan.inputs.get(port) else {
            return Err(Error::Length {
                what: "the input's index (inputs of the graph)".into(),
                expected: plan.inputs.len(),
                found: port,
            });
        };
        let (slot, size) = (plan.nodes[node].slot, plan.nodes[node].size);
        let buf = &mut plan.values[slot.buf];
        for r in 0..n {
            fill(r, &mut buf[slot.at(r)..slot.at(r) + size]);
        }
        Ok(())
    }

    /// Output `port`'s values of the last forward pass, one row per sample.
    pub fn graph_output(&self, port: usize, n: usize) -> impl Iterator<Item = &[f32]> + '_ {
        let plan = self.plan();
        let node = &plan.nodes[plan.outputs[port]];
        let (slot, size) = (node.slot, node.size);
        let buf = &plan.values[slot.buf];
        (0..n).map(move |r| &buf[slot.at(r)..slot.at(r) + size])
    }

    /// Output `port`'s values for sample `r` of the last forward pass.
    pub(super) fn graph_output_value(&self, port: usize, r: usize) -> &[f32] {
        let plan = self.plan();
        let node = &plan.nodes[plan.outputs[port]];
        let (slot, size) = (node.slot, node.size);
        &plan.values[slot.buf][slot.at(r)..slot.at(r) + size]
    }

    /// Output `port`'s rows for its loss: `(z, a, delta)` of sample `r`,
    /// the Dense layer's pre-activations and activations, and the buffer the
    /// loss writes dL/dz into. `None` if the output is not a Dense layer.
    pub fn graph_output_row(&mut self, port: usize, r: usize) -> Option<OutputRow<'_>> {
        let plan = self.graph.as_deref_mut()?;
        let node = &plan.nodes[plan.outputs[port]];
        let Op::Dense { stage, layer } = node.op else {
            return None;
        };
        let (slot, units) = (node.slot, layer.units);
        plan.seeded[port] = true;
        let at = r * units;
        Some(OutputRow {
            activation: layer.activation,
            z: &self.z[stage][at..at + units],
            a: &plan.values[slot.buf][slot.at(r)..slot.at(r) + units],
            delta: &mut plan.dz[plan.outputs[port]][at..at + units],
        })
    }

    /// The forward pass of the first `n` loaded samples in `mode`.
    pub fn graph_forward(&mut self, params: &[f32], n: usize, mode: Phase) {
        assert!(n <= self.capacity, "batch of {n} exceeds the capacity");
        let mut rng = mode.dropout_rng();
        let training = matches!(mode, Phase::Training { .. });
        let capacity = self.capacity;
        let plan = self.graph.as_deref_mut().expect("a graph's workspace");
        for i in 0..plan.nodes.len() {
            let node = &plan.nodes[i];
            match &node.op {
                Op::Input => {}
                Op::Dense { stage, layer } => {
                    let (layer, out) = (*layer, node.slot);
                    let src = plan.nodes[node.sources[0]].slot;
                    let parts = parts_for(self.pool.threads(), layer.macs(n));
                    let z = Shared::new(&mut self.z[*stage]);
                    let (values_in, values_out) = two(&mut plan.values, src.buf, out.buf);
                    let input = &values_in[src.col..];
                    let a = Shared::new(&mut values_out[out.col..]);
                    self.pool.run_parts(parts, &|t| {
                        let cols = split(layer.units, parts, 1, t);
                        if t >= parts || cols.is_empty() {
                            return;
                        }
                        // SAFETY: this thread owns columns `cols` of z and
                        // of the node's slot; the input is another buffer.
                        unsafe {
                            layer.forward_units(params, (input, src.ld), n, cols, z, (a, out.ld))
                        };
                    });
                    if !layer.elementwise() {
                        let buf = &mut plan.values[out.buf];
                        for r in 0..n {
                            layer.forward_rows(&mut buf[out.at(r)..out.at(r) + layer.units]);
                        }
                    }
                }
                Op::Other { stage } => {
                    let stage_ix = *stage;
                    let stage = self.stages[stage_ix];
                    let src = &plan.nodes[node.sources[0]];
                    let (src_slot, width) = (src.slot, src.size);
                    let packed = &mut plan.packed_input[i];
                    if !packed.is_empty() {
                        gather(&plan.values[src_slot.buf], src_slot, width, n, packed);
                    }
                    let out = node.slot;
                    let (values_in, values_out) = two(&mut plan.values, src_slot.buf, out.buf);
                    let input: &[f32] = if packed.is_empty() {
                        &values_in[..n * width]
                    } else {
                        &packed[..n * width]
                    };
                    stage_forward(
                        stage,
                        ForwardPass {
                            params,
                            input,
                            out: &mut values_out[..n * node.size],
                            scratch: &mut self.z[stage_ix],
                            n,
                            capacity,
                            training,
                            rng: rng.as_mut(),
                        },
                    );
                }
                Op::Concatenate { copies } => {
                    for &(s, col) in copies {
                        let src = &plan.nodes[s];
                        let to = Slot { col, ..node.slot };
                        rows_into(&mut plan.values, (src.slot, to), src.size, n, |t, v| *t = v);
                    }
                }
                Op::Sum { mean } => {
                    let scale = if *mean {
                        1.0 / node.sources.len() as f32
                    } else {
                        1.0
                    };
                    let (out, size) = (node.slot, node.size);
                    for (k, &s) in node.sources.iter().enumerate() {
                        let from = plan.nodes[s].slot;
                        rows_into(&mut plan.values, (from, out), size, n, |t, v| {
                            *t = if k == 0 { v * scale } else { *t + v * scale };
                        });
                    }
                }
            }
        }
        plan.seeded.fill(false);
        self.mode = mode;
    }

    /// The backward pass of a graph from the dL/dz its outputs' losses
    /// wrote ([`Workspace::graph_output_row`]): every parameter's gradient
    /// into `grads`. With a `step` (given only where the plan allows it:
    /// `GraphPlan::fold_node`), plain SGD is folded in as in a chain
    /// ([`Workspace::backward_sgd`]): in the phase that runs last, once every
    /// other gradient is complete and finite, that node's kernel takes its
    /// step inside the product of its gradient and each thread steps the
    /// other parameters whose gradients it wrote.
    ///
    /// # Safety
    /// `params` points at the model's parameters (as many as `grads` holds),
    /// and, with a `step`, may be written through for the whole call.
    pub(super) unsafe fn graph_backward(
        &mut self,
        params: Shared,
        n: usize,
        grads: &mut [f32],
        step: Option<SgdStep>,
    ) -> Backward {
        let mut finite = true;
        let mut folded = false;
        let threads = self.pool.threads();
        let dropped = self.mode != Phase::Inference;
        let stages = &self.stages;
        let plan = self.graph.as_deref_mut().expect("a graph's workspace");
        for (buf, values) in plan.grads.iter_mut().zip(&plan.values) {
            // Rows are as wide in both.
            let len = n * (values.len() / self.capacity.max(1));
            buf[..len].fill(0.0);
        }
        let grads_len = grads.len();
        let param_grads = Shared::new(grads);
        for i in (0..plan.nodes.len()).rev() {
            let node = &plan.nodes[i];
            if !node.needs_grad && !matches!(node.op, Op::Dense { .. } | Op::Other { .. }) {
                continue;
            }
            match &node.op {
                Op::Input => {}
                Op::Dense { stage, layer } => {
                    let (layer, out, stage) = (*layer, node.slot, *stage);
                    let units = layer.units;
                    let output = plan.outputs.iter().position(|&o| o == i);
                    let seeded = output.is_some_and(|p| plan.seeded[p]);
                    // dz = the loss's dL/dz (an output) + dA through the
                    // activation (if any node reads it).
                    let dz = &mut plan.dz[i];
                    if !seeded {
                        dz[..n * units].fill(0.0);
                    }
                    if node.readers > 0 {
                        let (g, a) = (&mut plan.grads[out.buf], &plan.values[out.buf]);
                        let z = &self.z[stage];
                        for r in 0..n {
                            let g = &mut g[out.at(r)..out.at(r) + units];
                            let zr = &z[r * units..(r + 1) * units];
                            layer
                                .activation
                                .backward(zr, &a[out.at(r)..out.at(r) + units], g);
                            for (d, v) in dz[r * units..(r + 1) * units].iter_mut().zip(g) {
                                *d += *v;
                            }
                        }
                    }
                    let src = &plan.nodes[node.sources[0]];
                    let (src_slot, width, src_grad) = (src.slot, src.size, src.needs_grad);
                    let delta: &[f32] = &plan.dz[i][..n * units];
                    let input = &plan.values[src_slot.buf][src_slot.col..];
                    let fold = match step {
                        Some(step) if plan.fold_node == Some(i) => {
                            if !finite {
                                // Nothing has been written to the parameters yet.
                                return Backward::NotFinite;
                            }
                            // SAFETY: within the gradients; no thread writes
                            // them now.
                            let grads = unsafe {
                                core::slice::from_raw_parts(param_grads.at(0), grads_len)
                            };
                            let others_finite = others(stages, layer).all(|l| {
                                later_steps_stay_finite(
                                    step,
                                    &grads[l.offset..l.bias_offset() + l.units],
                                )
                            });
                            let x_max = rows_max(input, src_slot.ld, width, n);
                            (n <= kernels::ONE_PASS_DEPTH
                                && step_stays_finite(step, n, kernels::max_abs(delta), x_max)
                                && others_finite)
                                .then_some(step)
                        }
                        _ => None,
                    };
                    let dx = Shared::new(&mut plan.grads[src_slot.buf][src_slot.col..]);
                    // The kernel is read only for the source's gradient,
                    // which the node a step is folded into never has.
                    let kernel: &[f32] = if src_grad {
                        // SAFETY: the layer's kernel lies within the
                        // parameters, and only the fold node's is written
                        // during a phase.
                        unsafe {
                            core::slice::from_raw_parts(
                                params.at(layer.offset),
                                layer.inputs * units,
                            )
                        }
                    } else {
                        &[]
                    };
                    let parts = parts_for(threads, layer.macs(n));
                    let ok = core::sync::atomic::AtomicBool::new(true);
                    self.pool.run_parts(parts, &|t| {
                        if t >= parts {
                            return;
                        }
                        let rows = split(units, parts, 8, t);
                        if !rows.is_empty() {
                            // SAFETY: this thread owns its units' gradients,
                            // and with a folded step their kernel columns.
                            let finite = unsafe {
                                layer.param_grads(
                                    rows.clone(),
                                    n,
                                    delta,
                                    (input, src_slot.ld),
                                    params,
                                    param_grads,
                                    fold,
                                )
                            };
                            if let Some(step) = fold {
                                // Finite by the bound that allowed the fold.
                                // SAFETY: as above.
                                unsafe { step_rows(params, param_grads, layer, rows, step, false) };
                            } else if !finite {
                                ok.store(false, core::sync::atomic::Ordering::Relaxed);
                            }
                        }
                        if let Some(step) = fold {
                            // This thread's share of every other layer's
                            // step: the units whose gradients it wrote.
                            for other in others(stages, layer) {
                                let other_parts = parts_for(threads, other.macs(n));
                                for p in (t..other_parts).step_by(parts) {
                                    let rows = split(other.units, other_parts, 8, p);
                                    // SAFETY: part `p` of that layer is this
                                    // thread's alone, and its gradients are
                                    // complete.
                                    unsafe {
                                        step_rows(params, param_grads, other, rows, step, true)
                                    };
                                }
                            }
                        }
                        let cols = split(layer.inputs, parts, 8, t);
                        if src_grad && !cols.is_empty() {
                            // SAFETY: this thread owns columns `cols` of the
                            // source's gradient, another buffer than dz.
                            unsafe {
                                layer.input_grad(kernel, delta, n, cols, (dx, src_slot.ld), true)
                            };
                        }
                    });
                    finite &= ok.into_inner();
                    folded |= fold.is_some();
                }
                Op::Other { stage } => {
                    let (stage_ix, size) = (*stage, node.size);
                    let stage = self.stages[stage_ix];
                    let src = &plan.nodes[node.sources[0]];
                    let (src_slot, width, src_grad) = (src.slot, src.size, src.needs_grad);
                    let out = node.slot;
                    let packed = &plan.packed_input[i];
                    let input: &[f32] = if packed.is_empty() {
                        &plan.values[src_slot.buf][..n * width]
                    } else {
                        &packed[..n * width]
                    };
                    let delta = &plan.grads[out.buf][..n * size];
                    let dx = &mut plan.dx[i];
                    // SAFETY: no thread runs; `grads` is the caller's, and
                    // nothing is written through `params` (no step is folded
                    // into a graph with a layer other than Dense).
                    let (grads, params) = unsafe {
                        (
                            core::slice::from_raw_parts_mut(param_grads.at(0), grads_len),
                            core::slice::from_raw_parts(params.at(0), grads_len),
                        )
                    };
                    finite &= stage_backward(
                        stage,
                        BackwardPass {
                            params,
                            input,
                            scratch: &self.z[stage_ix],
                            delta,
                            dx: src_grad.then(|| &mut dx[..n * width]),
                            grads,
                            n,
                            dropped,
                        },
                    );
                    if src_grad {
                        let to = &mut plan.grads[src_slot.buf];
                        for (r, row) in dx[..n * width].chunks_exact(width).enumerate() {
                            add(&mut to[src_slot.at(r)..src_slot.at(r) + width], row);
                        }
                    }
                }
                Op::Concatenate { copies } => {
                    for &(s, col) in copies {
                        let src = &plan.nodes[s];
                        if !src.needs_grad {
                            continue;
                        }
                        let from = Slot { col, ..node.slot };
                        rows_into(&mut plan.grads, (from, src.slot), src.size, n, |t, v| {
                            *t += v
                        });
                    }
                }
                Op::Sum { mean } => {
                    let scale = if *mean {
                        1.0 / node.sources.len() as f32
                    } else {
                        1.0
                    };
                    let (from, size) = (node.slot, node.size);
                    for &s in &node.sources {
                        let src = &plan.nodes[s];
                        if !src.needs_grad {
                            continue;
                        }
                        rows_into(&mut plan.grads, (from, src.slot), size, n, |t, v| {
                            *t += v * scale
                        });
                    }
                }
            }
        }
        if folded {
            Backward::Applied
        } else if finite {
            Backward::Computed
        } else {
            Backward::NotFinite
        }
    }
}

/// The Dense layers of `stages` other than `layer`.
fn others(stages: &[Stage], layer: DenseShape) -> impl Iterator<Item = DenseShape> + '_ {
    stages
        .iter()
        .filter_map(Stage::dense)
        .filter(move |l| l.offset != layer.offset)
}

/// The largest magnitude among `n` rows of `width` values, `ld` apart, or
/// NaN if any is NaN (as [`kernels::max_abs`]).
fn rows_max(values: &[f32], ld: usize, width: usize, n: usize) -> f32 {
    let bits = (0..n)
        .map(|r| kernels::max_abs(&values[r * ld..r * ld + width]).to_bits())
        .fold(0, u32::max);
    f32::from_bits(bits)
}

/// One output's row, as its loss reads and writes it.
#[derive(Debug)]
pub struct OutputRow<'a> {
    /// The output layer's activation.
    pub activation: crate::activation::ActivationKind,
    /// Its pre-activations.
    pub z: &'a [f32],
    /// Its activations (the output's values).
    pub a: &'a [f32],
    /// Where the loss writes dL/dz.
    pub delta: &'a mut [f32],
}

/// Two different buffers of `bufs`, the first to read and the second to
/// write.
fn two(bufs: &mut [Vec<f32>], read: usize, write: usize) -> (&[f32], &mut [f32]) {
    assert_ne!(read, write, "a node never writes the buffer it reads");
    if read < write {
        let (a, b) = bufs.split_at_mut(write);
        (&a[read], &mut b[0])
    } else {
        let (a, b) = bufs.split_at_mut(read);
        (&b[0], &mut a[write])
    }
}

/// `f(to, from)` for every value of `n` rows of `width` values, from slot
/// `from` to slot `to` (of the same buffer or two: the slots' columns are
/// disjoint).
fn rows_into(
    bufs: &mut [Vec<f32>],
    (from, to): (Slot, Slot),
    width: usize,
    n: usize,
    f: impl Fn(&mut f32, f32),
) {
    if from.buf == to.buf {
        let buf = &mut bufs[to.buf];
        for r in 0..n {
            for j in 0..width {
                let v = buf[from.at(r) + j];
                f(&mut buf[to.at(r) + j], v);
            }
        }
        return;
    }
    let (a, b) = two(bufs, from.buf, to.buf);
    for r in 0..n {
        let (x, y) = (
            &a[from.at(r)..from.at(r) + width],
            &mut b[to.at(r)..to.at(r) + width],
        );
        for (t, v) in y.iter_mut().zip(x) {
            f(t, *v);
        }
    }
}

/// Copies `n` rows of `width` values at `slot` of `buf` into `packed`.
fn gather(buf: &[f32], slot: Slot, width: usize, n: usize, packed: &mut [f32]) {
    for (r, row) in packed[..n * width].chunks_exact_mut(width).enumerate() {
        row.copy_from_slice(&buf[slot.at(r)..slot.at(r) + width]);
    }
}

/// `to += from`.
fn add(to: &mut [f32], from: &[f32]) {
    for (t, f) in to.iter_mut().zip(from) {
        *t += f;
    }
}
