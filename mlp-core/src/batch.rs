//! The batch path: a runtime batch dimension, products through the
//! [`crate::kernels`] GEMMs on the weights in place, buffers sized once and
//! reused for every batch (a training step in steady state allocates nothing).
//!
//! It reads the network's layer table and flat parameters, so one engine
//! serves every `network!` struct. Rows are samples (row-major `batch x width`).
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::batch::Workspace;
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

use crate::activation::ActivationKind;
use crate::kernels::{self, Operand, Product};
use crate::layer::LayerKind;
use crate::network::Network;
use crate::pool::{Pool, split};
use crate::sample::Sample;
use core::ops::Range;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::vec;
use std::vec::Vec;

/// One Dense layer as the batch path sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DenseShape {
    /// Offset of the kernel in the flat parameters.
    pub offset: usize,
    /// Inputs.
    pub inputs: usize,
    /// Units.
    pub units: usize,
    /// Activation.
    pub activation: ActivationKind,
}

impl DenseShape {
    /// The Dense layers of `N`, in order.
    pub fn of<N: Network>() -> Vec<Self> {
        N::LAYERS
            .iter()
            .filter_map(|l| match l.kind {
                LayerKind::Dense {
                    inputs,
                    units,
                    activation,
                    ..
                } => Some(Self {
                    offset: l.offset,
                    inputs,
                    units,
                    activation,
                }),
                LayerKind::Flatten { .. } => None,
            })
            .collect()
    }

    fn kernel<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.offset..self.offset + self.inputs * self.units]
    }

    fn bias<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        let start = self.offset + self.inputs * self.units;
        &params[start..start + self.units]
    }
}

/// An optimizer update over one chunk: `(params, grads, state)`.
pub type UpdateFn<'a> = dyn Fn(&mut [f32], &[f32], &mut [f32]) + Sync + 'a;

/// A pointer that may cross to the pool's threads; every phase writes
/// disjoint elements through it.
#[derive(Clone, Copy)]
struct Shared(*mut f32);
// SAFETY: used only inside `Pool::run` phases whose threads touch disjoint
// elements, and only while the buffer it points into is borrowed by the caller.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// The pointer (a method, so closures capture the whole `Shared`).
    fn ptr(self) -> *mut f32 {
        self.0
    }
}

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

/// `w -= g · rate` (as [`crate::optim::Sgd`] computes it) on the biases of
/// units `rows` of `layer`, and on their kernel columns too if `kernel`.
///
/// # Safety
/// `params` and `grads` hold the network's parameters and gradients, and no
/// other thread touches these units' meanwhile.
unsafe fn step_rows(
    params: Shared,
    grads: Shared,
    layer: DenseShape,
    rows: Range<usize>,
    rate: f32,
    kernel: bool,
) {
    let bias = layer.offset + layer.inputs * layer.units;
    let columns = if kernel {
        layer.offset + rows.start * layer.inputs..layer.offset + rows.end * layer.inputs
    } else {
        0..0
    };
    for r in [bias + rows.start..bias + rows.end, columns] {
        // SAFETY: the caller's contract; `r` lies within both buffers.
        unsafe {
            let w = std::slice::from_raw_parts_mut(params.ptr().add(r.start), r.len());
            let g = std::slice::from_raw_parts(grads.ptr().add(r.start), r.len());
            for (w, g) in w.iter_mut().zip(g) {
                *w -= g * rate;
            }
        }
    }
}

/// Whether `w - rate · g` is finite for every finite weight `w` and every
/// gradient `g` of a first layer over `n` samples whose delta and input are
/// at most `delta_max` and `x_max` in magnitude: see
/// [`Workspace::backward_sgd`]. NaN anywhere fails every comparison.
fn step_stays_finite(rate: f32, n: usize, delta_max: f32, x_max: f32) -> bool {
    let (d, x) = (f64::from(delta_max), f64::from(x_max));
    if d.is_nan() || x.is_nan() {
        return false;
    }
    let bound = n as f64 * d * x.max(1.0) * 1.01;
    bound < f64::from(f32::MAX) && f64::from(rate).abs() * bound < 2f64.powi(103)
}

/// Products smaller than this many multiply-adds run on one thread: handing
/// them to another costs more than it saves.
const PARALLEL_MIN_MACS: usize = 1 << 19;

/// How many of `threads` a product of `macs` multiply-adds is split over.
fn parts_for(threads: usize, macs: usize) -> usize {
    if macs < PARALLEL_MIN_MACS { 1 } else { threads }
}

/// Parameters per chunk of [`Workspace::update_chunks`].
pub const UPDATE_CHUNK: usize = 1 << 15;

/// Buffers for forward and backward passes of up to `capacity` samples, and
/// the threads that share each product (split along the units, so each
/// thread reads only its part of the weights).
#[derive(Debug)]
pub struct Workspace {
    capacity: usize,
    layers: Vec<DenseShape>,
    input: Vec<f32>,
    /// Pre-activations per Dense layer.
    z: Vec<Vec<f32>>,
    /// Activations per Dense layer.
    a: Vec<Vec<f32>>,
    /// dL/dz per Dense layer (the last one is written by the loss).
    delta: Vec<Vec<f32>>,
    /// The largest magnitude among the first `.0` input rows, as
    /// [`Workspace::load_rows`] measured it while they were in cache (for
    /// [`Workspace::backward_sgd`]'s bound); `None` once the input may have
    /// changed.
    input_max: Option<(usize, f32)>,
    pool: Pool,
}

impl Workspace {
    /// Buffers for network `N` and batches of up to `capacity` samples, on
    /// [`Pool::default_threads`] threads (`MLP_NUM_THREADS`, else every core).
    pub fn new<N: Network>(capacity: usize) -> Self {
        Self::with_threads::<N>(capacity, Pool::default_threads())
    }

    /// As [`Workspace::new`], on `threads` threads.
    pub fn with_threads<N: Network>(capacity: usize, threads: usize) -> Self {
        let layers = DenseShape::of::<N>();
        let per_layer = |l: &DenseShape| vec![0.0; capacity * l.units];
        Self {
            capacity,
            input: vec![0.0; capacity * N::INPUT_SIZE],
            z: layers.iter().map(per_layer).collect(),
            a: layers.iter().map(per_layer).collect(),
            delta: layers.iter().map(per_layer).collect(),
            layers,
            input_max: None,
            pool: Pool::new(threads),
        }
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
    pub fn layers(&self) -> &[DenseShape] {
        &self.layers
    }

    /// The input buffer for `n` samples (row-major, one row per sample).
    pub fn input_mut(&mut self, n: usize) -> &mut [f32] {
        self.input_max = None;
        let width = self.input.len() / self.capacity.max(1);
        &mut self.input[..n * width]
    }

    /// Copies samples into the input buffer (at most `capacity`).
    pub fn load_inputs<N: Network>(&mut self, x: &[N::Input]) {
        let input = self.input_mut(x.len());
        for (row, sample) in input.chunks_exact_mut(N::INPUT_SIZE).zip(x) {
            sample.write_row_major(row);
        }
    }

    /// How many threads a product of `macs` multiply-adds is split over.
    fn parts(&self, macs: usize) -> usize {
        parts_for(self.pool.threads(), macs)
    }

    /// How many threads share `items` pieces of work beside the products:
    /// only where the products of a full batch are shared too (otherwise
    /// the other threads are cold, and waking them costs more than it saves).
    fn side_parts(&self, items: usize) -> usize {
        let shared = self
            .layers
            .iter()
            .any(|l| self.parts(self.capacity * l.inputs * l.units) > 1);
        if shared {
            self.pool.threads().min(items)
        } else {
            1
        }
    }

    /// Fills the input buffer with `n` samples (at most `capacity`):
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
        let width = self.input.len() / self.capacity.max(1);
        let parts = self.side_parts(n);
        let input = Shared(self.input.as_mut_ptr());
        let max = AtomicU32::new(0);
        self.pool.run_parts(parts, &|t| {
            if t >= parts {
                return;
            }
            let rows = split(n, parts, 1, t);
            // SAFETY: the parts' rows are disjoint and within the buffer.
            let buffer = unsafe {
                std::slice::from_raw_parts_mut(
                    input.ptr().add(rows.start * width),
                    rows.len() * width,
                )
            };
            fill(rows, buffer);
            max.fetch_max(kernels::max_abs(buffer).to_bits(), Ordering::Relaxed);
        });
        self.input_max = Some((n, f32::from_bits(max.into_inner())));
    }

    /// Runs the forward pass of the first `n` loaded samples; returns the
    /// output activations (`n x OUTPUT_SIZE`, row-major).
    pub fn forward(&mut self, params: &[f32], n: usize) -> &[f32] {
        assert!(
            n <= self.capacity,
            "batch of {n} exceeds the workspace capacity {}",
            self.capacity
        );
        for l in 0..self.layers.len() {
            let layer = self.layers[l];
            let parts = self.parts(n * layer.inputs * layer.units);
            let (prev, rest) = self.a.split_at_mut(l);
            let input: &[f32] = if l == 0 {
                &self.input[..n * layer.inputs]
            } else {
                &prev[l - 1][..n * layer.inputs]
            };
            let z = Shared(self.z[l].as_mut_ptr());
            let a = Shared(rest[0].as_mut_ptr());
            let (units, kernel, bias) = (layer.units, layer.kernel(params), layer.bias(params));
            let elementwise = layer.activation != ActivationKind::Softmax;
            self.pool.run_parts(parts, &|t| {
                if t >= parts {
                    return;
                }
                let cols = split(units, parts, 1, t);
                if cols.is_empty() {
                    return;
                }
                let width = cols.len();
                // SAFETY: this thread owns columns `cols` of z and a (rows of
                // `units` values, `n` rows within capacity).
                unsafe {
                    for r in 0..n {
                        let row = std::slice::from_raw_parts_mut(
                            z.ptr().add(r * units + cols.start),
                            width,
                        );
                        row.copy_from_slice(&bias[cols.clone()]);
                    }
                    // z[r, u] += Σ_i input[r, i] · kernel[u, i] over this
                    // thread's units `u`.
                    kernels::gemm_nt(
                        Product::new(n, width, layer.inputs).accumulate(),
                        Operand::row_major(input, layer.inputs),
                        Operand::col_major(&kernel[cols.start * layer.inputs..], layer.inputs),
                        z.ptr().add(cols.start),
                        units,
                    );
                    for r in 0..n {
                        let zr =
                            std::slice::from_raw_parts(z.ptr().add(r * units + cols.start), width);
                        let ar = std::slice::from_raw_parts_mut(
                            a.ptr().add(r * units + cols.start),
                            width,
                        );
                        ar.copy_from_slice(zr);
                        if elementwise {
                            layer.activation.forward(ar);
                        }
                    }
                }
            });
            if !elementwise {
                for row in self.a[l][..n * units].chunks_exact_mut(units) {
                    layer.activation.forward(row);
                }
            }
        }
        self.output(n)
    }

    /// The output activations of the last forward pass.
    pub fn output(&self, n: usize) -> &[f32] {
        let last = self.layers.len() - 1;
        &self.a[last][..n * self.layers[last].units]
    }

    /// The last layer's pre-activations of the last forward pass.
    pub fn output_logits(&self, n: usize) -> &[f32] {
        let last = self.layers.len() - 1;
        &self.z[last][..n * self.layers[last].units]
    }

    /// The buffer the loss writes dL/dz of the output layer into, beside the
    /// output activations and pre-activations it reads: `(z, a, delta)`.
    pub fn output_and_delta(&mut self, n: usize) -> (&[f32], &[f32], &mut [f32]) {
        let last = self.layers.len() - 1;
        let len = n * self.layers[last].units;
        (
            &self.z[last][..len],
            &self.a[last][..len],
            &mut self.delta[last][..len],
        )
    }

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
        // SAFETY: without a rate nothing is written through the pointer.
        let outcome =
            unsafe { self.backward_impl(Shared(params.as_ptr().cast_mut()), n, grads, None) };
        outcome != Backward::NotFinite
    }

    /// As [`Workspace::backward`], and applies a plain SGD step
    /// `w -= rate · g` when every gradient is finite and the first Dense
    /// layer's step provably stays finite. That layer's kernel then takes its
    /// step inside the product of its gradient (see
    /// [`kernels::gemm_nn_sub`]), so its gradient (most of the model's) is
    /// never written, read back and checked; in the same pass each thread
    /// steps the other parameters whose gradients it wrote, while they are
    /// in its cache. The weights come out bit for bit as
    /// [`Workspace::backward`] and then the step would leave them. Nothing
    /// is written to `params` unless every gradient is finite; see
    /// [`Backward`] for what is left to do.
    ///
    /// The proof, from values the engine has at hand: each kernel gradient is
    /// a sum of `n` products, so `n · max|delta| · max(max|x|, 1)` (plus 1%
    /// for rounding) bounds it and the bias gradient. If that bound is below
    /// `f32::MAX` and `|rate|` times it below 2¹⁰³ (half the spacing of
    /// floats just under `f32::MAX`), adding the step to a finite weight
    /// cannot overflow. Otherwise (and for batches deeper than
    /// [`kernels::ONE_PASS_DEPTH`]) nothing is folded.
    pub fn backward_sgd(
        &mut self,
        params: &mut [f32],
        n: usize,
        grads: &mut [f32],
        rate: f32,
    ) -> Backward {
        assert_eq!(
            grads.len(),
            params.len(),
            "gradients are laid out as the parameters"
        );
        // SAFETY: `params` is borrowed exclusively.
        unsafe { self.backward_impl(Shared(params.as_mut_ptr()), n, grads, Some(rate)) }
    }

    /// [`Workspace::backward`] and [`Workspace::backward_sgd`].
    ///
    /// # Safety
    /// `params` points at the network's parameters, and, with a `rate`, may
    /// be written through for the whole call.
    unsafe fn backward_impl(
        &mut self,
        params: Shared,
        n: usize,
        grads: &mut [f32],
        rate: Option<f32>,
    ) -> Backward {
        let grads = Shared(grads.as_mut_ptr());
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
            let parts = self.parts(n * layer.inputs * layer.units);
            let input: &[f32] = if l == 0 {
                &self.input[..n * layer.inputs]
            } else {
                &self.a[l - 1][..n * layer.inputs]
            };
            let (lower, upper) = self.delta.split_at_mut(l);
            let delta: &[f32] = &upper[0][..n * layer.units];
            let fold = match rate {
                Some(rate) if l == 0 => {
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
                    (n <= kernels::ONE_PASS_DEPTH && step_stays_finite(rate, n, delta_max, x_max))
                        .then_some(rate)
                }
                _ => None,
            };
            // This phase writes the first layer's delta, unless a softmax
            // (whose backward needs whole rows) finishes it afterwards.
            let measure_delta =
                rate.is_some() && l == 1 && self.layers[0].activation != ActivationKind::Softmax;
            let prev = l.checked_sub(1).map(|p| {
                (
                    self.layers[p],
                    Shared(lower[p].as_mut_ptr()),
                    &self.z[p],
                    &self.a[p],
                )
            });
            let (inputs, units) = (layer.inputs, layer.units);
            // The kernel is read only to propagate to a previous layer, so
            // never the first layer's, which a folded step writes.
            let kernel: &[f32] = if l > 0 {
                // SAFETY: the layer's kernel lies within the parameters, and
                // only the first layer's is ever written.
                unsafe {
                    std::slice::from_raw_parts(params.ptr().add(layer.offset), inputs * units)
                }
            } else {
                &[]
            };
            self.pool.run_parts(parts, &|t| {
                if t >= parts {
                    return;
                }
                // dKernel: stored column-major inputs x units, i.e. row-major
                // units x inputs = deltaᵀ · x; this thread's units are its rows.
                let rows = split(units, parts, 8, t);
                if !rows.is_empty() {
                    // SAFETY: this thread owns the gradient of its units' kernel
                    // columns and biases, and with a folded step those kernel
                    // columns; `grads` has the parameters' length.
                    unsafe {
                        // g[u, i] = Σ_r delta[r, u] · input[r, i].
                        let product = Product::new(rows.len(), inputs, n);
                        let (d, x) = (
                            Operand::col_major(&delta[rows.start..], units),
                            Operand::row_major(input, inputs),
                        );
                        let at = layer.offset + rows.start * inputs;
                        match fold {
                            Some(rate) => kernels::gemm_nn_sub(
                                rate,
                                product,
                                d,
                                x,
                                params.ptr().add(at),
                                inputs,
                            ),
                            None => kernels::gemm_nn(product, d, x, grads.ptr().add(at), inputs),
                        }
                        let gb = std::slice::from_raw_parts_mut(
                            grads.ptr().add(layer.offset + inputs * units + rows.start),
                            rows.len(),
                        );
                        gb.fill(0.0);
                        for drow in delta.chunks_exact(units) {
                            for (g, d) in gb.iter_mut().zip(&drow[rows.clone()]) {
                                *g += d;
                            }
                        }
                        if let Some(rate) = fold {
                            // Finite by the bound that allowed the fold.
                            step_rows(params, grads, layer, rows.clone(), rate, false);
                        } else {
                            let gk = std::slice::from_raw_parts(
                                grads.ptr().add(at),
                                rows.len() * inputs,
                            );
                            if !(kernels::all_finite(gk) && kernels::all_finite(gb)) {
                                finite.store(false, Ordering::Relaxed);
                            }
                        }
                    }
                }
                if let Some(rate) = fold {
                    // This thread's share of every later layer's step: the
                    // rows whose gradients it wrote (even with no rows of
                    // this layer).
                    for later in later_layers {
                        let later_parts = parts_for(threads, n * later.inputs * later.units);
                        for p in (t..later_parts).step_by(parts) {
                            let rows = split(later.units, later_parts, 8, p);
                            // SAFETY: part `p` of that layer is this thread's
                            // alone, and its gradients are complete.
                            unsafe { step_rows(params, grads, *later, rows, rate, true) };
                        }
                    }
                }
                // dA(prev) = delta · kernelᵀ, this thread's columns, then
                // through the previous activation.
                if let Some((prev, da, z, a)) = prev {
                    let cols = split(inputs, parts, 8, t);
                    if cols.is_empty() {
                        return;
                    }
                    let width = cols.len();
                    // SAFETY: this thread owns columns `cols` of dA(prev).
                    unsafe {
                        // da[r, i] = Σ_u delta[r, u] · kernel[u, i].
                        kernels::gemm_nn(
                            Product::new(n, width, units),
                            Operand::row_major(delta, units),
                            Operand::row_major(&kernel[cols.start..], inputs),
                            da.ptr().add(cols.start),
                            inputs,
                        );
                        if prev.activation != ActivationKind::Softmax {
                            let mut max = 0_u32;
                            for r in 0..n {
                                let off = r * inputs + cols.start;
                                let g = std::slice::from_raw_parts_mut(da.ptr().add(off), width);
                                prev.activation.backward(
                                    &z[off..off + width],
                                    &a[off..off + width],
                                    g,
                                );
                                if measure_delta {
                                    max = max.max(kernels::max_abs(g).to_bits());
                                }
                            }
                            first_delta_max.fetch_max(max, Ordering::Relaxed);
                        }
                    }
                }
            });
            folded |= fold.is_some();
            first_delta_measured |= measure_delta;
            if l > 0 && self.layers[l - 1].activation == ActivationKind::Softmax {
                let p = self.layers[l - 1];
                let rows = self.delta[l - 1][..n * p.units].chunks_exact_mut(p.units);
                for ((g, z), a) in rows
                    .zip(self.z[l - 1].chunks_exact(p.units))
                    .zip(self.a[l - 1].chunks_exact(p.units))
                {
                    p.activation.backward(z, a, g);
                }
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

    /// Applies `update(params, grads, state)` to the parameters in chunks of
    /// [`UPDATE_CHUNK`] values, the chunks shared among the threads. `state`
    /// holds `slots` values per parameter, laid out chunk by chunk: the chunk
    /// of parameters `s..e` owns `state[slots * s..slots * e]` (its `slots`
    /// buffers back to back), which is what
    /// [`crate::optim::Optimizer::step`] expects. The layout depends only on
    /// the chunk size, never on the number of threads.
    pub fn update_chunks(
        &self,
        params: &mut [f32],
        grads: &[f32],
        state: &mut [f32],
        slots: usize,
        update: &UpdateFn<'_>,
    ) {
        assert_eq!(
            grads.len(),
            params.len(),
            "gradients are laid out as the parameters"
        );
        assert_eq!(
            state.len(),
            slots * params.len(),
            "optimizer state is `slots` values per parameter"
        );
        let len = params.len();
        let chunks = len.div_ceil(UPDATE_CHUNK);
        let parts = self.side_parts(chunks);
        let (p, s) = (Shared(params.as_mut_ptr()), Shared(state.as_mut_ptr()));
        self.pool.run_parts(parts, &|t| {
            if t >= parts {
                return;
            }
            for c in split(chunks, parts, 1, t) {
                let r = c * UPDATE_CHUNK..((c + 1) * UPDATE_CHUNK).min(len);
                // SAFETY: the chunks are disjoint and within both buffers.
                unsafe {
                    let params = std::slice::from_raw_parts_mut(p.ptr().add(r.start), r.len());
                    let state = std::slice::from_raw_parts_mut(
                        s.ptr().add(slots * r.start),
                        slots * r.len(),
                    );
                    update(params, &grads[r], state);
                }
            }
        });
    }
}

/// Samples per block in [`predict`]: a block's activations stay in cache
/// while the weights stream past them.
const PREDICT_BLOCK: usize = 64;

/// Runs `N` over many samples in batches of `batch_size` and returns one output
/// per sample (Keras's `model.predict`).
///
/// The samples are shared among [`Pool::default_threads`] threads, each
/// running whole blocks of at most `batch_size` (and at most 64) samples
/// through every layer on its own buffers. Each output depends on its own
/// sample only, so the results are the same for any batch size and thread
/// count.
pub fn predict<N: Network>(model: &N, x: &[N::Input], batch_size: usize) -> Vec<N::Output> {
    predict_rows(model, x, batch_size, N::Output::from_row_major)
}

/// As [`predict`], mapping each sample's output row (`OUTPUT_SIZE` values)
/// through `f` as it is computed.
pub fn predict_rows<N: Network, T: Send>(
    model: &N,
    x: &[N::Input],
    batch_size: usize,
    f: impl Fn(&[f32]) -> T + Sync,
) -> Vec<T> {
    let block = batch_size.clamp(1, PREDICT_BLOCK);
    let run = |x: &[N::Input]| {
        let mut ws = Workspace::with_threads::<N>(block.min(x.len()).max(1), 1);
        let mut out = Vec::with_capacity(x.len());
        for chunk in x.chunks(block) {
            ws.load_inputs::<N>(chunk);
            let y = ws.forward(model.params(), chunk.len());
            out.extend(y.chunks_exact(N::OUTPUT_SIZE).map(&f));
        }
        out
    };
    let threads = Pool::default_threads().min(x.len().div_ceil(block));
    if threads <= 1 {
        return run(x);
    }
    std::thread::scope(|scope| {
        let run = &run;
        let parts: Vec<_> = (1..threads)
            .map(|t| {
                let part = &x[split(x.len(), threads, block, t)];
                scope.spawn(move || run(part))
            })
            .collect();
        let mut out = run(&x[split(x.len(), threads, block, 0)]);
        for part in parts {
            match part.join() {
                Ok(rows) => out.extend(rows),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}
