//! The backward pass of a batch over any plan (see [`super::plan`]): each
//! Dense layer's gradients split by units among the threads, the other
//! layers on the calling thread, the nodes in reverse declaration order (a
//! node only reads nodes declared above it), and optionally plain SGD
//! folded into it (see [`super::fold`]).

use super::fold::{later_steps_stay_finite, step_rows, step_stays_finite};
use super::forward::{rows_into, two};
use super::plan::{Op, Sink, Slot};
use super::stage::{BackwardPass, BatchLayer, Phase, Stage, each_stage};
use super::{Shared, Workspace, parts_for};
use crate::kernels;
use crate::layer::DenseShape;
use crate::optim::SgdStep;
use crate::pool::split;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// What [`Workspace::backward_sgd`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backward {
    /// Some gradient is not finite; the parameters are untouched.
    NotFinite,
    /// Every gradient is finite and in `grads`; nothing was applied.
    Computed,
    /// Every gradient is finite and the whole step was applied: the kernel
    /// of the Dense layer whose phase runs last (a chain's first layer, a
    /// graph's first declared one) inside the product of its gradient
    /// (which was not written to `grads`), every other parameter from
    /// `grads`.
    Applied,
}

impl Workspace {
    /// Back-propagates the dL/dz the outputs' losses wrote (see
    /// [`Workspace::output_and_delta`] and [`Workspace::output_row`]) and
    /// writes the gradient of every parameter into `grads` (laid out as the
    /// parameters; overwritten). Returns whether every gradient is finite
    /// (each thread checks the values it wrote while they are in its cache).
    pub fn backward(&mut self, params: &[f32], n: usize, grads: &mut [f32]) -> bool {
        assert_eq!(
            grads.len(),
            params.len(),
            "gradients are laid out as the parameters"
        );
        // SAFETY: without a step nothing is written through the pointer.
        let outcome = unsafe { self.backward_impl(Shared::read_only(params), n, grads, None) };
        outcome != Backward::NotFinite
    }

    /// As [`Workspace::backward`], and applies the plain SGD `step` when
    /// every gradient is finite and the step of the fold node (a chain's
    /// first layer) provably stays finite ([`step_stays_finite`]). That
    /// layer's kernel then takes its step inside the product of its gradient
    /// (see [`kernels::gemm_nn_sub`]); in the same pass each thread steps the
    /// other parameters whose gradients it wrote, while they are in its
    /// cache. The weights come out bit for bit as [`Workspace::backward`]
    /// and then the step would leave them. Nothing is written to `params`
    /// unless every gradient is finite; see [`Backward`] for what is left to
    /// do. Batches deeper than [`kernels::ONE_PASS_DEPTH`] are not folded.
    ///
    /// A plan folds the step when every layer is a Dense layer without a
    /// regularizer, into its first declared Dense layer, whose phase runs
    /// last, when its input needs no gradient: every other gradient is then
    /// complete (a node read by several layers has summed all of them) and
    /// no phase reads a kernel again; the other layers step in that phase.
    pub fn backward_sgd(
        &mut self,
        params: &mut [f32],
        n: usize,
        grads: &mut [f32],
        step: SgdStep,
    ) -> Backward {
        assert_eq!(
            grads.len(),
            params.len(),
            "gradients are laid out as the parameters"
        );
        // SAFETY: `params` is borrowed exclusively.
        unsafe { self.backward_impl(Shared::new(params), n, grads, Some(step)) }
    }

    /// [`Workspace::backward`] and [`Workspace::backward_sgd`].
    ///
    /// # Safety
    /// `params` points at the model's parameters (as many as `grads` holds),
    /// and, with a `step`, may be written through for the whole call.
    unsafe fn backward_impl(
        &mut self,
        params: Shared,
        n: usize,
        grads: &mut [f32],
        step: Option<SgdStep>,
    ) -> Backward {
        // Plain SGD is folded only into a plan that allows it.
        let step = step.filter(|_| self.foldable);
        let mut finite = true;
        let mut folded = false;
        let threads = self.pool.threads();
        let dropped = self.mode != Phase::Inference;
        let stages = &self.stages;
        let input_max = self.input_max;
        let plan = &mut self.plan;
        for (b, buf) in plan.grads.iter_mut().enumerate() {
            if plan.clear[b] {
                buf[..n * plan.widths[b]].fill(0.0);
            }
        }
        // max|dL/dz| of the fold node, measured by the threads that write it
        // (while it is in their caches) when its reader writes it.
        let fold_delta_max = AtomicU32::new(0);
        let mut fold_delta_measured = false;
        let grads_len = grads.len();
        let param_grads = Shared::new(grads);
        for i in (0..plan.nodes.len()).rev() {
            let node = &plan.nodes[i];
            if !node.needs_grad && !matches!(node.op, Op::Dense { .. } | Op::Other { .. }) {
                continue;
            }
            match &node.op {
                Op::Input => {}
                Op::Dense { layer, .. } => {
                    let (layer, sink, s) = (*layer, node.sink, node.sources[0]);
                    let units = layer.units;
                    if !node.direct {
                        gather_dz(plan, &self.z, i, n);
                    }
                    let src = &plan.nodes[s];
                    let (src_slot, width) = (src.slot, src.size);
                    // The source's Dense layer, whose dL/dz this phase writes.
                    let prev = src.dense().filter(|_| sink == Sink::Dz);
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
                            let x_max = match input_max {
                                Some((rows, max)) if rows >= n && plan.inputs[0] == s => max,
                                _ => rows_max(input, src_slot.ld, width, n),
                            };
                            let delta = &plan.dz[i][..n * units];
                            let delta_max = if fold_delta_measured {
                                f32::from_bits(fold_delta_max.load(Ordering::Relaxed))
                            } else {
                                kernels::max_abs(delta)
                            };
                            (n <= kernels::ONE_PASS_DEPTH
                                && step_stays_finite(step, n, delta_max, x_max)
                                && others_finite)
                                .then_some(step)
                        }
                        _ => None,
                    };
                    // This phase writes the fold node's dL/dz, unless its
                    // activation (softmax) needs whole rows and finishes it
                    // afterwards.
                    let measure = step.is_some()
                        && plan.fold_node == Some(s)
                        && prev.is_some_and(|(_, p)| p.elementwise());
                    let (delta, dx, ld) = match sink {
                        Sink::None => (&plan.dz[i][..n * units], None, 0),
                        Sink::Dz => {
                            let (delta, dx) = two(&mut plan.dz, i, s);
                            (&delta[..n * units], Some(Shared::new(dx)), width)
                        }
                        Sink::Whole | Sink::Add => (
                            &plan.dz[i][..n * units],
                            Some(Shared::new(&mut plan.grads[src_slot.buf][src_slot.col..])),
                            src_slot.ld,
                        ),
                    };
                    let accumulate = sink == Sink::Add;
                    // The kernel is read only for the source's gradient,
                    // which the node a step is folded into never has.
                    let kernel: &[f32] = if dx.is_some() {
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
                    let (z_prev, a_prev): (&[f32], &[f32]) = match prev {
                        Some((stage, _)) => (&self.z[stage], &plan.values[src_slot.buf]),
                        None => (&[], &[]),
                    };
                    let parts = parts_for(threads, layer.macs(n));
                    let ok = AtomicBool::new(true);
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
                                ok.store(false, Ordering::Relaxed);
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
                        // dL/d(source) = delta · kernelᵀ, this thread's
                        // columns, then through the source's activation if
                        // this phase writes its dL/dz.
                        let Some(dx) = dx else { return };
                        let cols = split(layer.inputs, parts, 8, t);
                        if cols.is_empty() {
                            return;
                        }
                        // SAFETY: this thread owns columns `cols` of the
                        // source's gradient, another buffer than delta.
                        unsafe {
                            layer.input_grad(kernel, delta, n, cols.clone(), (dx, ld), accumulate)
                        };
                        if let Some((_, prev)) = prev {
                            // SAFETY: as above.
                            let max = unsafe {
                                prev.activation_backward(z_prev, a_prev, n, cols, dx, measure)
                            };
                            fold_delta_max.fetch_max(max, Ordering::Relaxed);
                        }
                    });
                    finite &= ok.into_inner();
                    folded |= fold.is_some();
                    fold_delta_measured |= measure;
                    if let Some((stage, prev)) = prev {
                        let len = n * prev.units;
                        prev.activation_backward_rows(
                            &self.z[stage][..len],
                            &plan.values[src_slot.buf][..len],
                            &mut plan.dz[s][..len],
                        );
                    }
                }
                Op::Other { stage } => {
                    let (stage_ix, size, sink) = (*stage, node.size, node.sink);
                    let stage = self.stages[stage_ix];
                    let s = node.sources[0];
                    let src = &plan.nodes[s];
                    let (src_slot, width) = (src.slot, src.size);
                    let prev = src.dense().filter(|_| sink == Sink::Dz);
                    let out = node.slot;
                    let packed = &plan.packed_input[i];
                    let input: &[f32] = if packed.is_empty() {
                        &plan.values[src_slot.buf][..n * width]
                    } else {
                        &packed[..n * width]
                    };
                    // SAFETY: no thread runs; `grads` is the caller's, and
                    // nothing is written through `params` (no step is folded
                    // into a plan with a layer other than Dense).
                    let (grads, params) = unsafe {
                        (
                            core::slice::from_raw_parts_mut(param_grads.at(0), grads_len),
                            core::slice::from_raw_parts(params.at(0), grads_len),
                        )
                    };
                    let (delta, dx): (&[f32], Option<&mut [f32]>) = match sink {
                        Sink::None => (&plan.grads[out.buf], None),
                        Sink::Dz => (&plan.grads[out.buf], Some(&mut plan.dz[s])),
                        Sink::Whole => {
                            let (delta, dx) = two(&mut plan.grads, out.buf, src_slot.buf);
                            (delta, Some(dx))
                        }
                        Sink::Add => (&plan.grads[out.buf], Some(&mut plan.dx[i])),
                    };
                    finite &= stage_backward(
                        stage,
                        BackwardPass {
                            params,
                            input,
                            scratch: &self.z[stage_ix],
                            delta: &delta[..n * size],
                            dx: dx.map(|d| &mut d[..n * width]),
                            grads,
                            n,
                            dropped,
                        },
                    );
                    match (sink, prev) {
                        (Sink::Dz, Some((stage, prev))) => {
                            let len = n * prev.units;
                            let (z, a) = (&self.z[stage], &plan.values[src_slot.buf]);
                            // SAFETY: one thread writes all of dL/dz.
                            unsafe {
                                prev.activation_backward(
                                    z,
                                    a,
                                    n,
                                    0..prev.units,
                                    Shared::new(&mut plan.dz[s][..len]),
                                    false,
                                )
                            };
                            prev.activation_backward_rows(
                                &z[..len],
                                &a[..len],
                                &mut plan.dz[s][..len],
                            );
                        }
                        (Sink::Add, _) => {
                            let to = &mut plan.grads[src_slot.buf];
                            let dx = &plan.dx[i];
                            for (r, row) in dx[..n * width].chunks_exact(width).enumerate() {
                                add(&mut to[src_slot.at(r)..src_slot.at(r) + width], row);
                            }
                        }
                        _ => {}
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

/// Dense node `i`'s dL/dz where no reader wrote it: the loss's (an output
/// seeded for this batch, else zero) plus dL/da through the activation, if
/// any node reads it (their gradients summed in its slot).
fn gather_dz(plan: &mut super::plan::Plan, z: &[std::vec::Vec<f32>], i: usize, n: usize) {
    let node = &plan.nodes[i];
    let Some((stage, layer)) = node.dense() else {
        return;
    };
    let (out, units) = (node.slot, layer.units);
    let output = plan.outputs.iter().position(|&o| o == i);
    let seeded = output.is_some_and(|p| plan.seeded[p]);
    let dz = &mut plan.dz[i];
    if !seeded {
        dz[..n * units].fill(0.0);
    }
    if node.readers > 0 {
        let (g, a) = (&mut plan.grads[out.buf], &plan.values[out.buf]);
        let z = &z[stage];
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
}

/// The backward pass of a stage that is not a Dense layer, on the calling
/// thread (see [`BackwardPass`]). Returns whether the gradients are finite.
fn stage_backward(stage: Stage, pass: BackwardPass<'_>) -> bool {
    each_stage!(stage, layer => layer.batch_backward(pass), _d => {
        unreachable!("Dense layers run on the threads")
    })
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
    if ld == width {
        return kernels::max_abs(&values[..n * width]);
    }
    let bits = (0..n)
        .map(|r| kernels::max_abs(&values[r * ld..r * ld + width]).to_bits())
        .fold(0, u32::max);
    f32::from_bits(bits)
}

/// `to += from`.
fn add(to: &mut [f32], from: &[f32]) {
    for (t, f) in to.iter_mut().zip(from) {
        *t += f;
    }
}
