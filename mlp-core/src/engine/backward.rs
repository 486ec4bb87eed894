//! The backward pass of a batch: each layer's gradients split by units among
//! the threads, and optionally plain SGD folded into it (see [`super::fold`]).

use super::fold::{later_steps_stay_finite, step_rows, step_stays_finite};
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
    /// Every gradient is finite and the whole step was applied: the first
    /// Dense layer's kernel inside the product of its gradient (which was
    /// not written to `grads`), every other parameter from `grads`.
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
    /// `params` points at the network's parameters, and, with a `step`, may
    /// be written through for the whole call.
    unsafe fn backward_impl(
        &mut self,
        params: Shared,
        n: usize,
        grads: &mut [f32],
        step: Option<SgdStep>,
    ) -> Backward {
        let grads = Shared::new(grads);
        let finite = AtomicBool::new(true);
        let mut folded = false;
        // max|delta| of the first layer, measured by the threads that write
        // it (while it is in their caches) when a step may be folded.
        let first_delta_max = AtomicU32::new(0);
        let mut first_delta_measured = false;
        let threads = self.pool.threads();
        let later_layers = self.layers.get(1..).unwrap_or_default();
        for l in (0..self.layers.len()).rev() {
            let layer = self.layers[l];
            let parts = self.parts(layer.macs(n));
            let input: &[f32] = if l == 0 {
                &self.input[..n * layer.inputs]
            } else {
                &self.a[l - 1][..n * layer.inputs]
            };
            let (lower, upper) = self.delta.split_at_mut(l);
            let delta: &[f32] = &upper[0][..n * layer.units];
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
                    let later_grads = match (later_layers.first(), later_layers.last()) {
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
            let measure_delta = step.is_some() && l == 1 && self.layers[0].elementwise();
            let prev = l.checked_sub(1).map(|p| {
                (
                    self.layers[p],
                    Shared::new(&mut lower[p]),
                    &self.z[p],
                    &self.a[p],
                )
            });
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
                        layer.param_grads(rows.clone(), n, delta, input, params, grads, fold)
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
                    // this layer).
                    for later in later_layers {
                        let later_parts = parts_for(threads, later.macs(n));
                        for p in (t..later_parts).step_by(parts) {
                            let rows = split(later.units, later_parts, 8, p);
                            // SAFETY: part `p` of that layer is this thread's
                            // alone, and its gradients are complete.
                            unsafe { step_rows(params, grads, *later, rows, step, true) };
                        }
                    }
                }
                // dA(prev) = delta · kernelᵀ, this thread's columns, then
                // through the previous activation.
                if let Some((prev, da, z, a)) = prev {
                    let cols = split(layer.inputs, parts, 8, t);
                    if cols.is_empty() {
                        return;
                    }
                    // SAFETY: this thread owns columns `cols` of dA(prev).
                    let max = unsafe {
                        layer.input_grad(kernel, delta, n, cols.clone(), da);
                        prev.activation_backward(z, a, n, cols, da, measure_delta)
                    };
                    first_delta_max.fetch_max(max, Ordering::Relaxed);
                }
            });
            folded |= fold.is_some();
            first_delta_measured |= measure_delta;
            if l > 0 {
                let p = self.layers[l - 1];
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
