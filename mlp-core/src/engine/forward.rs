//! The forward pass of a batch: each Dense product split by units among the
//! threads, the other layers on the calling thread.

use super::stage::{Mode, Stage};
use super::{Shared, Workspace, parts_for};
use crate::pool::split;

impl Workspace {
    /// Runs the inference forward pass of the first `n` loaded samples;
    /// returns the output activations (`n x OUTPUT_SIZE`, row-major).
    pub fn forward(&mut self, params: &[f32], n: usize) -> &[f32] {
        self.forward_mode(params, n, Mode::Inference)
    }

    /// As [`Workspace::forward`], with Dropout and BatchNormalization in
    /// `mode` (a training step's forward pass is [`Mode::Training`]).
    pub fn forward_mode(&mut self, params: &[f32], n: usize, mode: Mode) -> &[f32] {
        assert!(
            n <= self.capacity,
            "batch of {n} exceeds the workspace capacity {}",
            self.capacity
        );
        let mut rng = mode.dropout_rng();
        let training = matches!(mode, Mode::Training { .. });
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
                    params,
                    input,
                    out,
                    scratch,
                    n,
                    self.capacity,
                    training,
                    rng.as_mut(),
                ),
            }
        }
        self.mode = mode;
        self.output(n)
    }
}

/// The forward pass of a stage that is not a Dense layer, on the calling
/// thread: `input` and `out` hold `n` packed rows, `scratch` is the stage's
/// ([`Stage::scratch_len`] for `capacity` rows); `rng` draws the dropout
/// masks when the mode drops, and `training` says whether BatchNormalization
/// uses the batch's statistics.
#[allow(clippy::too_many_arguments)]
pub(super) fn stage_forward(
    stage: Stage,
    params: &[f32],
    input: &[f32],
    out: &mut [f32],
    scratch: &mut [f32],
    n: usize,
    capacity: usize,
    training: bool,
    rng: Option<&mut rand_chacha::ChaCha8Rng>,
) {
    let len = out.len();
    match stage {
        Stage::Dense(_) => unreachable!("Dense layers run on the threads"),
        Stage::Dropout(d) => match rng {
            Some(rng) if d.rate > 0.0 => d.forward_train(input, out, &mut scratch[..len], rng),
            _ => out.copy_from_slice(input),
        },
        Stage::BatchNorm(b) if training => {
            let (x_hat, stats) = scratch.split_at_mut(capacity * b.units);
            b.forward_train(params, input, out, &mut x_hat[..len], stats, n);
        }
        Stage::BatchNorm(b) => {
            let at = scratch.len() - b.stats_len();
            b.forward_inference(params, input, out, &mut scratch[at..]);
        }
        Stage::Activation { function, .. } => function.forward(input, out),
        Stage::PRelu(p) => p.forward(params, input, out),
    }
}
