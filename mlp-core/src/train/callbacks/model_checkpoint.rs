//! [`ModelCheckpoint`].

use super::{Callback, CallbackContext, Mode};
use crate::train::Logs;
use crate::{Error, Result};
use core::fmt::Write as _;
use std::path::{Path, PathBuf};

/// When [`ModelCheckpoint`] saves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SaveFreq {
    /// At the end of every epoch (Keras's `save_freq="epoch"`, the default).
    #[default]
    Epoch,
    /// After every `n` training batches, counted across epochs (Keras's
    /// `save_freq=n`); the logs are then the running means of the epoch so
    /// far, without the `val_` values.
    Batches(usize),
}

/// Saves the model's weights during training (Keras's
/// `ModelCheckpoint(filepath, monitor="val_loss", save_best_only=False,
/// mode="auto", save_weights_only=True, save_freq="epoch")`), as a
/// safetensors file through [`WeightsFile::save_weights`](crate::io::WeightsFile::save_weights),
/// a chain's or a graph's: written whole or not at all, loadable with
/// `load_weights` (and by Keras).
///
/// With [`ModelCheckpoint::save_weights_only`]`(false)` it saves the
/// model's whole training state instead, as [`Trainer::save_state`](crate::train::Trainer::save_state)
/// writes it (weights, architecture, optimizer and its state, step count,
/// next epoch, shuffling seed, History so far; see
/// [`TrainingState`](crate::train::TrainingState)), so that
/// [`Trainer::load_state`](crate::train::Trainer::load_state) and a `fit`
/// from the epoch it records continue the run exactly. That is this
/// library's counterpart of Keras's `save_weights_only=False`, which saves
/// the whole model as a `.keras` file. Keras's default is `False`; here the
/// default stays weights only, the file every earlier version wrote. A
/// whole state is saved at epoch ends only: with [`SaveFreq::Batches`] it is
/// an error at the start of `fit` (resuming in the middle of an epoch is
/// not supported).
///
/// The file path may hold placeholders, filled in at each save as Keras's
/// `filepath.format(epoch=epoch + 1, **logs)`:
///
/// - `{epoch}`: the epoch, counted from 1; `{epoch:02}` (or Python's
///   `{epoch:02d}`) pads it with zeros to 2 digits;
/// - `{batch}`: the batch within the epoch, counted from 1 (with
///   [`SaveFreq::Batches`]; it reads 0 at epoch ends);
/// - `{<name>}` for any value in the logs, such as `{val_loss}` (Rust's
///   shortest form of the number) or `{val_loss:.4}` (Python's
///   `{val_loss:.4f}` also works: 4 decimals);
/// - `{{` and `}}` for literal braces.
///
/// A malformed placeholder is an error at the start of `fit`; a name that is
/// not in the logs, an error at the first save, naming it and listing the
/// names the logs hold.
///
/// With `save_best_only`, a file is written only when the monitored value
/// (default `val_loss`) improves on the best one seen (strictly: no
/// `min_delta`, as Keras; NaN never improves), so a path without
/// placeholders always holds the weights of the best epoch. The mode
/// decides what "better" is: [`Mode::Auto`] (default) maximises names that
/// contain `acc` (such as `val_accuracy`) and minimises the others. A
/// monitored value missing from the logs (say `val_loss` without validation
/// data) is an error at the start of `fit`, before the first step, naming
/// it and listing the names the logs will hold, where Keras only warns. Without `save_best_only` the monitor is not read.
///
/// As Keras 3, missing parent folders are created, and the best value is
/// kept from one `fit` call to the next (use a new checkpoint to start
/// over). Any error while writing ends `fit` with that error.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::{Fit, ModelCheckpoint};
///
/// network! { struct Net { Input[1] -> Dense<2, softmax> } }
///
/// let dir = tempfile::tempdir().unwrap();
/// let x = [SVector::<f32, 1>::new(-1.0), SVector::<f32, 1>::new(1.0)];
/// let y = [0_u8, 1];
/// let mut model = Net::new(0);
/// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.1), []);
/// let mut checkpoint = ModelCheckpoint::new(dir.path().join("net-{epoch:02}-{loss:.3}.safetensors"))
///     .monitor("loss")
///     .save_best_only(true);
/// let history = trainer.fit(&x, &y, Fit::epochs(3).verbose(0).callback(&mut checkpoint))?;
///
/// let loss = history.get("loss").unwrap()[2];
/// let last = dir.path().join(format!("net-03-{loss:.3}.safetensors"));
/// assert_eq!(checkpoint.last_saved(), Some(last.as_path()));
/// let mut restored = Net::new_zeroed();
/// restored.load_weights(&last)?;
/// assert_eq!(restored.params(), trainer.model().params());
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    filepath: PathBuf,
    /// The value compared with `save_best_only` (default `"val_loss"`).
    pub monitor: String,
    /// Save only when the monitored value improves (default false).
    pub save_best_only: bool,
    /// Direction of improvement (default [`Mode::Auto`]).
    pub mode: Mode,
    /// When to save (default [`SaveFreq::Epoch`]).
    pub save_freq: SaveFreq,
    /// With `save_best_only`, a value to beat before the first save (Keras's
    /// `initial_value_threshold`, default none).
    pub initial_value_threshold: Option<f64>,
    /// Print a line at each save or non-improvement (default false, Keras's 0).
    pub verbose: bool,
    /// Save only the weights (default true); false saves the whole
    /// training state.
    pub save_weights_only: bool,
    template: Vec<Piece>,
    best: Option<f64>,
    best_epoch: Option<usize>,
    epoch: usize,
    batches_since_save: usize,
    last_batch: Option<usize>,
    last_saved: Option<PathBuf>,
}

impl ModelCheckpoint {
    /// Saves to `filepath` (which may hold placeholders) at every epoch end,
    /// with Keras's defaults.
    pub fn new(filepath: impl Into<PathBuf>) -> Self {
        Self {
            filepath: filepath.into(),
            monitor: "val_loss".into(),
            save_best_only: false,
            mode: Mode::Auto,
            save_freq: SaveFreq::Epoch,
            initial_value_threshold: None,
            verbose: false,
            save_weights_only: true,
            template: Vec::new(),
            best: None,
            best_epoch: None,
            epoch: 0,
            batches_since_save: 0,
            last_batch: None,
            last_saved: None,
        }
    }

    setters! {
        /// Sets the monitored value.
        monitor: impl Into<String> => Into::into,
        /// Saves only when the monitored value improves.
        save_best_only: bool,
        /// Sets the mode.
        mode: Mode,
        /// Sets when to save.
        save_freq: SaveFreq,
        /// Sets the value to beat before the first save (with `save_best_only`).
        initial_value_threshold: f64 => Some,
        /// Prints a line at each save or non-improvement.
        verbose: bool,
        /// Saves only the weights (true, the default) or the whole training
        /// state (false; see the type's docs).
        save_weights_only: bool,
    }

    /// The file path as given, placeholders included.
    pub fn filepath(&self) -> &Path {
        &self.filepath
    }

    /// The file written last, if any.
    pub fn last_saved(&self) -> Option<&Path> {
        self.last_saved.as_deref()
    }

    /// With `save_best_only`, the epoch (0-based) of the best value so far
    /// and that value.
    pub fn best(&self) -> Option<(usize, f64)> {
        self.best_epoch.zip(self.best)
    }

    /// [`Mode::Min`] or [`Mode::Max`], resolving [`Mode::Auto`] by the
    /// monitored name: `Max` if it contains `acc`.
    pub fn resolved_mode(&self) -> Mode {
        self.mode.resolve(&self.monitor)
    }

    /// The path of a save at `epoch` (0-based) and `batch` (0-based, or
    /// `None` at an epoch end) with `logs`: the placeholders filled in.
    pub fn file_path(&self, epoch: usize, batch: Option<usize>, logs: &Logs) -> Result<PathBuf> {
        let template = if self.template.is_empty() {
            parse(&self.filepath)?
        } else {
            self.template.clone()
        };
        fill(&template, &self.filepath, epoch, batch, logs)
    }

    /// Keras's `monitor_op` against the best so far (or the initial
    /// threshold), with no margin.
    fn improves(&self, value: f64) -> bool {
        let reference = self.best.or(self.initial_value_threshold);
        self.resolved_mode().improves(value, reference, 0.0)
    }

    /// Keras's `_should_save_on_batch`: counts the batches since the last
    /// save, across epochs.
    fn batch_due(&mut self, batch: usize, every: usize) -> bool {
        let added = match self.last_batch {
            Some(last) if batch > last => batch - last,
            _ => batch + 1,
        };
        self.last_batch = Some(batch);
        self.batches_since_save += added;
        if self.batches_since_save >= every {
            self.batches_since_save = 0;
            true
        } else {
            false
        }
    }

    fn save<N: crate::model::Model>(
        &mut self,
        ctx: &CallbackContext<'_, N>,
        epoch: usize,
        batch: Option<usize>,
        logs: &Logs,
    ) -> Result<()> {
        let path = fill(&self.template, &self.filepath, epoch, batch, logs)?;
        if self.save_best_only {
            let current = super::monitored("ModelCheckpoint", &self.monitor, logs)?;
            if !self.improves(current) {
                if self.verbose {
                    let best = self.best.or(self.initial_value_threshold);
                    println!(
                        "\nEpoch {}: {} did not improve from {}",
                        epoch + 1,
                        self.monitor,
                        best.map_or("inf".to_string(), |b| format!("{b:.5}"))
                    );
                }
                return Ok(());
            }
            if self.verbose {
                let from = self.best.or(self.initial_value_threshold).map_or_else(
                    || match self.resolved_mode() {
                        Mode::Max => "-inf".to_string(),
                        _ => "inf".to_string(),
                    },
                    |b| format!("{b:.5}"),
                );
                println!(
                    "\nEpoch {}: {} improved from {from} to {current:.5}, saving model to {}",
                    epoch + 1,
                    self.monitor,
                    path.display()
                );
            }
            self.best = Some(current);
            self.best_epoch = Some(epoch);
        } else if self.verbose {
            println!("\nEpoch {}: saving model to {}", epoch + 1, path.display());
        }
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        if self.save_weights_only {
            ctx.save_weights(&path)?;
        } else {
            crate::fs::write_atomic(&path, &ctx.training_state(epoch + 1)?)?;
        }
        self.last_saved = Some(path);
        Ok(())
    }
}

impl<N: crate::model::Model> Callback<N> for ModelCheckpoint {
    fn on_train_begin(&mut self, ctx: &mut CallbackContext<'_, N>) -> Result<()> {
        if self.save_best_only {
            ctx.check_monitor("ModelCheckpoint", &self.monitor)?;
        }
        if self.save_freq == SaveFreq::Batches(0) {
            return Err(Error::InvalidArgument {
                name: "save_freq",
                message: "is 0 batches; it must be at least 1".into(),
            });
        }
        if let (false, SaveFreq::Batches(every)) = (self.save_weights_only, self.save_freq) {
            return Err(Error::InvalidArgument {
                name: "save_freq",
                message: format!(
                    "is every {every} batches, but save_weights_only is false: a whole training \
                     state is saved at epoch ends only (use SaveFreq::Epoch)"
                ),
            });
        }
        self.template = parse(&self.filepath)?;
        Ok(())
    }

    fn on_epoch_begin(&mut self, _ctx: &mut CallbackContext<'_, N>, epoch: usize) -> Result<()> {
        self.epoch = epoch;
        Ok(())
    }

    fn on_batch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let freq = self.save_freq;
        match freq {
            SaveFreq::Batches(every) if self.batch_due(batch, every) => {
                self.save(ctx, self.epoch, Some(batch), logs)
            }
            _ => Ok(()),
        }
    }

    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        logs: &Logs,
    ) -> Result<()> {
        match self.save_freq {
            SaveFreq::Epoch => self.save(ctx, epoch, None, logs),
            SaveFreq::Batches(_) => Ok(()),
        }
    }
}

/// A piece of a parsed file path.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    /// Text copied as is.
    Text(String),
    /// `{epoch}`, `{batch}` or `{<log name>}`, with its format.
    Field { name: String, spec: Spec },
}

/// A format spec: `[0][width][.precision][d|f]`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Spec {
    zero: bool,
    width: usize,
    precision: Option<usize>,
    integer: bool,
}

fn bad_path(path: &Path, message: String) -> Error {
    Error::InvalidArgument {
        name: "filepath",
        message: format!("`{}`: {message}", path.display()),
    }
}

/// Splits `path` into text and placeholders.
fn parse(path: &Path) -> Result<Vec<Piece>> {
    let Some(s) = path.to_str() else {
        if path.to_string_lossy().contains(['{', '}']) {
            return Err(bad_path(
                path,
                "placeholders need a path that is valid UTF-8".into(),
            ));
        }
        return Ok(Vec::new()); // Used as is.
    };
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '}' => {
                return Err(bad_path(path, "single `}` (write `}}` for a brace)".into()));
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => {
                            return Err(bad_path(
                                path,
                                format!(
                                    "unclosed placeholder `{{{field}` (write `{{{{` for a brace)"
                                ),
                            ));
                        }
                        Some(c) => field.push(c),
                    }
                }
                let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                if name.is_empty() {
                    return Err(bad_path(
                        path,
                        format!("placeholder `{{{field}}}` has no name"),
                    ));
                }
                let spec = parse_spec(spec).ok_or_else(|| {
                    bad_path(
                        path,
                        format!(
                            "placeholder `{{{field}}}`: unsupported format `{spec}` \
                             (use `02` for an epoch, `.4` for a value)"
                        ),
                    )
                })?;
                let is_count = matches!(name, "epoch" | "batch");
                if (is_count && spec.precision.is_some()) || (!is_count && spec.integer) {
                    return Err(bad_path(
                        path,
                        format!(
                            "placeholder `{{{field}}}`: `epoch` and `batch` are integers, \
                             log values are numbers with decimals"
                        ),
                    ));
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(core::mem::take(&mut text)));
                }
                pieces.push(Piece::Field {
                    name: name.to_string(),
                    spec,
                });
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Parses `[0][width][.precision][d|f]`.
fn parse_spec(spec: &str) -> Option<Spec> {
    let mut out = Spec::default();
    let mut rest = spec;
    if let Some(r) = rest.strip_suffix('d') {
        out.integer = true;
        rest = r;
    } else if let Some(r) = rest.strip_suffix('f') {
        rest = r;
        if !rest.contains('.') {
            return None;
        }
    }
    let (width, precision) = match rest.split_once('.') {
        Some((w, p)) => (w, Some(p)),
        None => (rest, None),
    };
    if let Some(w) = width.strip_prefix('0') {
        out.zero = true;
        out.width = if w.is_empty() { 0 } else { w.parse().ok()? };
    } else if !width.is_empty() {
        out.width = width.parse().ok()?;
    }
    if let Some(p) = precision {
        out.precision = Some(p.parse().ok()?);
        if out.integer {
            return None;
        }
    }
    Some(out)
}

/// The path with its placeholders filled in (`template` empty: `path` as is).
fn fill(
    template: &[Piece],
    path: &Path,
    epoch: usize,
    batch: Option<usize>,
    logs: &Logs,
) -> Result<PathBuf> {
    if template.is_empty() {
        return Ok(path.to_path_buf());
    }
    let mut out = String::new();
    for piece in template {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Field { name, spec } => {
                let (w, p) = (spec.width, spec.precision);
                let _ = match name.as_str() {
                    "epoch" | "batch" => {
                        let n = match name.as_str() {
                            "epoch" => epoch + 1,
                            _ => batch.map_or(0, |b| b + 1),
                        };
                        if spec.zero {
                            write!(out, "{n:0w$}")
                        } else {
                            write!(out, "{n:w$}")
                        }
                    }
                    _ => {
                        let v = logs.get(name).ok_or_else(|| Error::InvalidArgument {
                            name: "filepath",
                            message: format!(
                                "`{}` uses `{{{name}}}`, which is not in the logs; they hold: {}",
                                path.display(),
                                logs.names().collect::<Vec<_>>().join(", ")
                            ),
                        })?;
                        match (spec.zero, p) {
                            (true, Some(p)) => write!(out, "{v:0w$.p$}"),
                            (false, Some(p)) => write!(out, "{v:w$.p$}"),
                            (true, None) => write!(out, "{v:0w$}"),
                            (false, None) => write!(out, "{v:w$}"),
                        }
                    }
                };
            }
        }
    }
    Ok(PathBuf::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs() -> Logs {
        let mut logs = Logs::new();
        logs.insert("loss", 0.123_456);
        logs.insert("val_loss", 0.5);
        logs.insert("val_accuracy", 0.875);
        logs
    }

    fn path(template: &str, epoch: usize, batch: Option<usize>) -> Result<String> {
        let t = parse(Path::new(template))?;
        let p = fill(&t, Path::new(template), epoch, batch, &logs())?;
        Ok(p.to_str().unwrap().to_string())
    }

    #[test]
    fn placeholders_are_filled_as_keras() {
        assert_eq!(path("w.safetensors", 4, None).unwrap(), "w.safetensors");
        assert_eq!(path("w-{epoch}.st", 0, None).unwrap(), "w-1.st");
        assert_eq!(path("w-{epoch:02}.st", 4, None).unwrap(), "w-05.st");
        assert_eq!(path("w-{epoch:02d}.st", 4, None).unwrap(), "w-05.st");
        assert_eq!(path("w-{epoch:03}.st", 11, None).unwrap(), "w-012.st");
        assert_eq!(path("w-{epoch:03}.st", 1233, None).unwrap(), "w-1234.st");
        assert_eq!(
            path("ck/{epoch:02}-{val_loss:.4}.st", 9, None).unwrap(),
            "ck/10-0.5000.st"
        );
        assert_eq!(
            path("{loss:.2f}_{val_accuracy}", 0, None).unwrap(),
            "0.12_0.875"
        );
        assert_eq!(
            path("{epoch}-{batch}", 1, Some(2)).unwrap(),
            "2-3",
            "batch counts from 1"
        );
        assert_eq!(path("{{x}}-{epoch}", 0, None).unwrap(), "{x}-1");
    }

    #[test]
    fn malformed_placeholders_are_errors_naming_the_path() {
        for (template, needle) in [
            ("w-{epoch", "unclosed placeholder `{epoch`"),
            ("w-}", "single `}`"),
            ("w-{}.st", "has no name"),
            ("w-{epoch:.2}.st", "`epoch` and `batch` are integers"),
            ("w-{loss:02d}.st", "`epoch` and `batch` are integers"),
            ("w-{loss:x}.st", "unsupported format `x`"),
            ("w-{loss:.2d}.st", "unsupported format"),
        ] {
            let err = parse(Path::new(template)).unwrap_err().to_string();
            assert!(err.contains(template), "{err}");
            assert!(err.contains(needle), "{template}: {err}");
        }
    }

    #[test]
    fn a_value_missing_from_the_logs_lists_the_names() {
        let err = path("w-{val_acc:.3}", 0, None).unwrap_err().to_string();
        assert!(err.contains("`{val_acc}`"), "{err}");
        assert!(err.contains("loss, val_loss, val_accuracy"), "{err}");
    }

    #[test]
    fn mode_and_improvement() {
        let c = ModelCheckpoint::new("w");
        assert_eq!(c.resolved_mode(), Mode::Min);
        assert!(c.improves(3.0));
        assert!(!c.improves(f64::NAN));
        let mut c = ModelCheckpoint::new("w").monitor("val_accuracy");
        assert_eq!(c.resolved_mode(), Mode::Max);
        c.best = Some(0.5);
        assert!(c.improves(0.6));
        assert!(!c.improves(0.5), "equal is not an improvement");
        let c = ModelCheckpoint::new("w").initial_value_threshold(1.0);
        assert!(!c.improves(1.5));
        assert!(c.improves(0.5));
        let c = ModelCheckpoint::new("w").monitor("loss").mode(Mode::Max);
        assert_eq!(c.resolved_mode(), Mode::Max);
    }

    #[test]
    fn batch_frequency_counts_across_epochs() {
        // Four batches per epoch, a save every three: after epoch 1's third
        // batch, then after epoch 2's second (Keras's counting).
        let mut c = ModelCheckpoint::new("w").save_freq(SaveFreq::Batches(3));
        let mut saves = Vec::new();
        for epoch in 0..2 {
            for batch in 0..4 {
                if c.batch_due(batch, 3) {
                    saves.push((epoch, batch));
                }
            }
        }
        assert_eq!(saves, [(0, 2), (1, 1)]);
    }
}
