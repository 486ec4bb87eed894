//! The batch path: a runtime batch dimension, products through
//! matrixmultiply's GEMM, buffers sized once and reused for every batch.
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
use crate::layer::LayerKind;
use crate::network::Network;
use crate::sample::Sample;
use alloc::vec;
use alloc::vec::Vec;

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

/// A matrix over a slice, with row and column strides (in elements).
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
}

impl<'a> MatRef<'a> {
    /// A row-major `rows x cols` matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols, 1)
    }

    /// A column-major `rows x cols` matrix.
    pub fn col_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, 1, rows)
    }

    /// Any layout; panics if an element would fall outside `data`.
    pub fn strided(data: &'a [f32], rows: usize, cols: usize, rs: usize, cs: usize) -> Self {
        assert!(
            rows == 0 || cols == 0 || (rows - 1) * rs + (cols - 1) * cs < data.len(),
            "matrix outside its slice"
        );
        Self {
            data,
            rows,
            cols,
            rs: rs as isize,
            cs: cs as isize,
        }
    }

    /// The transpose (a view, no copy).
    pub fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }
}

/// `c = alpha * a · b + beta * c`, with `c` row-major `a.rows x b.cols`.
pub fn gemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "inner dimensions differ");
    assert!(c.len() >= m * n, "output too small");
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: `MatRef::strided` checked that every element of `a` and `b` lies in
    // its slice; `c` holds `m * n` elements with strides (n, 1).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.rs,
            a.cs,
            b.data.as_ptr(),
            b.rs,
            b.cs,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// Buffers for forward and backward passes of up to `capacity` samples.
#[derive(Clone, Debug)]
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
}

impl Workspace {
    /// Buffers for network `N` and batches of up to `capacity` samples.
    pub fn new<N: Network>(capacity: usize) -> Self {
        let layers = DenseShape::of::<N>();
        let per_layer = |l: &DenseShape| vec![0.0; capacity * l.units];
        Self {
            capacity,
            input: vec![0.0; capacity * N::INPUT_SIZE],
            z: layers.iter().map(per_layer).collect(),
            a: layers.iter().map(per_layer).collect(),
            delta: layers.iter().map(per_layer).collect(),
            layers,
        }
    }

    /// The largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The Dense layers, in order.
    pub fn layers(&self) -> &[DenseShape] {
        &self.layers
    }

    /// The input buffer for `n` samples (row-major, one row per sample).
    pub fn input_mut(&mut self, n: usize) -> &mut [f32] {
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

    /// Runs the forward pass of the first `n` loaded samples; returns the
    /// output activations (`n x OUTPUT_SIZE`, row-major).
    pub fn forward(&mut self, params: &[f32], n: usize) -> &[f32] {
        assert!(
            n <= self.capacity,
            "batch of {n} exceeds the workspace capacity {}",
            self.capacity
        );
        for (l, layer) in self.layers.iter().enumerate() {
            let (prev, rest) = self.a.split_at_mut(l);
            let input = if l == 0 {
                &self.input[..n * layer.inputs]
            } else {
                &prev[l - 1][..n * layer.inputs]
            };
            let z = &mut self.z[l][..n * layer.units];
            // Bias first, then z += x · kernel.
            for row in z.chunks_exact_mut(layer.units) {
                row.copy_from_slice(layer.bias(params));
            }
            gemm(
                1.0,
                MatRef::row_major(input, n, layer.inputs),
                MatRef::col_major(layer.kernel(params), layer.inputs, layer.units),
                1.0,
                z,
            );
            let a = &mut rest[0][..n * layer.units];
            a.copy_from_slice(z);
            for row in a.chunks_exact_mut(layer.units) {
                layer.activation.forward(row);
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
    pub fn backward(&mut self, params: &[f32], n: usize, grads: &mut [f32]) {
        for l in (0..self.layers.len()).rev() {
            let layer = self.layers[l];
            let input = if l == 0 {
                &self.input[..n * layer.inputs]
            } else {
                &self.a[l - 1][..n * layer.inputs]
            };
            let (lower, upper) = self.delta.split_at_mut(l);
            let delta = &upper[0][..n * layer.units];
            // dKernel (inputs x units, stored column-major) = xᵀ · delta:
            // computed as its transpose, deltaᵀ · x, into a row-major units x inputs.
            let gk = &mut grads[layer.offset..layer.offset + layer.inputs * layer.units];
            gemm(
                1.0,
                MatRef::row_major(delta, n, layer.units).t(),
                MatRef::row_major(input, n, layer.inputs),
                0.0,
                gk,
            );
            let gb_start = layer.offset + layer.inputs * layer.units;
            let gb = &mut grads[gb_start..gb_start + layer.units];
            gb.fill(0.0);
            for row in delta.chunks_exact(layer.units) {
                for (g, d) in gb.iter_mut().zip(row) {
                    *g += d;
                }
            }
            if l > 0 {
                // dA(prev) = delta · kernelᵀ, then through the previous activation.
                let prev = self.layers[l - 1];
                let da = &mut lower[l - 1][..n * layer.inputs];
                gemm(
                    1.0,
                    MatRef::row_major(delta, n, layer.units),
                    MatRef::col_major(layer.kernel(params), layer.inputs, layer.units).t(),
                    0.0,
                    da,
                );
                let z = &self.z[l - 1][..n * prev.units];
                let a = &self.a[l - 1][..n * prev.units];
                for ((g, z), a) in da
                    .chunks_exact_mut(prev.units)
                    .zip(z.chunks_exact(prev.units))
                    .zip(a.chunks_exact(prev.units))
                {
                    prev.activation.backward(z, a, g);
                }
            }
        }
    }
}

/// Runs `N` over many samples in batches of `batch_size` and returns one output
/// per sample (Keras's `model.predict`).
pub fn predict<N: Network>(model: &N, x: &[N::Input], batch_size: usize) -> Vec<N::Output> {
    let batch_size = batch_size.max(1);
    let mut ws = Workspace::new::<N>(batch_size.min(x.len()).max(1));
    let mut out = Vec::with_capacity(x.len());
    for chunk in x.chunks(batch_size) {
        ws.load_inputs::<N>(chunk);
        let y = ws.forward(model.params(), chunk.len());
        out.extend(
            y.chunks_exact(N::OUTPUT_SIZE)
                .map(N::Output::from_row_major),
        );
    }
    out
}
