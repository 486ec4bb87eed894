//! [`TensorBoard`]: event files that TensorBoard reads, as Keras 3's
//! `keras.callbacks.TensorBoard` writes them.

mod hparams;
mod proto;
mod record;

use super::{Callback, CallbackContext};
use crate::model::Model;
use crate::train::Logs;
use crate::{Error, Result};
use record::EventWriter;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How often [`TensorBoard`] writes the batch scalars (Keras's `update_freq`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UpdateFreq {
    /// Only the epoch scalars (Keras's `"epoch"`, the default).
    #[default]
    Epoch,
    /// Also `batch_loss`, `batch_accuracy`, ... every `n` batches
    /// (Keras's integer `n`; `"batch"` is `Batches(1)`), at the step that
    /// counts the batches of the whole run from 1.
    Batches(u64),
}

/// Writes the run's scalars and weight histograms for TensorBoard (Keras's
/// `keras.callbacks.TensorBoard`): `tensorboard --logdir <log_dir>` shows
/// them.
///
/// As Keras 3, each `fit` writes one event file in `<log_dir>/train/` and,
/// when validating, one in `<log_dir>/validation/`:
///
/// - `epoch_loss`, `epoch_accuracy`, ... (every metric of the logs) at step
///   `epoch` (0-based), the training values in `train/`, the `val_` ones
///   (without the prefix) in `validation/`;
/// - `epoch_learning_rate`, the optimizer's learning rate, in `train/`;
/// - `evaluation_loss_vs_iterations`, ... in `validation/`, at the step
///   count of the optimizer (Keras's `on_test_end` scalars);
/// - with [`UpdateFreq::Batches`]`(n)`, `batch_loss`, ... (the running means
///   of the epoch so far) every `n` batches, at the run's batch count;
/// - with `histogram_freq(k)`, every `k` epochs, a histogram (30 buckets, as
///   `tf.summary.histogram`) of each weight array, tagged
///   `<layer>/kernel/histogram` and `<layer>/bias/histogram`.
///
/// Values are tensor summaries with their plugin's metadata, as TensorFlow 2
/// writes them; the files are appended at each epoch's end (and when
/// training ends), whole records only.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::metrics::Metric;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::{Fit, TensorBoard, UpdateFreq};
///
/// network! { struct Net { Input[1] -> Dense<2, softmax> } }
///
/// let logs = tempfile::tempdir().unwrap();
/// let x = [SVector::<f32, 1>::new(-1.0), SVector::<f32, 1>::new(1.0)];
/// let y = [0_u8, 1];
/// let mut model = Net::new(0);
/// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), [Metric::Accuracy]);
/// let mut tensorboard = TensorBoard::new(logs.path()).histogram_freq(1).update_freq(UpdateFreq::Batches(1));
/// trainer.fit(&x, &y, Fit::epochs(2).verbose(0).validation_data(&x, &y).callback(&mut tensorboard))?;
/// assert!(tensorboard.event_files()[0].starts_with(logs.path().join("train")));
/// assert!(tensorboard.event_files()[1].starts_with(logs.path().join("validation")));
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Debug)]
pub struct TensorBoard {
    log_dir: PathBuf,
    histogram_freq: usize,
    update_freq: UpdateFreq,
    train: Option<EventWriter>,
    validation: Option<EventWriter>,
    files: Vec<PathBuf>,
    global_batch: u64,
    hparams: Option<(BTreeMap<String, crate::tune::Value>, String)>,
    session: Option<EventWriter>,
}

impl Default for TensorBoard {
    /// Keras's default folder, `logs`.
    fn default() -> Self {
        Self::new("logs")
    }
}

impl TensorBoard {
    /// A callback writing under `log_dir` (Keras's `log_dir`; its `train`
    /// and `validation` folders are created when first written).
    pub fn new(log_dir: impl Into<PathBuf>) -> Self {
        Self {
            log_dir: log_dir.into(),
            histogram_freq: 0,
            update_freq: UpdateFreq::Epoch,
            train: None,
            validation: None,
            files: Vec::new(),
            global_batch: 0,
            hparams: None,
            session: None,
        }
    }

    /// Also writes `values` for TensorBoard's HParams dashboard, in an event
    /// file in `log_dir` itself: the `hparams` plugin's session start
    /// (with `group_name`, the trial's id) when training begins and its
    /// session end when it ends, as Keras Tuner's trials do.
    pub fn hparams(
        mut self,
        values: BTreeMap<String, crate::tune::Value>,
        group_name: &str,
    ) -> Self {
        self.hparams = Some((values, group_name.to_owned()));
        self
    }

    setters! {
        /// Weight histograms every `epochs` epochs (Keras's `histogram_freq`;
        /// 0, the default, writes none).
        histogram_freq: usize,
        /// How often batch scalars are written (default [`UpdateFreq::Epoch`]:
        /// never).
        update_freq: UpdateFreq,
    }

    /// The folder holding `train/` and `validation/`.
    pub fn log_dir(&self) -> &Path {
        &self.log_dir
    }

    /// The event files written so far, in the order they were created.
    pub fn event_files(&self) -> &[PathBuf] {
        &self.files
    }

    fn writer(&mut self, validation: bool) -> Result<&mut EventWriter> {
        let (slot, folder) = if validation {
            (&mut self.validation, "validation")
        } else {
            (&mut self.train, "train")
        };
        if slot.is_none() {
            let writer = EventWriter::create(&self.log_dir.join(folder))?;
            self.files.push(writer.path().to_path_buf());
            *slot = Some(writer);
        }
        Ok(slot.as_mut().expect("created above"))
    }

    fn scalar(&mut self, validation: bool, tag: &str, step: u64, value: f64) -> Result<()> {
        let writer = self.writer(validation)?;
        let first = writer.first(tag);
        writer.write(step_i64(step)?, proto::scalar(tag, value, first));
        Ok(())
    }

    fn histograms<N: Model>(&mut self, model: &N, epoch: usize) -> Result<()> {
        let writer = self.writer(false)?;
        for array in model.get_weights() {
            let tag = format!("{}/histogram", array.name);
            let first = writer.first(&tag);
            writer.write(
                step_i64(epoch as u64)?,
                proto::histogram(&tag, &array.data, first),
            );
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        for writer in [&mut self.train, &mut self.validation]
            .into_iter()
            .flatten()
        {
            writer.flush()?;
        }
        Ok(())
    }
}

fn step_i64(step: u64) -> Result<i64> {
    i64::try_from(step).map_err(|_| Error::InvalidArgument {
        name: "step",
        message: format!("TensorBoard steps are i64; {step} does not fit"),
    })
}

impl<N: Model> Callback<N> for TensorBoard {
    fn on_train_begin(&mut self, _ctx: &mut CallbackContext<'_, N>) -> Result<()> {
        // As Keras's `set_model`: a new pair of files for each `fit`.
        self.train = None;
        self.validation = None;
        self.global_batch = 0;
        if let UpdateFreq::Batches(0) = self.update_freq {
            return Err(Error::InvalidArgument {
                name: "update_freq",
                message: "TensorBoard's update_freq must be at least 1 batch (found 0)".into(),
            });
        }
        if let Some((values, group)) = &self.hparams {
            let mut writer = EventWriter::create(&self.log_dir)?;
            let start = hparams::session_start(values, group, record::wall_time());
            writer.write(0, start);
            writer.flush()?;
            self.files.push(writer.path().to_path_buf());
            self.session = Some(writer);
        }
        Ok(())
    }

    fn on_batch_begin(&mut self, _ctx: &mut CallbackContext<'_, N>, _batch: usize) -> Result<()> {
        self.global_batch += 1;
        Ok(())
    }

    fn on_batch_end(
        &mut self,
        _ctx: &mut CallbackContext<'_, N>,
        _batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let UpdateFreq::Batches(n) = self.update_freq else {
            return Ok(());
        };
        if !self.global_batch.is_multiple_of(n) {
            return Ok(());
        }
        for (name, value) in logs.iter() {
            self.scalar(false, &format!("batch_{name}"), self.global_batch, value)?;
        }
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let iterations = ctx.iterations();
        for (name, value) in logs.iter() {
            if let Some(name) = name.strip_prefix("val_") {
                let tag = format!("evaluation_{name}_vs_iterations");
                self.scalar(true, &tag, iterations, value)?;
            }
        }
        let step = epoch as u64;
        let learning_rate = f64::from(ctx.learning_rate());
        for (name, value) in logs.iter() {
            match name.strip_prefix("val_") {
                Some(name) => self.scalar(true, &format!("epoch_{name}"), step, value)?,
                None if name == "learning_rate" => {}
                None => self.scalar(false, &format!("epoch_{name}"), step, value)?,
            }
        }
        self.scalar(false, "epoch_learning_rate", step, learning_rate)?;
        if self.histogram_freq > 0 && epoch.is_multiple_of(self.histogram_freq) {
            self.histograms(ctx.model(), epoch)?;
        }
        self.flush()
    }

    fn on_train_end(&mut self, _ctx: &mut CallbackContext<'_, N>, _logs: &Logs) -> Result<()> {
        self.flush()?;
        self.train = None;
        self.validation = None;
        if let Some(mut writer) = self.session.take() {
            writer.write(0, hparams::session_end(record::wall_time()));
            writer.flush()?;
        }
        Ok(())
    }
}
