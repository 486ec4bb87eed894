//! A graph's `evaluate` and `predict`, and the pass over data in batches
//! that validation shares (see [`GraphTrainer`]).

use super::Logs;
use super::graph_data::{GraphData, Rows, Targets};
use super::graph_fit_loop::Trackers;
use super::graph_trainer::{GraphTrainer, OutputValues, check_inputs};
use crate::Result;
use crate::engine::{Mode, Workspace};
use crate::graph::Graph;
use crate::loss::Loss;
use crate::optim::Optimizer;

impl<G: Graph, L: Loss, O: Optimizer> GraphTrainer<'_, G, L, O> {
    /// Runs the model over the data in batches, adding losses and metrics.
    pub(super) fn evaluation_pass(
        &self,
        ws: &mut Workspace,
        (x, y): (&[Rows<'_>], &[Targets<'_, L>]),
        batch_size: usize,
        trackers: &mut Trackers,
    ) {
        let len = x[0].len();
        let params = self.model.params();
        for start in (0..len).step_by(batch_size) {
            let n = batch_size.min(len - start);
            Self::load(ws, x, |r| start + r, n);
            ws.graph_forward(params, n, Mode::Inference);
            let mut total = f64::from(ws.regularization_loss(params));
            for (k, targets) in y.iter().enumerate() {
                let loss = &self.losses[k];
                let kept = if loss.ignores_any() {
                    (start..start + n)
                        .filter(|&i| !loss.ignored(targets.target(i)))
                        .count()
                        .max(1)
                } else {
                    n
                };
                let mut sum = 0.0;
                for r in 0..n {
                    let target = targets.target(start + r);
                    let row = ws.graph_output_row(k, r).expect("outputs are Dense layers");
                    sum += f64::from(loss.loss(row.activation, row.z, row.a, target));
                    trackers.outputs[k].add_metrics(row.a, target, 1.0);
                }
                let mean = sum / kept as f64;
                trackers.outputs[k].add_batch_loss(mean, n);
                total += f64::from(self.loss_weights[k]) * mean;
            }
            trackers.total.add(total, n as f64);
        }
    }

    /// The total loss, each output's loss and metrics over `x` and `y`
    /// (Keras's `model.evaluate`): `results["loss"]`,
    /// `results["main_output_loss"]`, ... Silent; batches of 32.
    pub fn evaluate<'d>(
        &mut self,
        x: impl GraphData<'d, Rows<'d>>,
        y: impl GraphData<'d, Targets<'d, L>>,
    ) -> Result<Logs> {
        self.check_compiled(false)?;
        let (x, y) = (x.columns(), y.columns());
        let n = self.check_data("x", "y", &x, &y)?;
        let mut ws = self.graph_workspace(32.min(n))?;
        let mut trackers = Trackers::new(G::OUTPUTS.len(), &self.metrics, L::TARGET);
        self.evaluation_pass(&mut ws, (&x, &y), 32, &mut trackers);
        self.workspace = Some(ws);
        let mut logs = Logs::new();
        trackers.append_to::<G>("", &mut logs);
        Ok(logs)
    }

    /// Every output's values for one slice per input (Keras's
    /// `model.predict`), in batches of 32 shared among the threads: one
    /// [`OutputValues`] per declared output, in order.
    pub fn predict<'d>(&mut self, x: impl GraphData<'d, Rows<'d>>) -> Result<Vec<OutputValues>> {
        let x = x.columns();
        let n = check_inputs::<G>("x", &x)?;
        let mut ws = self.graph_workspace(32.min(n))?;
        let mut out: Vec<OutputValues> = G::OUTPUTS
            .iter()
            .map(|p| OutputValues {
                name: p.name,
                width: p.size,
                values: Vec::with_capacity(n * p.size),
            })
            .collect();
        for start in (0..n).step_by(32) {
            let rows = 32.min(n - start);
            Self::load(&mut ws, &x, |r| start + r, rows);
            ws.graph_forward(self.model.params(), rows, Mode::Inference);
            for (port, values) in out.iter_mut().enumerate() {
                for row in ws.graph_output(port, rows) {
                    values.values.extend_from_slice(row);
                }
            }
        }
        self.workspace = Some(ws);
        Ok(out)
    }

    /// The kept workspace if it holds `capacity` rows, else a new one.
    fn graph_workspace(&mut self, capacity: usize) -> Result<Workspace> {
        let capacity = capacity.max(1);
        Ok(match self.workspace.take() {
            Some(ws) if ws.capacity() >= capacity => ws,
            _ => Workspace::try_for_graph::<G>(capacity, crate::pool::Pool::default_threads()?)?,
        })
    }
}
