//! `evaluate`, `predict` and their options, and the pass `evaluate` shares
//! with validation: one of each for every model.

use super::checks::{check_batch_size, check_columns, check_verbose};
use super::data::{Columns, InputData, TargetData};
use super::losses::Losses;
use super::progress::Progress;
use super::tracker::Trackers;
use super::weighting::check_sample_weight;
use super::{Logs, Trainer};
use crate::Result;
use crate::engine::{Phase, Workspace};
use crate::model::Model;
use crate::optim::Optimizer;
use crate::predict::Predict;

/// Options of [`Trainer::evaluate_with`], with Keras's defaults: batches of
/// 32, no sample weights, `verbose` 1 (a progress bar, or one line when
/// stdout is not a terminal: `313/313 - 0s - loss: 0.3388 - accuracy: 0.8829 - ...`).
#[derive(Clone, Copy, Debug)]
pub struct Evaluate<'a> {
    pub(crate) batch_size: usize,
    pub(crate) sample_weight: Option<&'a [f32]>,
    pub(crate) verbose: u8,
}

impl Default for Evaluate<'_> {
    fn default() -> Self {
        Self {
            batch_size: 32,
            sample_weight: None,
            verbose: 1,
        }
    }
}

impl<'a> Evaluate<'a> {
    /// Keras's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    setters! {
        /// Samples per batch (default 32; does not change the results).
        batch_size: usize,
        /// A weight per sample (finite, `>= 0`): the loss is
        /// `sum(w_i * l_i) / len`, the metrics are weighted means.
        sample_weight: &'a [f32] => Some,
        /// 0: silent; 1 (default): a progress bar; 2: one line.
        verbose: u8,
    }
}

/// Runs the model over `data` in batches, adding each output's loss and
/// metrics (weighted by the sample weights, if any) and the total loss
/// `Σ_k loss_weights[k] · loss_k` plus the regularizers' penalties; calls
/// `after_batch(batches done, trackers)` after each batch.
pub(crate) fn evaluation_pass<L: Losses>(
    params: &[f32],
    ws: &mut Workspace,
    (losses, loss_weights): (&L, &[f32]),
    data: &Columns<'_>,
    batch_size: usize,
    tracker: &mut Trackers,
    mut after_batch: impl FnMut(usize, &Trackers),
) {
    let len = data.len();
    let mut idx = Vec::with_capacity(batch_size.min(len));
    for (b, start) in (0..len).step_by(batch_size).enumerate() {
        let end = (start + batch_size).min(len);
        let n = end - start;
        idx.clear();
        idx.extend(start..end);
        ws.load_batch(&data.x, &idx, &[]);
        ws.forward_model(params, n, Phase::Inference);
        // Keras adds the regularizers' penalties to the loss in evaluation
        // too.
        let mut total = f64::from(ws.regularization_loss(params));
        for (k, targets) in data.y.iter().enumerate() {
            // The loss's reduction, over the samples its mask keeps.
            let weight_of = |i: usize| data.sample_weight.map_or(1.0, |s| s[i]);
            let divisors = losses.divisors(
                k,
                n,
                (start..end).map(|i| (targets.target(i), weight_of(i))),
            );
            let mut sum = 0.0;
            for r in 0..n {
                let i = start + r;
                let target = targets.target(i);
                let w = weight_of(i);
                let row = ws.output_row(k, r);
                let l = losses.loss(k, row.activation, row.z, row.a, target);
                sum += f64::from(w) * f64::from(l);
                tracker.outputs[k].add_metrics(row.a, target, w);
            }
            let mean = sum / divisors.report;
            tracker.outputs[k].add_batch_loss(mean, n);
            total += f64::from(loss_weights[k]) * mean;
        }
        tracker.total.add(total, n as f64);
        after_batch(b + 1, tracker);
    }
}

impl<M: Model, L: Losses, O: Optimizer> Trainer<'_, M, L, O> {
    /// The loss and metrics of the model on `x` and `y` (Keras's
    /// `model.evaluate`), with Keras's defaults (batches of 32, a progress
    /// bar): `results["loss"]`, `results["accuracy"]`, ...; with several
    /// outputs also `results["main_output_loss"]`, ... Same checks as
    /// `fit`; the model is not changed.
    pub fn evaluate<'d>(
        &mut self,
        x: impl InputData<'d, M::InputSamples>,
        y: impl TargetData<'d, L, M::OutputSamples>,
    ) -> Result<Logs> {
        self.evaluate_with(x, y, Evaluate::new())
    }

    /// [`Trainer::evaluate`] with options: a batch size, sample weights,
    /// verbosity.
    pub fn evaluate_with<'d>(
        &mut self,
        x: impl InputData<'d, M::InputSamples>,
        y: impl TargetData<'d, L, M::OutputSamples>,
        options: Evaluate<'d>,
    ) -> Result<Logs> {
        check_batch_size(options.batch_size)?;
        check_verbose(options.verbose)?;
        self.check_compiled(false)?;
        let data = Columns {
            x: x.columns(),
            y: y.columns(),
            sample_weight: options.sample_weight,
        };
        let n = check_columns::<M, L>("x", "y", &data, &self.losses)?;
        if let Some(w) = options.sample_weight {
            check_sample_weight("sample_weight", w, n, "x")?;
        }
        let batch_size = options.batch_size;
        let steps = n.div_ceil(batch_size);
        let mut ws = self.take_workspace(batch_size.min(n), None)?;
        let mut tracker = Trackers::new::<M, L>(&self.losses, &self.metrics);
        let mut logs = tracker.logs::<M>("");
        let mut progress = Progress::new(options.verbose, steps, 1);
        progress.epoch_begin(0);
        evaluation_pass(
            self.model.params(),
            &mut ws,
            (&self.losses, &self.loss_weights),
            &data,
            batch_size,
            &mut tracker,
            |done, t| {
                t.write(&mut logs);
                progress.update(done, &logs);
            },
        );
        tracker.write(&mut logs);
        progress.finish(steps, &logs);
        self.put_workspace(ws);
        Ok(logs)
    }

    /// [`Predict::predict`] of the model: the outputs for every sample of
    /// `x` (one slice per input) in batches of 32 shared among the threads
    /// (Keras's `model.predict`; prints nothing).
    pub fn predict<'d>(&self, x: impl InputData<'d, M::InputSamples>) -> Result<Vec<M::Outputs>> {
        self.model.predict(x)
    }

    /// [`Predict::predict_with_batch_size`] of the model.
    pub fn predict_with_batch_size<'d>(
        &self,
        x: impl InputData<'d, M::InputSamples>,
        batch_size: usize,
    ) -> Result<Vec<M::Outputs>> {
        self.model.predict_with_batch_size(x, batch_size)
    }

    /// [`Predict::predict_with_threads`] of the model.
    pub fn predict_with_threads<'d>(
        &self,
        x: impl InputData<'d, M::InputSamples>,
        batch_size: usize,
        threads: usize,
    ) -> Result<Vec<M::Outputs>> {
        self.model.predict_with_threads(x, batch_size, threads)
    }

    /// [`Predict::predict_mc_dropout`] of the model (MC Dropout).
    pub fn predict_mc_dropout<'d>(
        &self,
        x: impl InputData<'d, M::InputSamples>,
        samples: usize,
        seed: u64,
    ) -> Result<Vec<M::Outputs>> {
        self.model.predict_mc_dropout(x, samples, seed)
    }

    /// [`Predict::predict_classes`] of the model.
    pub fn predict_classes<'d>(
        &self,
        x: impl InputData<'d, M::InputSamples>,
    ) -> Result<Vec<usize>> {
        self.model.predict_classes(x)
    }

    /// [`Predict::predict_output_classes`] of the model.
    pub fn predict_output_classes<'d>(
        &self,
        x: impl InputData<'d, M::InputSamples>,
        output: &str,
    ) -> Result<Vec<usize>> {
        self.model.predict_output_classes(x, output)
    }
}
