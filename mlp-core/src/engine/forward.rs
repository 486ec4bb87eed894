//! The forward pass of a batch: each Dense product split by units among the
//! threads, the other layers on the calling thread.

use super::stage::{BatchLayer, ForwardPass, Phase, Stage, each_stage};
use super::{Shared, Workspace, parts_for};
use crate::pool::split;

impl Workspace {
    /// Runs the inference forward pass of the first `n` loaded samples;
    /// returns the output activations (`n x OUTPUT_SIZE`, row-major).
    pub fn forward(&mut self, params: &[f32], n: usize) -> &[f32] {
        self.forward_mode(params, n, Phase::Inference)
    }

    /// As [`Workspace::forward`], with Dropout and BatchNormalization in
    /// `mode` (a training step's forward pass is [`Phase::Training`]).
    pub fn forward_mode(&mut self, params: &[f32], n: usize, mode: Phase) -> &[f32] {
        assert!(
            n <= self.capacity,
            "batch of {n} exceeds the workspace capacity {}",
            self.capacity
        );
        let mut rng = mode.dropout_rng();
        let training = matches!(mode, Phase::Training { .. });
        for l in 0..self.stages.len() {
            let stage = self.stages[l];
            let (prev, rest) = self.a.split_at_mut(l);
            let input: &[f32] = if l == 0 {
                &self.input[..n * stage.inputs()]
            } else {
                &prev[l - 1][..n * stage.inputs()]
            };
            let len = n * stage.units();
            let out = &mut rest[0][..len];
            let scratch = &mut self.z[l];
            match stage {
                Stage::Dense(layer) => {
                    let parts = parts_for(self.pool.threads(), layer.macs(n));
                    let z = Shared::new(scratch);
                    let a = Shared::new(out);
                    self.pool.run_parts(parts, &|t| {
                        if t >= parts {
                            return;
                        }
                        let cols = split(layer.units, parts, 1, t);
                        if cols.is_empty() {
                            return;
                        }
                        // SAFETY: this thread owns columns `cols` of z and a
                        // (rows of `units` values, `n` rows within capacity).
                        unsafe {
                            layer.forward_units(
                                params,
                                (input, layer.inputs),
                                n,
                                cols,
                                z,
                                (a, layer.units),
                            )
                        };
                    });
                    layer.forward_rows(&mut self.a[l][..len]);
                }
                _ => stage_forward(
                    stage,
                    ForwardPass {
                        params,
                        input,
                        out,
                        scratch,
                        n,
                        capacity: self.capacity,
                        training,
                        rng: rng.as_mut(),
                    },
                ),
            }
        }
        self.mode = mode;
        self.output(n)
    }
}

/// The forward pass of a stage that is not a Dense layer, on the calling
/// thread (see [`ForwardPass`]).
pub(super) fn stage_forward(stage: Stage, pass: ForwardPass<'_>) {
    each_stage!(stage, layer => layer.batch_forward(pass), _d => {
        unreachable!("Dense layers run on the threads")
    })
}
