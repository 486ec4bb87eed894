//! The backward pass of a batch: each layer's gradients split by units among
//! the threads, and optionally plain SGD folded into it (see [`super::fold`]).

use super::fold::{later_steps_stay_finite, step_rows, step_stays_finite};
use super::stage::{BackwardPass, BatchLayer, Phase, Stage, each_stage};
use super::{Shared, Workspace, parts_for};
use crate::kernels;
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
    /// Back-propagates the output layer's dL/dz (see
    /// [`Workspace::output_and_delta`]) and writes the gradient of every
    /// parameter into `grads` (laid out as the parameters; overwritten).
    /// Returns whether every gradient is finite (each thread checks the
    /// values it wrote while they are in its cache).
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
    /// every gradient is finite and the first Dense layer's step provably
    /// stays finite ([`step_stays_finite`]). That layer's kernel then takes
    /// its step inside the product of its gradient (see
    /// [`kernels::gemm_nn_sub`]); in the same pass each thread steps the
    /// other parameters whose gradients it wrote, while they are in its
    /// cache. The weights come out bit for bit as [`Workspace::backward`]
    /// and then the step would leave them. Nothing is written to `params`
    /// unless every gradient is finite; see [`Backward`] for what is left to
    /// do. Batches deeper than [`kernels::ONE_PASS_DEPTH`] are not folded.
    ///
    /// A plan folds the step when every layer is a Dense layer without a
    /// regularizer. A graph's (wired) plan folds it into its first declared
    /// Dense layer, whose phase runs last, when every other gradient is
    /// complete (a node read by several layers has summed all of them) and
    /// no phase reads a kernel again; its other layers step in that phase.
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
    /// `params` points at the network's parameters (as many as `grads`
    /// holds), and, with a `step`, may be written through for the whole call.
    unsafe fn backward_impl(
        &mut self,
        params: Shared,
        n: usize,
        grads: &mut [f32],
        step: Option<SgdStep>,
    ) -> Backward {
        // Plain SGD is folded only into a plan that allows it.
        let step = step.filter(|_| self.foldable);
        if self.graph.is_some() {
            // SAFETY: the caller's contract.
            return unsafe { self.graph_backward(params, n, grads, step) };
        }
        let len = grads.len();
        let grads = Shared::new(grads);
        let finite = AtomicBool::new(true);
        let mut folded = false;
        // max|delta| of the first layer, measured by the threads that write
        // it (while it is in their caches) when a step may be folded.
        let first_delta_max = AtomicU32::new(0);
        let mut first_delta_measured = false;
        let threads = self.pool.threads();
        let later_stages = self.stages.get(1..).unwrap_or_default();
        for l in (0..self.stages.len()).rev() {
            let stage = self.stages[l];
            let input: &[f32] = if l == 0 {
                &self.input[..n * stage.inputs()]
            } else {
                &self.a[l - 1][..n * stage.inputs()]
            };
            let (lower, upper) = self.delta.split_at_mut(l);
            let delta: &[f32] = &upper[0][..n * stage.units()];
            let prev = l.checked_sub(1).map(|p| self.stages[p]);
            let prev_dense = prev.and_then(|p| p.dense());
            let Stage::Dense(layer) = stage else {
                // SAFETY: no thread runs; the caller's contract for `params`.
                let (params, grads) = unsafe {
                    (
                        core::slice::from_raw_parts(params.at(0), len),
                        core::slice::from_raw_parts_mut(grads.at(0), len),
                    )
                };
                let dx = lower.last_mut().map(|d| &mut d[..n * stage.inputs()]);
                let dropped = self.mode != Phase::Inference;
                let pass = BackwardPass {
                    params,
                    input,
                    scratch: &self.z[l],
                    delta,
                    dx,
                    grads,
                    n,
                    dropped,
                };
                if !stage_backward(stage, pass) {
                    finite.store(false, Ordering::Relaxed);
                }
                if let Some(p) = prev_dense {
                    let units = n * p.units;
                    // SAFETY: one thread writes all of dA(prev).
                    unsafe {
                        p.activation_backward(
                            &self.z[l - 1],
                            &self.a[l - 1],
                            n,
                            0..p.units,
                            Shared::new(&mut self.delta[l - 1][..units]),
                            false,
                        )
                    };
                    p.activation_backward_rows(
                        &self.z[l - 1][..units],
                        &self.a[l - 1][..units],
                        &mut self.delta[l - 1][..units],
                    );
                }
                continue;
            };
            let parts = parts_for(threads, layer.macs(n));
            let fold = match step {
                Some(step) if l == 0 => {
                    if !finite.load(Ordering::Relaxed) {
                        // Nothing has been written to the parameters yet.
                        return Backward::NotFinite;
                    }
                    let x_max = match self.input_max {
                        Some((rows, max)) if rows >= n => max,
                        _ => kernels::max_abs(input),
                    };
                    let delta_max = if first_delta_measured {
                        f32::from_bits(first_delta_max.load(Ordering::Relaxed))
                    } else {
                        kernels::max_abs(delta)
                    };
                    // The later layers' gradients are complete here.
                    let later_grads = match (
                        later_stages.first().and_then(Stage::dense),
                        later_stages.last().and_then(Stage::dense),
                    ) {
                        (Some(first), Some(last)) => {
                            let end = last.bias_offset() + last.units;
                            // SAFETY: within the gradients; no thread writes them now.
                            unsafe {
                                core::slice::from_raw_parts(
                                    grads.at(first.offset),
                                    end - first.offset,
                                )
                            }
                        }
                        _ => &[],
                    };
                    (n <= kernels::ONE_PASS_DEPTH
                        && step_stays_finite(step, n, delta_max, x_max)
                        && later_steps_stay_finite(step, later_grads))
                    .then_some(step)
                }
                _ => None,
            };
            // This phase writes the first layer's delta, unless its
            // activation (softmax) needs whole rows and finishes it afterwards.
            let measure_delta =
                step.is_some() && l == 1 && prev_dense.is_some_and(|p| p.elementwise());
            let da = lower.last_mut().map(|d| Shared::new(d));
            // The kernel is read only to propagate to a previous layer, so
            // never the first layer's, which a folded step writes.
            let kernel: &[f32] = if l > 0 {
                // SAFETY: the layer's kernel lies within the parameters, and
                // only the first layer's is ever written.
                unsafe {
                    core::slice::from_raw_parts(params.at(layer.offset), layer.inputs * layer.units)
                }
            } else {
                &[]
            };
            let z_prev: &[f32] = l.checked_sub(1).map_or(&[], |p| &self.z[p]);
            let a_prev: &[f32] = l.checked_sub(1).map_or(&[], |p| &self.a[p]);
            self.pool.run_parts(parts, &|t| {
                if t >= parts {
                    return;
                }
                let rows = split(layer.units, parts, 8, t);
                if !rows.is_empty() {
                    // SAFETY: this thread owns the gradient of its units' kernel
                    // columns and biases, and with a folded step those kernel
                    // columns.
                    let ok = unsafe {
                        layer.param_grads(
                            rows.clone(),
                            n,
                            delta,
                            (input, layer.inputs),
                            params,
                            grads,
                            fold,
                        )
                    };
                    if let Some(step) = fold {
                        // Finite by the bound that allowed the fold.
                        // SAFETY: as above.
                        unsafe { step_rows(params, grads, layer, rows, step, false) };
                    } else if !ok {
                        finite.store(false, Ordering::Relaxed);
                    }
                }
                if let Some(step) = fold {
                    // This thread's share of every later layer's step: the
                    // rows whose gradients it wrote (even with no rows of
                    // this layer). Folding implies every stage is Dense.
                    for later in later_stages.iter().filter_map(Stage::dense) {
                        let later_parts = parts_for(threads, later.macs(n));
                        for p in (t..later_parts).step_by(parts) {
                            let rows = split(later.units, later_parts, 8, p);
                            // SAFETY: part `p` of that layer is this thread's
                            // alone, and its gradients are complete.
                            unsafe { step_rows(params, grads, later, rows, step, true) };
                        }
                    }
                }
                // dA(prev) = delta · kernelᵀ, this thread's columns, then
                // through the previous activation if it is a Dense layer's.
                if let Some(da) = da {
                    let cols = split(layer.inputs, parts, 8, t);
                    if cols.is_empty() {
                        return;
                    }
                    // SAFETY: this thread owns columns `cols` of dA(prev).
                    unsafe {
                        layer.input_grad(kernel, delta, n, cols.clone(), (da, layer.inputs), false)
                    };
                    if let Some(prev) = prev_dense {
                        // SAFETY: as above.
                        let max = unsafe {
                            prev.activation_backward(z_prev, a_prev, n, cols, da, measure_delta)
                        };
                        first_delta_max.fetch_max(max, Ordering::Relaxed);
                    }
                }
            });
            folded |= fold.is_some();
            first_delta_measured |= measure_delta;
            if let Some(p) = prev_dense {
                let len = n * p.units;
                p.activation_backward_rows(
                    &self.z[l - 1][..len],
                    &self.a[l - 1][..len],
                    &mut self.delta[l - 1][..len],
                );
            }
        }
        if folded {
            Backward::Applied
        } else if finite.into_inner() {
            Backward::Computed
        } else {
            Backward::NotFinite
        }
    }
}

/// The backward pass of a stage that is not a Dense layer, on the calling
/// thread (see [`BackwardPass`]). Returns whether the gradients are finite.
pub(super) fn stage_backward(stage: Stage, pass: BackwardPass<'_>) -> bool {
    each_stage!(stage, layer => layer.batch_backward(pass), _d => {
        unreachable!("Dense layers run on the threads")
    })
}
