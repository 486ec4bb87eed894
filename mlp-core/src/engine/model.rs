//! The batch path of any model, chain or graph: its workspace, loading a
//! batch of its inputs, and its outputs, for the trainer and `predict` to
//! use without knowing the model's form: every plan is built from the
//! model's nodes, a chain's being straight (see [`super::plan`]).

use super::Workspace;
use crate::train::Rows;
use crate::{Error, Result};

/// One output's row, as its loss reads and writes it.
#[derive(Debug)]
pub struct OutputRow<'a> {
    /// The output layer's activation.
    pub activation: crate::activation::ActivationKind,
    /// Its pre-activations.
    pub z: &'a [f32],
    /// Its activations (the output's values).
    pub a: &'a [f32],
    /// Where the loss writes dL/dz.
    pub delta: &'a mut [f32],
}

impl Workspace {
    /// Loads samples `idx` of every input (one [`Rows`] per input), asking
    /// the cache for the samples `next` of the next batch meanwhile.
    pub fn load_batch(&mut self, x: &[Rows<'_>], idx: &[usize], next: &[usize]) {
        let n = idx.len();
        if !self.plan.one_packed_input() {
            for (port, rows) in x.iter().enumerate() {
                self.load_graph_input(port, n, &|r, row| rows.write_row(idx[r], row))
                    .expect("the workspace is the model's, of this capacity");
            }
            return;
        }
        let rows = &x[0];
        let width = rows.width();
        self.load_rows(n, &|range, buffer| {
            for (row, &i) in buffer.chunks_exact_mut(width).zip(&idx[range.clone()]) {
                rows.write_row(i, row);
            }
            // The shuffled samples are scattered over the data set: fetching
            // the next batch's (the rows this thread will copy) while this
            // one computes hides the memory latency.
            for &i in &next[range.start.min(next.len())..range.end.min(next.len())] {
                rows.prefetch(i);
            }
        });
    }

    /// Writes input `port`'s first `n` samples: `fill(r, row)` writes sample
    /// `r`'s values into `row`. An error if `port` is not one of the
    /// model's inputs or `n` exceeds the capacity.
    pub fn load_graph_input(
        &mut self,
        port: usize,
        n: usize,
        fill: &dyn Fn(usize, &mut [f32]),
    ) -> Result<()> {
        if n > self.capacity {
            return Err(Error::Length {
                what: "samples in one batch (the workspace's capacity)".into(),
                expected: self.capacity,
                found: n,
            });
        }
        let plan = &mut self.plan;
        let Some(&node) = plan.inputs.get(port) else {
            return Err(Error::Length {
                what: "the input's index (inputs of the graph)".into(),
                expected: plan.inputs.len(),
                found: port,
            });
        };
        self.input_max = None;
        let (slot, size) = (plan.nodes[node].slot, plan.nodes[node].size);
        let buf = &mut plan.values[slot.buf];
        for r in 0..n {
            fill(r, &mut buf[slot.at(r)..slot.at(r) + size]);
        }
        Ok(())
    }

    /// Output `port`'s values of the last forward pass, one row per sample.
    pub fn graph_output(&self, port: usize, n: usize) -> impl Iterator<Item = &[f32]> + '_ {
        (0..n).map(move |r| self.output_values(port, r))
    }

    /// Output `port`'s values for sample `r` of the last forward pass.
    pub fn output_values(&self, port: usize, r: usize) -> &[f32] {
        let node = &self.plan.nodes[self.plan.outputs[port]];
        let (slot, size) = (node.slot, node.size);
        &self.plan.values[slot.buf][slot.at(r)..slot.at(r) + size]
    }

    /// Output `port`'s rows for its loss: `(z, a, delta)` of sample `r`,
    /// the Dense layer's pre-activations and activations, and the buffer the
    /// loss writes dL/dz into. `None` if the output is not a Dense layer.
    pub fn graph_output_row(&mut self, port: usize, r: usize) -> Option<OutputRow<'_>> {
        let plan = &mut self.plan;
        let node = &plan.nodes[plan.outputs[port]];
        let (stage, layer) = node.dense()?;
        let (slot, units) = (node.slot, layer.units);
        plan.seeded[port] = true;
        let at = r * units;
        Some(OutputRow {
            activation: layer.activation,
            z: &self.z[stage][at..at + units],
            a: &plan.values[slot.buf][slot.at(r)..slot.at(r) + units],
            delta: &mut plan.dz[plan.outputs[port]][at..at + units],
        })
    }

    /// Output `port`'s row for sample `r` of the last forward pass, for its
    /// loss: the Dense layer's activation, pre-activations and activations,
    /// and the buffer the loss writes dL/dz into. The trainer checks that
    /// every output is a Dense layer before it calls this.
    pub fn output_row(&mut self, port: usize, r: usize) -> OutputRow<'_> {
        self.graph_output_row(port, r)
            .expect("every output is a Dense layer (checked by compile)")
    }
}
