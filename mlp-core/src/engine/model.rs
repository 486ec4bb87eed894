//! The batch path of any model, chain or graph: its workspace, loading a
//! batch of its inputs, its forward pass and its outputs, for the trainer
//! and `predict` to use without knowing the model's form. A chain, and a
//! graph whose nodes form a straight line, run on the straight plan (the
//! stages one after the other, plain SGD folded where the plan allows);
//! any other graph on its wired plan.

use super::Workspace;
use super::graph::OutputRow;
use super::stage::{Phase, Stage};
use crate::layer::LayerKind;
use crate::model::{Form, Model, NodeKind};
use crate::train::Rows;

impl Workspace {
    /// Buffers for model `M` and batches of up to `capacity` samples, on
    /// `threads` threads.
    ///
    /// # Panics
    ///
    /// Where [`Workspace::try_for_model`] returns an error.
    pub fn for_model<M: Model>(capacity: usize, threads: usize) -> Self {
        Self::try_for_model::<M>(capacity, threads).unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`Workspace::for_model`]: an error for a thread count outside 1 to
    /// [`MAX_THREADS`](crate::pool::MAX_THREADS) or a thread the operating
    /// system refuses ([`Pool::try_new`](crate::pool::Pool::try_new)).
    pub fn try_for_model<M: Model>(capacity: usize, threads: usize) -> crate::Result<Self> {
        if M::FORM == Form::Sequential || straight::<M>() {
            Self::chain(M::LAYERS, M::INPUTS[0].size, capacity, threads)
        } else {
            Self::try_for_graph::<M>(capacity, threads)
        }
    }

    /// Loads samples `idx` of every input (one [`Rows`] per input), asking
    /// the cache for the samples `next` of the next batch meanwhile.
    pub fn load_batch(&mut self, x: &[Rows<'_>], idx: &[usize], next: &[usize]) {
        let n = idx.len();
        if self.graph.is_some() {
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

    /// The forward pass of the first `n` loaded samples in `mode`.
    pub fn forward_model(&mut self, params: &[f32], n: usize, mode: Phase) {
        if self.graph.is_some() {
            self.graph_forward(params, n, mode);
        } else {
            self.forward_mode(params, n, mode);
        }
    }

    /// Output `port`'s row for sample `r` of the last forward pass, for its
    /// loss: the Dense layer's activation, pre-activations and activations,
    /// and the buffer the loss writes dL/dz into. The trainer checks that
    /// every output is a Dense layer before it calls this.
    pub fn output_row(&mut self, port: usize, r: usize) -> OutputRow<'_> {
        if self.graph.is_some() {
            return self
                .graph_output_row(port, r)
                .expect("every output is a Dense layer (checked by compile)");
        }
        let last = self.stages.len() - 1;
        let Stage::Dense(layer) = self.stages[last] else {
            unreachable!("a chain ends with a Dense layer (checked when the workspace is built)")
        };
        let at = r * layer.units;
        OutputRow {
            activation: layer.activation,
            z: &self.z[last][at..at + layer.units],
            a: &self.a[last][at..at + layer.units],
            delta: &mut self.delta[last][at..at + layer.units],
        }
    }

    /// Output `port`'s values for sample `r` of the last forward pass.
    pub fn output_values(&self, port: usize, r: usize) -> &[f32] {
        if self.graph.is_some() {
            return self.graph_output_value(port, r);
        }
        let last = self.stages.len() - 1;
        let units = self.stages[last].units();
        &self.a[last][r * units..(r + 1) * units]
    }
}

/// Whether model `M`'s plan is straight: one input, then each layer reading
/// the node before it, the last one a Dense layer and the one output. Such
/// a graph runs on a chain's plan (and so gets what the plan allows, such
/// as plain SGD folded into the backward pass): the fold is a property of
/// the plan, not of the form the model was declared in.
pub(crate) fn straight<M: Model>() -> bool {
    let [input, layers @ ..] = M::NODES else {
        return false;
    };
    M::INPUTS.len() == 1
        && M::OUTPUTS.len() == 1
        && input.kind == NodeKind::Input
        && layers.len() == M::LAYERS.len()
        && layers
            .iter()
            .zip(M::NODES)
            .enumerate()
            .all(|(i, (node, before))| {
                node.kind == NodeKind::Layer(i) && node.inputs == [before.name]
            })
        && layers.last().is_some_and(|n| n.name == M::OUTPUTS[0].node)
        && matches!(
            M::LAYERS.last().map(|l| &l.kind),
            Some(LayerKind::Dense { .. })
        )
}
