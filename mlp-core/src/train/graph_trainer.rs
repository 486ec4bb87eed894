//! [`GraphTrainer`]: Keras's `compile`, `fit`, `evaluate` and `predict` for
//! a graph (the Functional API), with a loss per output and `loss_weights`.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::MeanSquaredError;
//! use mlp_core::optim::Sgd;
//! use mlp_core::train::GraphFit;
//!
//! network! {
//!     /// Two inputs, a main and an auxiliary output.
//!     pub struct WideDeep {
//!         wide = Input[2];
//!         deep = Input[3];
//!         hidden = Dense<8, relu>(deep);
//!         concat = Concatenate(wide, hidden);
//!         output main_output = Dense<1>(concat);
//!         output aux_output = Dense<1>(hidden);
//!     }
//! }
//!
//! let wide: Vec<SVector<f32, 2>> = (0..64).map(|i| SVector::from([i as f32 / 64.0, 0.5])).collect();
//! let deep: Vec<SVector<f32, 3>> = (0..64).map(|i| SVector::from([0.1, i as f32 / 32.0, -0.2])).collect();
//! let y: Vec<f32> = (0..64).map(|i| i as f32 / 16.0).collect();
//!
//! let mut model = WideDeep::new(42);
//! let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.05), []).loss_weights([0.9, 0.1]);
//! let history = trainer.fit((&wide, &deep), (&y, &y), GraphFit::epochs(30).verbose(0))?;
//! let names: Vec<&str> = history.names().collect();
//! assert_eq!(names, ["loss", "main_output_loss", "aux_output_loss"]);
//! let losses = history.get("loss").unwrap();
//! assert!(losses[29] < losses[0]);
//! let results = trainer.evaluate((&wide, &deep), (&y, &y))?;
//! let total = 0.9 * results["main_output_loss"] + 0.1 * results["aux_output_loss"];
//! assert!((results["loss"] - total).abs() < 1e-4);
//! let predictions = trainer.predict((&wide, &deep))?;
//! assert_eq!((predictions[0].name, predictions[0].rows()), ("main_output", 64));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::Logs;
use super::callbacks::{Callback, CallbackContext, Run, WeightsOf};
use super::checks::{
    check_batch_size, check_hyperparameters, check_target, check_verbose, split_point,
};
use super::graph_data::{GraphData, Rows, Targets};
use super::graph_fit::GraphFit;
use super::progress::Progress;
use super::tracker::Tracker;
use crate::engine::{Mode, NotFinite, Workspace};
use crate::graph::{Graph, NodeKind};
use crate::history::{History, HistoryParams};
use crate::layer::LayerKind;
use crate::loss::Loss;
use crate::metrics::{Metric, RunningMean};
use crate::optim::Optimizer;
use crate::{Error, Result};
use core::fmt;
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// Keras's `model.compile` on every [`Graph`]: a loss (for every output;
/// see [`GraphTrainer::output_losses`]), an optimizer and metrics (for every
/// output). In the prelude.
pub trait CompileGraph: Graph {
    /// A trainer of `self` (see [`GraphTrainer`]).
    fn compile<L: Loss, O: Optimizer>(
        &mut self,
        loss: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> GraphTrainer<'_, Self, L, O> {
        GraphTrainer::new(self, loss, optimizer, metrics)
    }
}

impl<G: Graph> CompileGraph for G {}

/// One output's predictions: `rows()` samples of `width` values.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputValues {
    /// The output's declared name.
    pub name: &'static str,
    /// Values per sample.
    pub width: usize,
    /// The values, sample after sample.
    pub values: Vec<f32>,
}

impl OutputValues {
    /// Samples.
    pub fn rows(&self) -> usize {
        self.values.len() / self.width.max(1)
    }

    /// Sample `i`'s values.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
}

/// A compiled graph: the model, borrowed for the trainer's life, a loss and
/// a loss weight per output, an optimizer and its state, metrics.
///
/// The loss `fit` minimises is `Σ_k loss_weights[k] · loss_k` (Keras's
/// default weights are 1), plus the regularizers' penalties. The History
/// names each output's loss `<output>_loss` and its metrics
/// `<output>_<metric>` when the graph has several outputs, as Keras 3 does
/// (`loss`, `main_output_loss`, `aux_output_loss`, `val_loss`, ...); with
/// one output, `loss` and `<metric>`.
pub struct GraphTrainer<'m, G: Graph, L: Loss, O: Optimizer> {
    model: &'m mut G,
    losses: Vec<L>,
    loss_weights: Vec<f32>,
    optimizer: O,
    metrics: Vec<Metric>,
    optimizer_state: Vec<f32>,
    grads: Vec<f32>,
    iterations: u64,
    workspace: Option<Workspace>,
}

/// Running means of the total loss and of each output's loss and metrics.
struct Trackers {
    total: RunningMean,
    outputs: Vec<Tracker>,
}

impl Trackers {
    fn new(outputs: usize, metrics: &[Metric], kind: crate::loss::TargetKind) -> Self {
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
    fn append_to<G: Graph>(&self, prefix: &str, logs: &mut Logs) {
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

impl<'m, G: Graph, L: Loss, O: Optimizer> GraphTrainer<'m, G, L, O> {
    /// Compiles `model` with `loss` for every output, `optimizer`, and
    /// `metrics` for every output.
    pub fn new(
        model: &'m mut G,
        loss: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> Self {
        Self {
            model,
            losses: vec![loss; G::OUTPUTS.len()],
            loss_weights: vec![1.0; G::OUTPUTS.len()],
            optimizer_state: vec![0.0; optimizer.slots() * G::PARAMS],
            optimizer,
            metrics: metrics.into_iter().collect(),
            grads: vec![0.0; G::PARAMS],
            iterations: 0,
            workspace: None,
        }
    }

    /// Keras's `loss_weights`: one weight per output, in declaration order
    /// (default 1 each). Checked by `fit` and `evaluate`: as many as
    /// outputs, each finite and at least 0.
    pub fn loss_weights(mut self, weights: impl IntoIterator<Item = f32>) -> Self {
        self.loss_weights = weights.into_iter().collect();
        self
    }

    /// A loss per output, in declaration order (Keras's `loss=(...)`), in
    /// place of the one given to `compile`. Checked by `fit` and `evaluate`.
    pub fn output_losses(mut self, losses: impl IntoIterator<Item = L>) -> Self {
        self.losses = losses.into_iter().collect();
        self
    }

    /// The model.
    pub fn model(&self) -> &G {
        self.model
    }

    /// Keras's `model.summary()` of a compiled graph: the functional table
    /// and the line "Optimizer params" (see [`Graph::summary`]).
    pub fn summary(&self) -> crate::summary::Summary {
        self.model
            .summary()
            .with_optimizer_slots(self.optimizer.slots())
    }

    /// Optimizer steps taken.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

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
            None => crate::pool::Pool::default_threads(),
        };
        let vn = options.validation.as_ref().map_or(0, |(vx, _)| vx[0].len());
        let capacity = options.batch_size.min(n.max(vn)).max(1);
        let mut ws = match self.workspace.take() {
            Some(ws) if ws.capacity() >= capacity && ws.threads() == threads => ws,
            _ => Workspace::for_graph::<G>(capacity, threads),
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
        let weights: WeightsOf<G> = (G::params, G::params_mut);
        let mut ctx = CallbackContext::with_weights(
            self.model,
            weights,
            &mut self.optimizer,
            params,
            stop,
            (&mut self.iterations, &mut self.optimizer_state),
            Run::new(L::NAME, seed, history),
        );
        for cb in callbacks {
            f(cb.as_mut(), &mut ctx)?;
        }
        Ok(())
    }

    /// Loads samples `idx` of every input into the workspace.
    fn load(ws: &mut Workspace, x: &[Rows<'_>], idx: impl Fn(usize) -> usize, n: usize) {
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

    /// Runs the model over the data in batches, adding losses and metrics.
    fn evaluation_pass(
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
            _ => Workspace::for_graph::<G>(capacity, crate::pool::Pool::default_threads()),
        })
    }

    /// The loss weights and losses match the outputs, every output is a
    /// Dense layer (its loss reads the layer's activation), and the
    /// hyperparameters are valid.
    fn check_compiled(&self, training: bool) -> Result<()> {
        let outputs = G::OUTPUTS.len();
        if self.losses.len() != outputs {
            return Err(Error::Length {
                what: format!("losses (one per output of {})", G::NAME),
                expected: outputs,
                found: self.losses.len(),
            });
        }
        if self.loss_weights.len() != outputs {
            return Err(Error::Length {
                what: format!("loss_weights (one per output of {})", G::NAME),
                expected: outputs,
                found: self.loss_weights.len(),
            });
        }
        for (port, w) in G::OUTPUTS.iter().zip(&self.loss_weights) {
            if !(w.is_finite() && *w >= 0.0) {
                return Err(Error::InvalidArgument {
                    name: "loss_weights",
                    message: format!(
                        "the weight of output `{}` is {w}; it must be finite and at least 0",
                        port.name
                    ),
                });
            }
        }
        for port in G::OUTPUTS {
            let node = G::NODES.iter().find(|n| n.name == port.node);
            let dense = matches!(
                node.map(|n| n.kind),
                Some(NodeKind::Layer(l)) if matches!(G::LAYERS[l].kind, LayerKind::Dense { .. })
            );
            if !dense {
                return Err(Error::InvalidArgument {
                    name: "outputs",
                    message: format!(
                        "the output `{}` of {} is not a Dense layer; a loss reads a Dense \
                         layer's activation, so each output to train must be one",
                        port.name,
                        G::NAME
                    ),
                });
            }
        }
        for loss in &self.losses {
            check_hyperparameters(
                loss,
                training.then_some(&self.optimizer as _),
                &self.metrics,
            )?;
        }
        Ok(())
    }

    /// One slice per input and one per output, all of one length (returned),
    /// each of the declared width, finite, with targets that fit.
    fn check_data(
        &self,
        x_name: &str,
        y_name: &str,
        x: &[Rows<'_>],
        y: &[Targets<'_, L>],
    ) -> Result<usize> {
        let n = check_inputs::<G>(x_name, x)?;
        if y.len() != G::OUTPUTS.len() {
            return Err(Error::Length {
                what: format!(
                    "{y_name}: target slices (one per output of {}: {})",
                    G::NAME,
                    names(G::OUTPUTS)
                ),
                expected: G::OUTPUTS.len(),
                found: y.len(),
            });
        }
        for ((port, targets), loss) in G::OUTPUTS.iter().zip(y).zip(&self.losses) {
            if targets.len() != n {
                return Err(Error::Length {
                    what: format!(
                        "{y_name} for output `{}` (one target per sample of {x_name}, which has \
                         {n} samples)",
                        port.name
                    ),
                    expected: n,
                    found: targets.len(),
                });
            }
            let name = format!("{y_name} for output `{}`", port.name);
            for i in 0..n {
                check_target(&name, i, targets.target(i), port.size, loss, false)?;
            }
        }
        Ok(n)
    }
}

/// One slice per input, of one length (returned, at least 1), each of the
/// declared width and finite.
fn check_inputs<G: Graph>(x_name: &str, x: &[Rows<'_>]) -> Result<usize> {
    if x.len() != G::INPUTS.len() {
        return Err(Error::Length {
            what: format!(
                "{x_name}: input slices (one per input of {}: {})",
                G::NAME,
                names(G::INPUTS)
            ),
            expected: G::INPUTS.len(),
            found: x.len(),
        });
    }
    let n = x[0].len();
    if n == 0 {
        return Err(Error::InvalidArgument {
            name: "x",
            message: format!("{x_name} is empty: at least one sample is needed"),
        });
    }
    for (port, rows) in G::INPUTS.iter().zip(x) {
        if rows.width() != port.size {
            return Err(Error::Length {
                what: format!("{x_name}: values per sample of input `{}`", port.name),
                expected: port.size,
                found: rows.width(),
            });
        }
        if rows.len() != n {
            return Err(Error::Length {
                what: format!(
                    "{x_name}: samples of input `{}` (as many as input `{}`)",
                    port.name,
                    G::INPUTS[0].name
                ),
                expected: n,
                found: rows.len(),
            });
        }
        let mut row = vec![0.0; port.size];
        for i in (0..n).filter(|&i| !rows.is_finite(i)) {
            rows.write_row(i, &mut row);
            if let Some((j, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFinite {
                    what: format!("{x_name}: input `{}`", port.name),
                    position: format!("sample {i}, value {j}"),
                    value: v,
                });
            }
        }
    }
    Ok(n)
}

/// `a, b, c`.
fn names(ports: &[crate::graph::PortInfo]) -> String {
    ports.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

impl<G: Graph, L: Loss, O: Optimizer> fmt::Debug for GraphTrainer<'_, G, L, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphTrainer")
            .field("model", &G::NAME)
            .field("losses", &self.losses)
            .field("loss_weights", &self.loss_weights)
            .field("optimizer", &self.optimizer)
            .field("metrics", &self.metrics)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}
