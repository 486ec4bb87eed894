//! `evaluate` and its options, and the pass it shares with validation.

use super::Logs;
use super::Trainer;
use super::checks::{
    check_batch_size, check_hyperparameters, check_inputs, check_lengths, check_targets,
    check_verbose,
};
use super::progress::Progress;
use super::tracker::Tracker;
use super::weighting::check_sample_weight;
use crate::Result;
use crate::activation::ActivationKind;
use crate::engine::Workspace;
use crate::loss::{Loss, TargetFor};
use crate::network::Network;
use crate::optim::Optimizer;

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

    /// Samples per batch (default 32; does not change the results).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// A weight per sample (finite, `>= 0`): the loss is
    /// `sum(w_i * l_i) / len`, the metrics are weighted means.
    pub fn sample_weight(mut self, weights: &'a [f32]) -> Self {
        self.sample_weight = Some(weights);
        self
    }

    /// 0: silent; 1 (default): a progress bar; 2: one line.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
}

/// Samples, their targets and optional weights.
pub(crate) struct Data<'d, X, Y> {
    pub(crate) x: &'d [X],
    pub(crate) y: &'d [Y],
    pub(crate) sample_weight: Option<&'d [f32]>,
}

impl<X, Y> Clone for Data<'_, X, Y> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<X, Y> Copy for Data<'_, X, Y> {}

/// Runs the model over `data` in batches and adds the loss and metrics to
/// `tracker`, calling `after_batch(batches_done, tracker)` after each batch.
/// Allocates nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluation_pass<N: Network, L: Loss, Y: TargetFor<L, N::Output>>(
    params: &[f32],
    ws: &mut Workspace,
    loss: &L,
    activation: ActivationKind,
    data: Data<'_, N::Input, Y>,
    batch_size: usize,
    tracker: &mut Tracker,
    mut after_batch: impl FnMut(usize, &Tracker),
) {
    let k = N::OUTPUT_SIZE;
    for (b, start) in (0..data.x.len()).step_by(batch_size).enumerate() {
        let end = (start + batch_size).min(data.x.len());
        let n = end - start;
        ws.load_inputs::<N>(&data.x[start..end]);
        ws.forward(params, n);
        let (z, a) = (ws.output_logits(n), ws.output(n));
        // Keras's `ignore_class` mask: the mean is over the samples kept.
        let kept = if loss.ignores_any() {
            (start..end)
                .filter(|&i| !loss.ignored(data.y[i].target()))
                .count()
                .max(1)
        } else {
            n
        };
        let mut sum = 0.0;
        for (r, (zr, ar)) in z.chunks_exact(k).zip(a.chunks_exact(k)).enumerate() {
            let i = start + r;
            let target = data.y[i].target();
            let w = data.sample_weight.map_or(1.0, |s| s[i]);
            sum += f64::from(w) * f64::from(loss.loss(activation, zr, ar, target));
            tracker.add_metrics(ar, target, w);
        }
        // Keras adds the regularizers' penalties to the loss in evaluation
        // too.
        let penalty = f64::from(ws.regularization_loss(params));
        tracker.add_batch_loss(sum / kept as f64 + penalty, n);
        after_batch(b + 1, tracker);
    }
}

impl<N: Network, L: Loss, O: Optimizer> Trainer<'_, N, L, O> {
    /// The loss and each metric over `x` and `y` (Keras's `model.evaluate`
    /// with its defaults, printing a progress line): `results["loss"]`,
    /// `results["accuracy"]`.
    ///
    /// The loss is Keras's `sum_over_batch_size` mean: the mean over samples
    /// of the per-sample loss (times its weight, if any).
    ///
    /// ```
    /// use mlp_core::prelude::*;
    /// use mlp_core::loss::SparseCategoricalCrossentropy;
    /// use mlp_core::metrics::Metric;
    /// use mlp_core::optim::Sgd;
    ///
    /// network! { struct Net { Input[2] -> Dense<2, softmax> } }
    ///
    /// let x = [SVector::<f32, 2>::new(1.0, 0.0), SVector::<f32, 2>::new(0.0, 1.0)];
    /// let mut model = Net::new(0);
    /// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), [Metric::Accuracy]);
    /// let results = trainer.evaluate(&x, &[0_u8, 1])?;
    /// assert_eq!(results.names().collect::<Vec<_>>(), ["loss", "accuracy"]);
    /// let p = trainer.predict(&x);
    /// let by_hand = -(p[0][0].ln() + p[1][1].ln()) / 2.0;
    /// assert!((results["loss"] - by_hand as f64).abs() < 1e-6);
    /// # Ok::<(), mlp_core::Error>(())
    /// ```
    pub fn evaluate<Y: TargetFor<L, N::Output>>(
        &mut self,
        x: &[N::Input],
        y: &[Y],
    ) -> Result<Logs> {
        self.evaluate_with(x, y, Evaluate::new())
    }

    /// [`Trainer::evaluate`] with options (batch size, sample weights,
    /// verbosity).
    pub fn evaluate_with<Y: TargetFor<L, N::Output>>(
        &mut self,
        x: &[N::Input],
        y: &[Y],
        options: Evaluate<'_>,
    ) -> Result<Logs> {
        check_batch_size(options.batch_size)?;
        check_verbose(options.verbose)?;
        check_lengths("x", x.len(), "y", y.len())?;
        if let Some(w) = options.sample_weight {
            check_sample_weight("sample_weight", w, x.len(), "x")?;
        }
        check_inputs::<N>("x", x)?;
        check_targets::<N, L, Y>("y", y, &self.loss)?;
        check_hyperparameters(&self.loss, None, &self.metrics)?;

        let batch_size = options.batch_size;
        let steps = x.len().div_ceil(batch_size);
        let mut ws = self.take_workspace_on(batch_size.min(x.len()), None)?;
        let mut tracker = Tracker::new(&self.metrics, L::TARGET);
        let mut logs = tracker.logs("");
        let mut progress = Progress::new(options.verbose, steps, 1);
        progress.epoch_begin(0);
        let data = Data {
            x,
            y,
            sample_weight: options.sample_weight,
        };
        evaluation_pass::<N, L, Y>(
            self.model.params(),
            &mut ws,
            &self.loss,
            self.output_activation,
            data,
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
}
