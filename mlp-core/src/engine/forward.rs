//! The forward pass of a batch over any plan (see [`super::plan`]): each
//! Dense product split by units among the threads, the other layers on the
//! calling thread, the merges copying or adding columns where their
//! sources could not be placed in them.

use super::plan::{Op, Slot};
use super::stage::{BatchLayer, ForwardPass, Phase, Stage, each_stage};
use super::{Shared, Workspace, parts_for};
use crate::pool::split;
use std::vec::Vec;

impl Workspace {
    /// Runs the inference forward pass of the first `n` loaded samples;
    /// returns the first output's activations (`n` rows, row-major).
    pub fn forward(&mut self, params: &[f32], n: usize) -> &[f32] {
        self.forward_mode(params, n, Phase::Inference)
    }

    /// As [`Workspace::forward`], with Dropout and BatchNormalization in
    /// `mode` (a training step's forward pass is [`Phase::Training`]).
    pub fn forward_mode(&mut self, params: &[f32], n: usize, mode: Phase) -> &[f32] {
        self.forward_model(params, n, mode);
        self.output(n)
    }

    /// The forward pass of the first `n` loaded samples in `mode`.
    pub fn forward_model(&mut self, params: &[f32], n: usize, mode: Phase) {
        assert!(
            n <= self.capacity,
            "batch of {n} exceeds the workspace capacity {}",
            self.capacity
        );
        let mut rng = mode.dropout_rng();
        let training = matches!(mode, Phase::Training { .. });
        let capacity = self.capacity;
        let plan = &mut self.plan;
        for i in 0..plan.nodes.len() {
            let node = &plan.nodes[i];
            match &node.op {
                Op::Input => {}
                Op::Dense { stage, layer } => {
                    let (layer, out) = (*layer, node.slot);
                    let src = plan.nodes[node.sources[0]].slot;
                    let parts = parts_for(self.pool.threads(), layer.macs(n));
                    let z = Shared::new(&mut self.z[*stage]);
                    let (values_in, values_out) = two(&mut plan.values, src.buf, out.buf);
                    let input = &values_in[src.col..];
                    let a = Shared::new(&mut values_out[out.col..]);
                    self.pool.run_parts(parts, &|t| {
                        let cols = split(layer.units, parts, 1, t);
                        if t >= parts || cols.is_empty() {
                            return;
                        }
                        // SAFETY: this thread owns columns `cols` of z and
                        // of the node's slot; the input is another buffer.
                        unsafe {
                            layer.forward_units(params, (input, src.ld), n, cols, z, (a, out.ld))
                        };
                    });
                    if !layer.elementwise() {
                        let buf = &mut plan.values[out.buf];
                        for r in 0..n {
                            layer.forward_rows(&mut buf[out.at(r)..out.at(r) + layer.units]);
                        }
                    }
                }
                Op::Other { stage } => {
                    let stage_ix = *stage;
                    let stage = self.stages[stage_ix];
                    let src = &plan.nodes[node.sources[0]];
                    let (src_slot, width) = (src.slot, src.size);
                    let packed = &mut plan.packed_input[i];
                    if !packed.is_empty() {
                        gather(&plan.values[src_slot.buf], src_slot, width, n, packed);
                    }
                    let out = node.slot;
                    let (values_in, values_out) = two(&mut plan.values, src_slot.buf, out.buf);
                    let input: &[f32] = if packed.is_empty() {
                        &values_in[..n * width]
                    } else {
                        &packed[..n * width]
                    };
                    stage_forward(
                        stage,
                        ForwardPass {
                            params,
                            input,
                            out: &mut values_out[..n * node.size],
                            scratch: &mut self.z[stage_ix],
                            n,
                            capacity,
                            training,
                            rng: rng.as_mut(),
                        },
                    );
                }
                Op::Concatenate { copies } => {
                    for &(s, col) in copies {
                        let src = &plan.nodes[s];
                        let to = Slot { col, ..node.slot };
                        rows_into(&mut plan.values, (src.slot, to), src.size, n, |t, v| *t = v);
                    }
                }
                Op::Sum { mean } => {
                    let scale = if *mean {
                        1.0 / node.sources.len() as f32
                    } else {
                        1.0
                    };
                    let (out, size) = (node.slot, node.size);
                    for (k, &s) in node.sources.iter().enumerate() {
                        let from = plan.nodes[s].slot;
                        rows_into(&mut plan.values, (from, out), size, n, |t, v| {
                            *t = if k == 0 { v * scale } else { *t + v * scale };
                        });
                    }
                }
            }
        }
        plan.seeded.fill(false);
        self.mode = mode;
    }
}

/// The forward pass of a stage that is not a Dense layer, on the calling
/// thread (see [`ForwardPass`]).
fn stage_forward(stage: Stage, pass: ForwardPass<'_>) {
    each_stage!(stage, layer => layer.batch_forward(pass), _d => {
        unreachable!("Dense layers run on the threads")
    })
}

/// Two different buffers of `bufs`, the first to read and the second to
/// write.
pub(super) fn two(bufs: &mut [Vec<f32>], read: usize, write: usize) -> (&[f32], &mut [f32]) {
    assert_ne!(read, write, "a node never writes the buffer it reads");
    if read < write {
        let (a, b) = bufs.split_at_mut(write);
        (&a[read], &mut b[0])
    } else {
        let (a, b) = bufs.split_at_mut(read);
        (&b[0], &mut a[write])
    }
}

/// `f(to, from)` for every value of `n` rows of `width` values, from slot
/// `from` to slot `to` (of the same buffer or two: the slots' columns are
/// disjoint).
pub(super) fn rows_into(
    bufs: &mut [Vec<f32>],
    (from, to): (Slot, Slot),
    width: usize,
    n: usize,
    f: impl Fn(&mut f32, f32),
) {
    if from.buf == to.buf {
        let buf = &mut bufs[to.buf];
        for r in 0..n {
            for j in 0..width {
                let v = buf[from.at(r) + j];
                f(&mut buf[to.at(r) + j], v);
            }
        }
        return;
    }
    let (a, b) = two(bufs, from.buf, to.buf);
    for r in 0..n {
        let (x, y) = (
            &a[from.at(r)..from.at(r) + width],
            &mut b[to.at(r)..to.at(r) + width],
        );
        for (t, v) in y.iter_mut().zip(x) {
            f(t, *v);
        }
    }
}

/// Copies `n` rows of `width` values at `slot` of `buf` into `packed`.
fn gather(buf: &[f32], slot: Slot, width: usize, n: usize, packed: &mut [f32]) {
    for (r, row) in packed[..n * width].chunks_exact_mut(width).enumerate() {
        row.copy_from_slice(&buf[slot.at(r)..slot.at(r) + width]);
    }
}
