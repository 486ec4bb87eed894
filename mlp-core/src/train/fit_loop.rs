//! `fit`: Keras's training loop.

use super::callbacks::{Callback, CallbackContext, Run};
use super::checks::{
    check_batch_size, check_hyperparameters, check_inputs, check_lengths, check_targets,
    check_verbose, split_point,
};
use super::evaluate::{Data, evaluation_pass};
use super::fit::{Fit, Validation};
use super::progress::Progress;
use super::tracker::Tracker;
use super::weighting::{check_sample_weight, class_weight_table, sample_weight_of};
use super::{Logs, Trainer};
use crate::engine::{Mode, NotFinite, Workspace};
use crate::history::{History, HistoryParams};
use crate::loss::{Loss, TargetFor};
use crate::network::Network;
use crate::optim::Optimizer;
use crate::sample::Sample;
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
struct Plan<'d, X, Y> {
    train: Data<'d, X, Y>,
    validation: Option<Data<'d, X, Y>>,
    class_table: Option<Vec<f32>>,
}

impl<N: Network, L: Loss, O: Optimizer> Trainer<'_, N, L, O> {
    /// Trains the model on `x` and `y` (Keras's `model.fit`) and returns the
    /// [`History`] of the epochs run.
    ///
    /// Each epoch shuffles the samples (unless told not to), then for each
    /// batch of `batch_size` samples: forward pass, batch loss
    /// `sum(w_i * l_i) / batch_len` (Keras's `sum_over_batch_size`
    /// reduction: the weighted sum divided by the number of samples in the
    /// batch, NOT by the sum of the weights; `w_i` is the sample weight
    /// times the class weight, 1 without them), backward pass of that loss,
    /// one optimizer step. The logged `loss` is the mean of the batch losses
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
    pub fn fit<Y: TargetFor<L, N::Output>>(
        &mut self,
        x: &[N::Input],
        y: &[Y],
        options: Fit<'_, N, Y>,
    ) -> Result<History> {
        let plan = self.plan(x, y, &options)?;
        let n = plan.train.x.len();
        let capacity = options
            .batch_size
            .min(n.max(plan.validation.map_or(0, |v| v.x.len())));
        let mut ws = self.take_workspace_on(capacity, options.threads)?;
        let result = self.run(&mut ws, &plan, options);
        self.put_workspace(ws);
        result
    }

    /// Checks the data and options; resolves the split and the weights.
    fn plan<'d, Y: TargetFor<L, N::Output>>(
        &self,
        x: &'d [N::Input],
        y: &'d [Y],
        options: &Fit<'d, N, Y>,
    ) -> Result<Plan<'d, N::Input, Y>> {
        check_hyperparameters(&self.loss, Some(&self.optimizer), &self.metrics)?;
        check_batch_size(options.batch_size)?;
        check_verbose(options.verbose)?;
        check_lengths("x", x.len(), "y", y.len())?;
        let sample_weight = options.sample_weight;
        if let Some(w) = sample_weight {
            check_sample_weight("sample_weight", w, x.len(), "x")?;
        }
        check_inputs::<N>("x", x)?;
        check_targets::<N, L, Y>("y", y, &self.loss)?;
        let class_table = match &options.class_weight {
            Some(pairs) => Some(class_weight_table(
                pairs,
                L::TARGET,
                N::OUTPUT_SIZE,
                L::NAME,
            )?),
            None => None,
        };
        let all = Data {
            x,
            y,
            sample_weight,
        };
        let (train, validation) = match options.validation {
            Validation::None => (all, None),
            Validation::Data {
                x: vx,
                y: vy,
                sample_weight: vw,
            } => {
                check_lengths("validation x", vx.len(), "validation y", vy.len())?;
                if let Some(w) = vw {
                    check_sample_weight("validation sample_weight", w, vx.len(), "validation x")?;
                }
                check_inputs::<N>("validation x", vx)?;
                check_targets::<N, L, Y>("validation y", vy, &self.loss)?;
                let validation = Data {
                    x: vx,
                    y: vy,
                    sample_weight: vw,
                };
                (all, Some(validation))
            }
            Validation::Split(fraction) => {
                let (at, len) = (split_point(fraction, x.len())?, x.len());
                let part = |r: core::ops::Range<usize>| Data {
                    x: &x[r.clone()],
                    y: &y[r.clone()],
                    sample_weight: sample_weight.map(|w| &w[r]),
                };
                (part(0..at), Some(part(at..len)))
            }
        };
        Ok(Plan {
            train,
            validation,
            class_table,
        })
    }

    /// The epochs.
    fn run<Y: TargetFor<L, N::Output>>(
        &mut self,
        ws: &mut Workspace,
        plan: &Plan<'_, N::Input, Y>,
        options: Fit<'_, N, Y>,
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
        let train = plan.train;
        let n = train.x.len();
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
        let loss = self.loss;
        let mut order: Vec<usize> = (0..n).collect();
        let mut tracker = Tracker::new(&self.metrics, L::TARGET);
        let mut val_tracker = Tracker::new(&self.metrics, L::TARGET);
        let mut batch_logs = tracker.logs("");
        let mut last_logs = Logs::new();
        let mut progress = Progress::new(verbose, steps, epochs);
        let mut stop = false;

        // A callback may restore a saved state (BackupAndRestore): the run
        // then continues from its epoch, with its seed, after its History.
        let mut resume = None;
        let run = Run::new(&loss, seed, &history).resuming(&mut resume);
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
                Run::new(&loss, seed, &history),
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
                    Run::new(&loss, seed, &history),
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
                    Run::new(&loss, seed, &history),
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
            if let Some(validation) = plan.validation {
                val_tracker.reset();
                evaluation_pass::<N, L, Y>(
                    self.model.params(),
                    ws,
                    &self.loss,
                    self.output_activation,
                    validation,
                    batch_size,
                    &mut val_tracker,
                    |_, _| {},
                );
                val_tracker.append_to("val_", &mut epoch_logs);
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
                Run::new(&loss, seed, &history),
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
            Run::new(&loss, seed, &history),
            |cb, ctx| cb.on_train_end(ctx, &last_logs),
        )?;
        Ok(history)
    }

    /// One gradient step on the samples `idx` of `data`, asking the cache
    /// for the samples `next` of the next step meanwhile. Allocates nothing.
    fn train_step<Y: TargetFor<L, N::Output>>(
        &mut self,
        ws: &mut Workspace,
        data: Data<'_, N::Input, Y>,
        (idx, next): (&[usize], &[usize]),
        class_table: Option<&[f32]>,
        tracker: &mut Tracker,
        seed: u64,
    ) -> core::result::Result<(), Divergence> {
        let n = idx.len();
        let k = N::OUTPUT_SIZE;
        let x = data.x;
        ws.load_rows(n, &|rows, buffer| {
            for (row, &i) in buffer
                .chunks_exact_mut(N::INPUT_SIZE)
                .zip(&idx[rows.clone()])
            {
                x[i].write_row_major(row);
            }
            // The shuffled samples are scattered over the data set: fetching
            // the next batch's (the rows this thread will copy) while this
            // one computes hides the memory latency.
            for &i in &next[rows.start.min(next.len())..rows.end.min(next.len())] {
                crate::kernels::prefetch(&x[i]);
            }
        });
        // Dropout's masks depend on (seed, step) only, so a resumed run
        // draws the same ones.
        let mode = Mode::Training {
            seed,
            step: self.iterations,
        };
        ws.forward_mode(self.model.params(), n, mode);
        // Keras adds the regularizers' penalties to the loss it reports.
        let penalty = f64::from(ws.regularization_loss(self.model.params()));
        let (z, a, delta) = ws.output_and_delta(n);
        // Keras's `ignore_class` mask: the mean is over the samples kept.
        let kept = if self.loss.ignores_any() {
            idx.iter()
                .filter(|&&i| !self.loss.ignored(data.y[i].target()))
                .count()
                .max(1)
        } else {
            n
        };
        let mut sum = 0.0;
        let rows = z
            .chunks_exact(k)
            .zip(a.chunks_exact(k))
            .zip(delta.chunks_exact_mut(k));
        for (((zr, ar), dr), &i) in rows.zip(idx) {
            let target = data.y[i].target();
            let w = sample_weight_of(i, data.sample_weight, class_table, L::TARGET, target);
            let l = self.loss.loss_and_delta(
                self.output_activation,
                zr,
                ar,
                target,
                w / kept as f32,
                dr,
            );
            sum += f64::from(w) * f64::from(l);
            tracker.add_metrics(ar, target, w);
        }
        let batch_loss = sum / kept as f64 + penalty;
        tracker.add_batch_loss(batch_loss, n);
        if !batch_loss.is_finite() {
            return Err(Divergence {
                quantity: "loss",
                value: batch_loss,
            });
        }
        // A schedule (such as a closure) may return a non-finite rate at run
        // time, which would write NaN into every weight: refuse the step
        // before any weight is touched (one call per step).
        if !self.optimizer.learning_rate(self.iterations).is_finite() {
            return Err(Divergence {
                quantity: "learning_rate",
                value: batch_loss,
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
                value: batch_loss,
            });
        }
        self.iterations += 1;
        Ok(())
    }

    /// Calls `f` on every callback with a context over the model.
    fn dispatch(
        &mut self,
        callbacks: &mut [Box<dyn Callback<N> + '_>],
        params: &HistoryParams,
        stop: &mut bool,
        run: Run<'_>,
        mut f: impl FnMut(&mut dyn Callback<N>, &mut CallbackContext<'_, N>) -> Result<()>,
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
