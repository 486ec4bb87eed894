//! Dense on the batch path: the share of each product that one thread of
//! the engine computes, on buffers of `n` rows (one per sample, row-major).
//!
//! The engine ([`crate::engine`]) splits every product by units among its
//! threads and calls these functions with each thread's range; they read the
//! weights in place in Keras's layout through the crate's GEMM kernels.

use crate::activation::ActivationKind;
use crate::engine::Shared;
use crate::kernels::{self, Operand, Product};
use crate::layer::{LayerInfo, LayerKind};
use core::ops::Range;

/// One Dense layer as the batch path sees it: where its weights are in the
/// flat parameters, its sizes and its activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DenseShape {
    /// Offset of the kernel in the flat parameters (the bias follows it).
    pub offset: usize,
    /// Inputs.
    pub inputs: usize,
    /// Units.
    pub units: usize,
    /// Activation.
    pub activation: ActivationKind,
}

impl DenseShape {
    /// The shape of layer `info`, if it is a Dense layer.
    pub const fn of(info: &LayerInfo) -> Option<Self> {
        match info.kind {
            LayerKind::Dense {
                inputs,
                units,
                activation,
                ..
            } => Some(Self {
                offset: info.offset,
                inputs,
                units,
                activation,
            }),
            _ => None,
        }
    }

    /// Multiply-adds of one product over `n` samples.
    pub const fn macs(&self, n: usize) -> usize {
        n * self.inputs * self.units
    }

    /// Where the bias starts in the flat parameters.
    pub const fn bias_offset(&self) -> usize {
        self.offset + self.inputs * self.units
    }

    /// The kernel, column-major `inputs x units` (one column per unit).
    pub fn kernel<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.offset..self.bias_offset()]
    }

    /// The bias.
    pub fn bias<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.bias_offset()..self.bias_offset() + self.units]
    }

    /// Whether the activation works element by element (softmax and the
    /// other row-wise ones need whole rows, so the engine applies them once
    /// the units of a row are all done).
    pub fn elementwise(&self) -> bool {
        self.activation.is_elementwise()
    }

    /// The forward pass of units `cols` of `n` rows: `z = bias + x · kernel`,
    /// and `a = activation(z)` where the activation is elementwise. Row `r`
    /// of the input starts at `input[r * input_ld]` and row `r` of `a` at
    /// `a[r * a_ld]` (a chain's buffers are packed: `inputs` and `units`; a
    /// graph's may be columns of a wider buffer, a `Concatenate`'s).
    ///
    /// # Safety
    /// `z` holds `n` rows of `units` values and `a` `n` rows of `a_ld`, and no
    /// other thread touches columns `cols` of them meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn forward_units(
        &self,
        params: &[f32],
        (input, input_ld): (&[f32], usize),
        n: usize,
        cols: Range<usize>,
        z: Shared,
        (a, a_ld): (Shared, usize),
    ) {
        let (units, width) = (self.units, cols.len());
        let (kernel, bias) = (self.kernel(params), self.bias(params));
        // SAFETY: the caller's contract; every row lies within the buffers.
        unsafe {
            for r in 0..n {
                let row = core::slice::from_raw_parts_mut(z.at(r * units + cols.start), width);
                row.copy_from_slice(&bias[cols.clone()]);
            }
            // z[r, u] += Σ_i input[r, i] · kernel[u, i] over these units `u`.
            kernels::gemm_nt(
                Product::new(n, width, self.inputs).accumulate(),
                Operand::row_major(input, input_ld),
                Operand::col_major(&kernel[cols.start * self.inputs..], self.inputs),
                z.at(cols.start),
                units,
            );
            for r in 0..n {
                let zr = core::slice::from_raw_parts(z.at(r * units + cols.start), width);
                let ar = core::slice::from_raw_parts_mut(a.at(r * a_ld + cols.start), width);
                ar.copy_from_slice(zr);
                if self.elementwise() {
                    self.activation.forward(ar);
                }
            }
        }
    }

    /// The activation of whole rows, for those that are not elementwise.
    pub fn forward_rows(&self, a: &mut [f32]) {
        if !self.elementwise() {
            for row in a.chunks_exact_mut(self.units) {
                self.activation.forward(row);
            }
        }
    }

    /// The gradients of units `rows`' kernel columns and biases over `n`
    /// samples, from `delta` (dL/dz, `n x units`) and the layer's `input`
    /// (row `r` at `input[r * input_ld]`).
    /// With `fold = Some(rate)` the kernel takes the SGD step inside the
    /// product instead of writing its gradient (the bias gradient is still
    /// written). Returns whether every gradient it wrote is finite (checked
    /// while they are in cache; not checked when folding, whose bound the
    /// caller has proven).
    ///
    /// # Safety
    /// `params` and `grads` hold the network's parameters and gradients; no
    /// other thread touches these units' gradients (nor, when folding, their
    /// kernel columns) meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn param_grads(
        &self,
        rows: Range<usize>,
        n: usize,
        delta: &[f32],
        (input, input_ld): (&[f32], usize),
        params: Shared,
        grads: Shared,
        fold: Option<crate::optim::SgdStep>,
    ) -> bool {
        let (inputs, units) = (self.inputs, self.units);
        // dKernel: stored column-major inputs x units, i.e. row-major
        // units x inputs = deltaᵀ · x; these units are its rows.
        // g[u, i] = Σ_r delta[r, u] · input[r, i].
        let product = Product::new(rows.len(), inputs, n);
        let (d, x) = (
            Operand::col_major(&delta[rows.start..], units),
            Operand::row_major(input, input_ld),
        );
        let at = self.offset + rows.start * inputs;
        // SAFETY: the caller's contract; the ranges lie within both buffers.
        unsafe {
            match fold {
                Some(step) => kernels::gemm_nn_sub(step, product, d, x, params.at(at), inputs),
                None => kernels::gemm_nn(product, d, x, grads.at(at), inputs),
            }
            let gb = core::slice::from_raw_parts_mut(
                grads.at(self.bias_offset() + rows.start),
                rows.len(),
            );
            gb.fill(0.0);
            for drow in delta.chunks_exact(units) {
                for (g, d) in gb.iter_mut().zip(&drow[rows.clone()]) {
                    *g += d;
                }
            }
            if fold.is_some() {
                return true;
            }
            let gk = core::slice::from_raw_parts(grads.at(at), rows.len() * inputs);
            kernels::all_finite(gk) && kernels::all_finite(gb)
        }
    }

    /// Columns `cols` of dL/dx, the gradient of the layer's input over `n`
    /// samples: `dx = delta · kernelᵀ`, or `dx += delta · kernelᵀ` with
    /// `accumulate` (a graph's node read by several layers sums their
    /// gradients). Row `r` of `dx` starts at `dx[r * dx_ld]`.
    ///
    /// # Safety
    /// `dx` holds `n` rows of `dx_ld` values and no other thread touches
    /// columns `cols` of it meanwhile.
    pub unsafe fn input_grad(
        &self,
        kernel: &[f32],
        delta: &[f32],
        n: usize,
        cols: Range<usize>,
        (dx, dx_ld): (Shared, usize),
        accumulate: bool,
    ) {
        let product = Product::new(n, cols.len(), self.units);
        // SAFETY: the caller's contract.
        unsafe {
            // dx[r, i] = Σ_u delta[r, u] · kernel[u, i].
            kernels::gemm_nn(
                if accumulate {
                    product.accumulate()
                } else {
                    product
                },
                Operand::row_major(delta, self.units),
                Operand::row_major(&kernel[cols.start..], self.inputs),
                dx.at(cols.start),
                dx_ld,
            );
        }
    }

    /// Turns columns `cols` of `grad` (dL/da of this layer's output, `n` rows)
    /// into dL/dz through the activation, where it is elementwise; returns
    /// the largest magnitude written (as `f32` bits, comparable as integers)
    /// when `measure`, else 0.
    ///
    /// # Safety
    /// `grad` holds `n` rows of `units` values and no other thread touches
    /// columns `cols` of it meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn activation_backward(
        &self,
        z: &[f32],
        a: &[f32],
        n: usize,
        cols: Range<usize>,
        grad: Shared,
        measure: bool,
    ) -> u32 {
        let mut max = 0_u32;
        if !self.elementwise() {
            return max;
        }
        let width = cols.len();
        for r in 0..n {
            let off = r * self.units + cols.start;
            // SAFETY: the caller's contract.
            let g = unsafe { core::slice::from_raw_parts_mut(grad.at(off), width) };
            self.activation
                .backward(&z[off..off + width], &a[off..off + width], g);
            if measure {
                max = max.max(kernels::max_abs(g).to_bits());
            }
        }
        max
    }

    /// The activation's backward over whole rows, for those that are not
    /// elementwise (softmax).
    pub fn activation_backward_rows(&self, z: &[f32], a: &[f32], grad: &mut [f32]) {
        if self.elementwise() {
            return;
        }
        let rows = grad
            .chunks_exact_mut(self.units)
            .zip(z.chunks_exact(self.units))
            .zip(a.chunks_exact(self.units));
        for ((g, z), a) in rows {
            self.activation.backward(z, a, g);
        }
    }
}
