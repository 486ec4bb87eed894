//! `fit`: Keras's training loop, one for every model: the epochs, each
//! batch's step with a loss per output, validation, and the callbacks.

use super::callbacks::{Callback, CallbackContext, Run};
use super::checks::{check_batch_size, check_columns, check_verbose, split_point};
use super::data::{Columns, InputData, TargetData};
use super::evaluate::evaluation_pass;
use super::fit::{Fit, Validation};
use super::losses::Losses;
use super::progress::Progress;
use super::tracker::Trackers;
use super::weighting::{check_sample_weight, class_weight_table, sample_weight_of};
use super::{Logs, Trainer};
use crate::engine::{NotFinite, Phase, Workspace};
use crate::history::{History, HistoryParams};
use crate::model::Model;
use crate::optim::Optimizer;
use crate::{Error, Result};
use rand::SeedableRng;
use rand::seq::SliceRandom;

/// A training step that was not applied: its loss or gradient was not finite.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Divergence {
    quantity: &'static str,
    value: f64,
}

/// Everything `fit` checked and resolved before its first step.
struct Plan<'d> {
    train: Columns<'d>,
    validation: Option<Columns<'d>>,
    class_table: Option<Vec<f32>>,
}

impl<M: Model, L: Losses, O: Optimizer> Trainer<'_, M, L, O> {
    /// Trains the model on `x` and `y` (Keras's `model.fit`) and returns the
    /// [`History`] of the epochs run. `x` is one slice per input and `y` one
    /// target slice per output (see [`InputData`], [`TargetData`]): a chain
    /// takes `(&x, &y)`, a graph `((&x_wide, &x_deep), (&y_main, &y_aux))`.
    ///
    /// Each epoch shuffles the samples (unless told not to), then for each
    /// batch of `batch_size` samples: forward pass, batch loss
    /// `sum(w_i * l_i) / batch_len` (Keras's `sum_over_batch_size`
    /// reduction: the weighted sum divided by the number of samples in the
    /// batch, NOT by the sum of the weights; `w_i` is the sample weight
    /// times the class weight, 1 without them), backward pass of that loss,
    /// one optimizer step. With several outputs the batch loss is
    /// `Σ_k loss_weights[k] · loss_k`, each output's loss computed so. The
    /// logged `loss` is the mean of the batch losses
    /// weighted by batch length (Keras's loss tracker), each metric the mean
    /// of its per-sample values weighted by `w_i`; validation runs at the end
    /// of each epoch, unweighted unless validation weights are given.
    ///
    /// All the data is checked before the first step (lengths, labels below
    /// the number of outputs, finite inputs and targets, weights), and any
    /// problem is an `Err` naming it. A batch whose loss or gradient is not
    /// finite is not applied: `fit` returns [`Error::Diverged`] carrying the
    /// history of the completed epochs, and the model keeps the parameters
    /// of the last finite step (unless a callback such as
    /// [`TerminateOnNaN`](super::TerminateOnNaN) stops training first, which
    /// makes it end normally).
    ///
    /// Plain SGD (no momentum, no clipping) takes its step inside the
    /// backward pass, with the same result.
    ///
    /// Calling `fit` again continues from the current parameters, optimizer
    /// state and step count.
    ///
    /// ```
    /// use mlp_core::prelude::*;
    /// use mlp_core::loss::SparseCategoricalCrossentropy;
    /// use mlp_core::metrics::Metric;
    /// use mlp_core::optim::Sgd;
    /// use mlp_core::train::Fit;
    ///
    /// network! { struct Net { Input[2] -> Dense<8, tanh> -> Dense<2, softmax> } }
    ///
    /// let x: Vec<SVector<f32, 2>> = (0..64).map(|i| SVector::<f32, 2>::new((i % 8) as f32 - 3.5, (i / 8) as f32 - 3.5)).collect();
    /// let y: Vec<u8> = x.iter().map(|p| u8::from(p[0] > 0.0)).collect();
    /// let mut model = Net::new(42);
    /// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.1), [Metric::Accuracy]);
    /// let history = trainer.fit(&x, &y, Fit::epochs(20).batch_size(8).verbose(0).validation_split(0.25))?;
    /// assert_eq!(history.params.samples, 48);
    /// assert_eq!(history.names().collect::<Vec<_>>(), ["loss", "accuracy", "val_loss", "val_accuracy"]);
    /// assert!(history.get("accuracy").unwrap()[19] > 0.9);
    /// # Ok::<(), mlp_core::Error>(())
    /// ```
    pub fn fit<'d>(
        &mut self,
        x: impl InputData<'d, M::InputSamples>,
        y: impl TargetData<'d, L, M::OutputSamples>,
        options: Fit<'d, M, L>,
    ) -> Result<History> {
        let data = Columns {
            x: x.columns(),
            y: y.columns(),
            sample_weight: options.sample_weight,
        };
        let mut options = options;
        let plan = self.plan(data, &mut options)?;
        let n = plan.train.len();
        let capacity = options
            .batch_size
            .min(n.max(plan.validation.as_ref().map_or(0, Columns::len)));
        let threads = match options.threads {
            Some(t) => crate::pool::check_threads("threads", t)?,
            None => crate::pool::Pool::default_threads()?,
        };
        let mut ws = self.take_workspace(capacity, Some(threads))?;
        let result = self.run(&mut ws, &plan, options);
        self.put_workspace(ws);
        result
    }

    /// Checks the data and options; resolves the split and the weights.
    fn plan<'d>(&self, data: Columns<'d>, options: &mut Fit<'d, M, L>) -> Result<Plan<'d>> {
        self.check_compiled(true)?;
        check_batch_size(options.batch_size)?;
        check_verbose(options.verbose)?;
        let n = check_columns::<M, L>("x", "y", &data, &self.losses)?;
        if let Some(w) = data.sample_weight {
            check_sample_weight("sample_weight", w, n, "x")?;
        }
        let class_table = match &options.class_weight {
            Some(_) if M::OUTPUTS.len() > 1 => {
                return Err(Error::InvalidArgument {
                    name: "class_weight",
                    message: format!(
                        "is only for a model with one output, as in Keras, and {} has {}; \
                         weigh the samples instead (`sample_weight`)",
                        M::NAME,
                        M::OUTPUTS.len()
                    ),
                });
            }
            Some(pairs) => Some(class_weight_table(
                pairs,
                self.losses.target_kind(0),
                M::OUTPUTS[0].size,
                self.losses.name(0),
            )?),
            None => None,
        };
        let validation = core::mem::replace(&mut options.validation, Validation::None);
        let (train, validation) = match validation {
            Validation::None => (data, None),
            Validation::Data(valid) => {
                let vn =
                    check_columns::<M, L>("validation x", "validation y", &valid, &self.losses)?;
                if let Some(w) = valid.sample_weight {
                    check_sample_weight("validation sample_weight", w, vn, "validation x")?;
                }
                (data, Some(valid))
            }
            Validation::Split(fraction) => {
                // Keras: the last fraction, before shuffling.
                let (train, valid) = data.split_at(split_point(fraction, n)?);
                (train, Some(valid))
            }
        };
        Ok(Plan {
            train,
            validation,
            class_table,
        })
    }

    /// The epochs.
    fn run(
        &mut self,
        ws: &mut Workspace,
        plan: &Plan<'_>,
        options: Fit<'_, M, L>,
    ) -> Result<History> {
        let Fit {
            epochs,
            batch_size,
            shuffle,
            mut seed,
            mut initial_epoch,
            verbose,
            mut callbacks,
            ..
        } = options;
        let train = &plan.train;
        let n = train.len();
        let steps = n.div_ceil(batch_size);
        let mut history = History::new(HistoryParams {
            epochs,
            steps,
            samples: n,
            batch_size,
            verbose,
        });
        let params = history.params;
        // What a whole-state save records of the loss (callbacks see it).
        let loss = self.losses;
        let mut order: Vec<usize> = (0..n).collect();
        let mut tracker = Trackers::new::<M, L>(&self.losses, &self.metrics);
        let mut val_tracker = Trackers::new::<M, L>(&self.losses, &self.metrics);
        let mut batch_logs = tracker.logs::<M>("");
        let epoch_log_names = {
            let mut logs = batch_logs.clone();
            if plan.validation.is_some() {
                val_tracker.append_to::<M>("val_", &mut logs);
            }
            if callbacks.iter().any(|c| c.logs_learning_rate()) {
                logs.insert("learning_rate", 0.0);
            }
            logs.names().map(String::from).collect::<Vec<_>>()
        };
        let mut last_logs = Logs::new();
        let mut progress = Progress::new(verbose, steps, epochs);
        let mut stop = false;

        // A callback may restore a saved state (BackupAndRestore): the run
        // then continues from its epoch, with its seed, after its History.
        let mut resume = None;
        let run = Run::new(&loss, seed, &history, &epoch_log_names).resuming(&mut resume);
        self.dispatch(&mut callbacks, &params, &mut stop, run, |cb, ctx| {
            cb.on_train_begin(ctx)
        })?;
        if let Some(state) = resume {
            initial_epoch = state.epoch;
            seed = state.seed;
            history.epoch = state.history.epoch;
            history.history = state.history.history;
        }
        for epoch in initial_epoch..epochs {
            self.dispatch(
                &mut callbacks,
                &params,
                &mut stop,
                Run::new(&loss, seed, &history, &epoch_log_names),
                |cb, ctx| cb.on_epoch_begin(ctx, epoch),
            )?;
            progress.epoch_begin(epoch);
            tracker.reset();
            if shuffle {
                // Epoch e's order depends on (seed, e) only.
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
                    Run::new(&loss, seed, &history, &epoch_log_names),
                    |cb, ctx| cb.on_batch_begin(ctx, batch),
                )?;
                let next = order.chunks(batch_size).nth(batch + 1).unwrap_or(&[]);
                let step = self.train_step(
                    ws,
                    train,
                    (idx, next),
                    plan.class_table.as_deref(),
                    &mut tracker,
                    seed,
                );
                tracker.write(&mut batch_logs);
                done = batch + 1;
                self.dispatch(
                    &mut callbacks,
                    &params,
                    &mut stop,
                    Run::new(&loss, seed, &history, &epoch_log_names),
                    |cb, ctx| cb.on_batch_end(ctx, batch, &batch_logs),
                )?;
                if let Err(d) = step
                    && !stop
                {
                    progress.abandon();
                    return Err(Error::Diverged {
                        epoch,
                        batch,
                        quantity: d.quantity,
                        value: d.value,
                        history: Box::new(history),
                    });
                }
                progress.update(done, &batch_logs);
                if stop {
                    break;
                }
            }
            let mut epoch_logs = batch_logs.clone();
            if let Some(validation) = &plan.validation {
                val_tracker.reset();
                evaluation_pass(
                    self.model.params(),
                    ws,
                    (&self.losses, &self.loss_weights),
                    validation,
                    batch_size,
                    &mut val_tracker,
                    |_, _| {},
                );
                val_tracker.append_to::<M>("val_", &mut epoch_logs);
            }
            // Keras 3's LearningRateScheduler and ReduceLROnPlateau add the
            // rate in effect to the epoch's logs (before reducing it).
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
                Run::new(&loss, seed, &history, &epoch_log_names),
                |cb, ctx| cb.on_epoch_end(ctx, epoch, &epoch_logs),
            )?;
            last_logs = epoch_logs;
            if stop {
                break;
            }
        }
        // Keras's `finalize_variable_values` (EMA weights), before
        // `on_train_end`.
        crate::optim::finalize_variables(
            &self.optimizer,
            M::LAYERS,
            self.model.params_mut(),
            &self.optimizer_state,
        );
        self.dispatch(
            &mut callbacks,
            &params,
            &mut stop,
            Run::new(&loss, seed, &history, &epoch_log_names),
            |cb, ctx| cb.on_train_end(ctx, &last_logs),
        )?;
        Ok(history)
    }

    /// One gradient step on the samples `idx` of `data`, asking the cache
    /// for the samples `next` of the next step meanwhile. Allocates nothing.
    fn train_step(
        &mut self,
        ws: &mut Workspace,
        data: &Columns<'_>,
        (idx, next): (&[usize], &[usize]),
        class_table: Option<&[f32]>,
        tracker: &mut Trackers,
        seed: u64,
    ) -> core::result::Result<(), Divergence> {
        let n = idx.len();
        ws.load_batch(&data.x, idx, next);
        // Dropout's masks depend on (seed, step) only, so a resumed run
        // draws the same ones.
        let mode = Phase::Training {
            seed,
            step: self.iterations,
        };
        ws.forward_model(self.model.params(), n, mode);
        // Keras adds the regularizers' penalties to the loss it reports.
        let mut total = f64::from(ws.regularization_loss(self.model.params()));
        for (k, targets) in data.y.iter().enumerate() {
            let (losses, weight) = (&self.losses, self.loss_weights[k]);
            let kind = losses.target_kind(k);
            // The loss's reduction, over the samples its mask keeps.
            let weight_of = |i: usize, target| {
                sample_weight_of(i, data.sample_weight, class_table, kind, target)
            };
            let divisors = losses.divisors(
                k,
                n,
                idx.iter().map(|&i| {
                    let t = targets.target(i);
                    (t, weight_of(i, t))
                }),
            );
            let mut sum = 0.0;
            for (r, &i) in idx.iter().enumerate() {
                let target = targets.target(i);
                let w = weight_of(i, target);
                let row = ws.output_row(k, r);
                let l = losses.loss_and_delta(
                    k,
                    row.activation,
                    row.z,
                    row.a,
                    target,
                    w * weight / divisors.gradient as f32,
                    row.delta,
                );
                sum += f64::from(w) * f64::from(l);
                tracker.outputs[k].add_metrics(row.a, target, w);
            }
            let mean = sum / divisors.report;
            tracker.outputs[k].add_batch_loss(mean, n);
            total += f64::from(weight) * mean;
        }
        tracker.total.add(total, n as f64);
        if !total.is_finite() {
            return Err(Divergence {
                quantity: "loss",
                value: total,
            });
        }
        // A schedule (such as a closure) may return a non-finite rate at run
        // time, which would write NaN into every weight: refuse the step
        // before any weight is touched (one call per step).
        if !self.optimizer.learning_rate(self.iterations).is_finite() {
            return Err(Divergence {
                quantity: "learning_rate",
                value: total,
            });
        }
        // The engine applies the optimizer's update as the optimizer
        // describes it (folded into the backward pass for plain SGD).
        let stepped = ws.train_step(
            self.model.params_mut(),
            n,
            &mut self.grads,
            &self.optimizer,
            &mut self.optimizer_state,
            self.iterations,
        );
        if let Err(e) = stepped {
            return Err(Divergence {
                quantity: match e {
                    NotFinite::Gradient => "gradient",
                    NotFinite::Update => "update",
                },
                value: total,
            });
        }
        self.iterations += 1;
        Ok(())
    }

    /// Calls `f` on every callback with a context over the model.
    fn dispatch(
        &mut self,
        callbacks: &mut [Box<dyn Callback<M> + '_>],
        params: &HistoryParams,
        stop: &mut bool,
        run: Run<'_>,
        mut f: impl FnMut(&mut dyn Callback<M>, &mut CallbackContext<'_, M>) -> Result<()>,
    ) -> Result<()> {
        if callbacks.is_empty() {
            return Ok(());
        }
        let mut ctx = CallbackContext::new(
            self.model,
            &mut self.optimizer,
            params,
            stop,
            (&mut self.iterations, &mut self.optimizer_state),
            run,
        );
        for cb in callbacks {
            f(cb.as_mut(), &mut ctx)?;
        }
        Ok(())
    }
}
