//! A graph's `fit`: the epochs, each batch's step with a loss per output,
//! validation, and the callbacks (see [`GraphTrainer`]).

use super::Logs;
use super::callbacks::{Callback, CallbackContext, ModelOps, Run};
use super::checks::{check_batch_size, check_verbose, split_point};
use super::graph_data::{GraphData, Rows, Targets};
use super::graph_fit::GraphFit;
use super::graph_trainer::GraphTrainer;
use super::progress::Progress;
use super::tracker::Tracker;
use crate::engine::{Mode, NotFinite, Workspace};
use crate::graph::Graph;
use crate::history::{History, HistoryParams};
use crate::loss::Loss;
use crate::metrics::{Metric, RunningMean};
use crate::optim::Optimizer;
use crate::{Error, Result};
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// Running means of the total loss and of each output's loss and metrics.
pub(super) struct Trackers {
    pub(super) total: RunningMean,
    pub(super) outputs: Vec<Tracker>,
}

impl Trackers {
    pub(super) fn new(outputs: usize, metrics: &[Metric], kind: crate::loss::TargetKind) -> Self {
        Self {
            total: RunningMean::default(),
            outputs: (0..outputs).map(|_| Tracker::new(metrics, kind)).collect(),
        }
    }

    fn reset(&mut self) {
        self.total.reset();
        self.outputs.iter_mut().for_each(Tracker::reset);
    }

    /// `{prefix}loss`, then each output's `{prefix}{output}_loss` and
    /// metrics (or, with one output, its metrics unprefixed).
    pub(super) fn append_to<G: Graph>(&self, prefix: &str, logs: &mut Logs) {
        logs.insert(format!("{prefix}loss"), self.total.value());
        if let [single] = self.outputs.as_slice() {
            let mut own = Logs::new();
            single.append_to(prefix, &mut own);
            for (name, value) in own.iter().skip(1) {
                logs.insert(name, value);
            }
            return;
        }
        for (port, tracker) in G::OUTPUTS.iter().zip(&self.outputs) {
            tracker.append_to(&format!("{prefix}{}_", port.name), logs);
        }
    }

    /// Overwrites the values of logs made by `append_to("")` (no allocation).
    fn write(&self, logs: &mut Logs) {
        logs.set_value(0, self.total.value());
        if let [single] = self.outputs.as_slice() {
            single.write_metrics(logs, 1);
            return;
        }
        let mut at = 1;
        for tracker in &self.outputs {
            at = tracker.write_at(logs, at);
        }
    }
}

impl<G: Graph, L: Loss, O: Optimizer> GraphTrainer<'_, G, L, O> {
    /// Trains on one slice per input and one target slice per output (see
    /// [`GraphData`]) and returns the [`History`]. Every problem with the
    /// data (a missing input or target, lengths or widths that differ, a
    /// non-finite value, a label out of range) is an error naming the input
    /// or output and both sizes, before the first step. A step whose loss or
    /// gradient is not finite is not applied: [`Error::Diverged`], the model
    /// keeping its last finite weights.
    pub fn fit<'d>(
        &mut self,
        x: impl GraphData<'d, Rows<'d>>,
        y: impl GraphData<'d, Targets<'d, L>>,
        options: GraphFit<'d, G, L>,
    ) -> Result<History> {
        check_batch_size(options.batch_size)?;
        check_verbose(options.verbose)?;
        self.check_compiled(true)?;
        let (mut x, mut y) = (x.columns(), y.columns());
        let mut n = self.check_data("x", "y", &x, &y)?;
        let mut options = options;
        match (&options.validation, options.validation_split) {
            (Some((vx, vy)), _) => {
                self.check_data("validation x", "validation y", vx, vy)?;
            }
            (None, Some(fraction)) => {
                // Keras: the last fraction, before shuffling.
                let at = split_point(fraction, n)?;
                let (x_train, x_valid) = x.iter().map(|r| r.split_at(at)).unzip();
                let (y_train, y_valid) = y.iter().map(|t| t.split_at(at)).unzip();
                (x, y, n) = (x_train, y_train, at);
                options.validation = Some((x_valid, y_valid));
            }
            (None, None) => {}
        }
        let threads = match options.threads {
            Some(t) => crate::pool::check_threads("threads", t)?,
            None => crate::pool::Pool::default_threads()?,
        };
        let vn = options.validation.as_ref().map_or(0, |(vx, _)| vx[0].len());
        let capacity = options.batch_size.min(n.max(vn)).max(1);
        let mut ws = match self.workspace.take() {
            Some(ws) if ws.capacity() >= capacity && ws.threads() == threads => ws,
            _ => Workspace::try_for_graph::<G>(capacity, threads)?,
        };
        let result = self.run(&mut ws, (&x, &y), options);
        self.workspace = Some(ws);
        result
    }

    /// The epochs, with the callbacks.
    fn run(
        &mut self,
        ws: &mut Workspace,
        (x, y): (&[Rows<'_>], &[Targets<'_, L>]),
        options: GraphFit<'_, G, L>,
    ) -> Result<History> {
        let GraphFit {
            epochs,
            batch_size,
            shuffle,
            seed,
            verbose,
            validation,
            mut callbacks,
            ..
        } = options;
        let n = x[0].len();
        let steps = n.div_ceil(batch_size);
        let mut history = History::new(HistoryParams {
            epochs,
            steps,
            samples: n,
            batch_size,
            verbose,
        });
        let params = history.params;
        let outputs = G::OUTPUTS.len();
        let mut trackers = Trackers::new(outputs, &self.metrics, L::TARGET);
        let mut val_trackers = Trackers::new(outputs, &self.metrics, L::TARGET);
        let mut batch_logs = Logs::new();
        trackers.append_to::<G>("", &mut batch_logs);
        let mut last_logs = Logs::new();
        let mut progress = Progress::new(verbose, steps, epochs);
        let mut order: Vec<usize> = (0..n).collect();
        let mut stop = false;
        self.dispatch(
            &mut callbacks,
            &params,
            &mut stop,
            (seed, &history),
            |cb, ctx| cb.on_train_begin(ctx),
        )?;
        for epoch in 0..epochs {
            self.dispatch(
                &mut callbacks,
                &params,
                &mut stop,
                (seed, &history),
                |cb, ctx| cb.on_epoch_begin(ctx, epoch),
            )?;
            progress.epoch_begin(epoch);
            trackers.reset();
            if shuffle {
                for (i, o) in order.iter_mut().enumerate() {
                    *o = i;
                }
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(epoch as u64);
                order.shuffle(&mut rng);
            }
            let mut done = 0;
            for (batch, idx) in order.chunks(batch_size).enumerate() {
                self.dispatch(
                    &mut callbacks,
                    &params,
                    &mut stop,
                    (seed, &history),
                    |cb, ctx| cb.on_batch_begin(ctx, batch),
                )?;
                let step = self.train_step(ws, (x, y), idx, &mut trackers, seed);
                trackers.write(&mut batch_logs);
                done = batch + 1;
                self.dispatch(
                    &mut callbacks,
                    &params,
                    &mut stop,
                    (seed, &history),
                    |cb, ctx| cb.on_batch_end(ctx, batch, &batch_logs),
                )?;
                if let Err((quantity, value)) = step
                    && !stop
                {
                    progress.abandon();
                    return Err(Error::Diverged {
                        epoch,
                        batch,
                        quantity,
                        value,
                        history: Box::new(history),
                    });
                }
                progress.update(done, &batch_logs);
                if stop {
                    break;
                }
            }
            let mut epoch_logs = batch_logs.clone();
            if let Some((vx, vy)) = &validation {
                val_trackers.reset();
                self.evaluation_pass(ws, (vx, vy), batch_size, &mut val_trackers);
                val_trackers.append_to::<G>("val_", &mut epoch_logs);
            }
            // Keras 3's LearningRateScheduler and ReduceLROnPlateau add the
            // rate in effect to the epoch's logs.
            if callbacks.iter().any(|c| c.logs_learning_rate()) {
                let rate = self.optimizer.learning_rate(self.iterations);
                epoch_logs.insert("learning_rate", f64::from(rate));
            }
            progress.finish(done, &epoch_logs);
            history.push_epoch(epoch, &epoch_logs.as_pairs());
            self.dispatch(
                &mut callbacks,
                &params,
                &mut stop,
                (seed, &history),
                |cb, ctx| cb.on_epoch_end(ctx, epoch, &epoch_logs),
            )?;
            last_logs = epoch_logs;
            if stop {
                break;
            }
        }
        self.dispatch(
            &mut callbacks,
            &params,
            &mut stop,
            (seed, &history),
            |cb, ctx| cb.on_train_end(ctx, &last_logs),
        )?;
        Ok(history)
    }

    /// Calls `f` on every callback with a context over the graph.
    fn dispatch(
        &mut self,
        callbacks: &mut [Box<dyn Callback<G> + '_>],
        params: &HistoryParams,
        stop: &mut bool,
        (seed, history): (u64, &History),
        mut f: impl FnMut(&mut dyn Callback<G>, &mut CallbackContext<'_, G>) -> Result<()>,
    ) -> Result<()> {
        if callbacks.is_empty() {
            return Ok(());
        }
        let mut ctx = CallbackContext::with_ops(
            self.model,
            ModelOps::graph(),
            &mut self.optimizer,
            params,
            stop,
            (&mut self.iterations, &mut self.optimizer_state),
            Run::new(&self.losses, seed, history),
        );
        for cb in callbacks {
            f(cb.as_mut(), &mut ctx)?;
        }
        Ok(())
    }

    /// Loads samples `idx` of every input into the workspace.
    pub(super) fn load(ws: &mut Workspace, x: &[Rows<'_>], idx: impl Fn(usize) -> usize, n: usize) {
        for (port, rows) in x.iter().enumerate() {
            ws.load_graph_input(port, n, &|r, row| rows.write_row(idx(r), row))
                .expect("the workspace is a graph's, of this capacity");
        }
    }

    /// One gradient step on samples `idx`. Allocates nothing.
    fn train_step(
        &mut self,
        ws: &mut Workspace,
        (x, y): (&[Rows<'_>], &[Targets<'_, L>]),
        idx: &[usize],
        trackers: &mut Trackers,
        seed: u64,
    ) -> core::result::Result<(), (&'static str, f64)> {
        let n = idx.len();
        Self::load(ws, x, |r| idx[r], n);
        let mode = Mode::Training {
            seed,
            step: self.iterations,
        };
        ws.graph_forward(self.model.params(), n, mode);
        let mut total = f64::from(ws.regularization_loss(self.model.params()));
        for (k, targets) in y.iter().enumerate() {
            let (loss, weight) = (&self.losses[k], self.loss_weights[k]);
            // Keras's `ignore_class` mask: the mean is over the samples kept.
            let kept = if loss.ignores_any() {
                idx.iter()
                    .filter(|&&i| !loss.ignored(targets.target(i)))
                    .count()
                    .max(1)
            } else {
                n
            };
            let mut sum = 0.0;
            for (r, &i) in idx.iter().enumerate() {
                let target = targets.target(i);
                let row = ws.graph_output_row(k, r).expect("outputs are Dense layers");
                let l = loss.loss_and_delta(
                    row.activation,
                    row.z,
                    row.a,
                    target,
                    weight / kept as f32,
                    row.delta,
                );
                sum += f64::from(l);
                trackers.outputs[k].add_metrics(row.a, target, 1.0);
            }
            let mean = sum / kept as f64;
            trackers.outputs[k].add_batch_loss(mean, n);
            total += f64::from(weight) * mean;
        }
        trackers.total.add(total, n as f64);
        if !total.is_finite() {
            return Err(("loss", total));
        }
        if !self.optimizer.learning_rate(self.iterations).is_finite() {
            return Err(("learning_rate", total));
        }
        let stepped = ws.train_step(
            self.model.params_mut(),
            n,
            &mut self.grads,
            &self.optimizer,
            &mut self.optimizer_state,
            self.iterations,
        );
        match stepped {
            Ok(()) => {
                self.iterations += 1;
                Ok(())
            }
            Err(NotFinite::Gradient) => Err(("gradient", total)),
            Err(NotFinite::Update) => Err(("update", total)),
        }
    }
}
