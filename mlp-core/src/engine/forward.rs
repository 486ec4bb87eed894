//! The forward pass of a batch: each layer's product split by units among
//! the threads.

use super::{Shared, Workspace};
use crate::pool::split;

impl Workspace {
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
            let parts = self.parts(layer.macs(n));
            let (prev, rest) = self.a.split_at_mut(l);
            let input: &[f32] = if l == 0 {
                &self.input[..n * layer.inputs]
            } else {
                &prev[l - 1][..n * layer.inputs]
            };
            let z = Shared::new(&mut self.z[l]);
            let a = Shared::new(&mut rest[0]);
            self.pool.run_parts(parts, &|t| {
                if t >= parts {
                    return;
                }
                let cols = split(layer.units, parts, 1, t);
                if cols.is_empty() {
                    return;
                }
                // SAFETY: this thread owns columns `cols` of z and a (rows of
                // `units` values, `n` rows within capacity).
                unsafe { layer.forward_units(params, input, n, cols, z, a) };
            });
            layer.forward_rows(&mut self.a[l][..n * layer.units]);
        }
        self.output(n)
    }
}
