//! Plain SGD folded into the backward pass: the proof that a folded step
//! stays finite, and each thread's share of the step of the later layers.
//!
//! The kernel of the Dense layer whose backward phase runs last (a chain's
//! first layer, most of its parameters; a graph's first declared Dense
//! layer) takes its step inside the product of its gradient
//! (`kernels::gemm_nn_sub`), so that gradient is never written, read back
//! and checked; every other parameter takes the same [`SgdStep`] from its
//! gradient, by the thread that wrote it, while it is in that thread's
//! cache. A graph's other layers may sit before or after it in the
//! parameters; their gradients are all complete by that phase.

use super::Shared;
use crate::layer::DenseShape;
use crate::optim::SgdStep;
use core::ops::Range;

/// [`SgdStep::apply`] on the biases of units `rows` of `layer`, and on their
/// kernel columns too if `kernel`.
///
/// # Safety
/// `params` and `grads` hold the network's parameters and gradients, and no
/// other thread touches these units' meanwhile.
pub unsafe fn step_rows(
    params: Shared,
    grads: Shared,
    layer: DenseShape,
    rows: Range<usize>,
    step: SgdStep,
    kernel: bool,
) {
    let bias = layer.bias_offset();
    let columns = if kernel {
        layer.offset + rows.start * layer.inputs..layer.offset + rows.end * layer.inputs
    } else {
        0..0
    };
    for r in [bias + rows.start..bias + rows.end, columns] {
        // SAFETY: the caller's contract; `r` lies within both buffers.
        unsafe {
            let w = core::slice::from_raw_parts_mut(params.at(r.start), r.len());
            let g = core::slice::from_raw_parts(grads.at(r.start), r.len());
            step.apply(w, g);
        }
    }
}

/// Whether `w - rate · g` is finite for every finite weight `w` and every
/// gradient `g` of a first layer over `n` samples whose delta and input are
/// at most `delta_max` and `x_max` in magnitude. NaN anywhere fails every
/// comparison.
///
/// Each kernel gradient is a sum of `n` products, so
/// `n · max|delta| · max(max|x|, 1)` (plus 1% for rounding) bounds it and
/// the bias gradient. If that bound is below `f32::MAX` and `|rate|` times
/// it below 2¹⁰³ (half the spacing of floats just under `f32::MAX`), adding
/// the step to a finite weight cannot overflow.
pub fn step_stays_finite(step: SgdStep, n: usize, delta_max: f32, x_max: f32) -> bool {
    let (d, x) = (f64::from(delta_max), f64::from(x_max));
    if d.is_nan() || x.is_nan() {
        return false;
    }
    let bound = n as f64 * d * x.max(1.0) * 1.01;
    bound < f64::from(f32::MAX) && f64::from(step.rate).abs() * bound < 2f64.powi(103)
}

/// Whether `w - rate · g` is finite for every finite weight `w` and each of
/// `grads`, the complete gradients of the layers after the first (which a
/// folded step also steps): `|rate| · max|g|` below 2¹⁰³, as in
/// [`step_stays_finite`]. Their gradients are not bounded by the first
/// layer's: large activations (from large weights) make large gradients
/// in the next layer while the first layer's stay small.
pub fn later_steps_stay_finite(step: SgdStep, grads: &[f32]) -> bool {
    f64::from(step.rate).abs() * f64::from(crate::kernels::max_abs(grads)) < 2f64.powi(103)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_refuses_overflow_and_nan() {
        let step = SgdStep { rate: 0.01 };
        assert!(step_stays_finite(step, 32, 10.0, 1.0));
        assert!(!step_stays_finite(step, 32, f32::NAN, 1.0));
        assert!(!step_stays_finite(step, 32, 1.0, f32::INFINITY));
        assert!(!step_stays_finite(step, 32, f32::MAX, 1.0));
        assert!(!step_stays_finite(SgdStep { rate: 1e30 }, 32, 1e10, 1.0));
    }

    #[test]
    fn the_later_layers_bound_refuses_overflow_and_nan() {
        assert!(later_steps_stay_finite(
            SgdStep { rate: 0.01 },
            &[1.0, -1e30]
        ));
        assert!(!later_steps_stay_finite(
            SgdStep { rate: 1e10 },
            &[1.0, -1e30]
        ));
        assert!(!later_steps_stay_finite(
            SgdStep { rate: 0.01 },
            &[f32::NAN]
        ));
        assert!(later_steps_stay_finite(SgdStep { rate: 1e30 }, &[]));
    }
}
