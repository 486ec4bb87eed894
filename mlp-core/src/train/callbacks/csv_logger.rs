//! [`CsvLogger`].

use super::{Callback, CallbackContext};
use crate::train::Logs;
use crate::{Error, Result};
use std::path::PathBuf;

/// Writes one row per epoch to a CSV file (Keras's `CSVLogger`): the column
/// `epoch`, then the names of the first epoch's logs in sorted order (as
/// Keras: `accuracy,loss,val_accuracy,val_loss`); a value missing from a
/// later epoch is written `NA`.
///
/// The file is rewritten whole at each epoch end
/// (a temporary file, then a rename), so it is never half written.
/// With `append`, the rows of an existing file are kept (and its header
/// is not repeated).
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::metrics::Metric;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::{CsvLogger, Fit};
///
/// network! { struct Net { Input[1] -> Dense<2, softmax> } }
///
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("training.log");
/// let x = [SVector::<f32, 1>::new(-1.0), SVector::<f32, 1>::new(1.0)];
/// let mut model = Net::new(0);
/// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), [Metric::Accuracy]);
/// trainer.fit(&x, &[0_u8, 1], Fit::epochs(2).verbose(0).callback(CsvLogger::new(&path)))?;
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert_eq!(text.lines().next(), Some("epoch,accuracy,loss"));
/// assert_eq!(text.lines().count(), 3);
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CsvLogger {
    path: PathBuf,
    separator: u8,
    append: bool,
    keys: Option<Vec<String>>,
    contents: Vec<u8>,
}

impl CsvLogger {
    /// A logger writing to `path` (replacing it at the first epoch end).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            separator: b',',
            append: false,
            keys: None,
            contents: Vec::new(),
        }
    }

    setters! {
        /// The field separator (default `,`).
        separator: u8,
        /// Keeps the rows of an existing file (default false).
        append: bool,
    }

    /// The file written.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn csv_error(&self, e: impl std::fmt::Display) -> Error {
        Error::Data {
            source_name: self.path.display().to_string(),
            message: e.to_string(),
        }
    }
}

impl<N: crate::model::Model> Callback<N> for CsvLogger {
    fn on_train_begin(&mut self, _ctx: &mut CallbackContext<'_, N>) -> Result<()> {
        self.keys = None;
        self.contents.clear();
        if self.append {
            match std::fs::read(&self.path) {
                Ok(bytes) => self.contents = bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(Error::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
            if !self.contents.is_empty() && !self.contents.ends_with(b"\n") {
                self.contents.push(b'\n');
            }
        }
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        _ctx: &mut CallbackContext<'_, N>,
        epoch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.separator)
            .from_writer(Vec::new());
        if self.keys.is_none() {
            let mut keys: Vec<String> = logs.names().map(str::to_string).collect();
            keys.sort();
            if self.contents.is_empty() {
                let header = std::iter::once("epoch").chain(keys.iter().map(String::as_str));
                writer.write_record(header).map_err(|e| self.csv_error(e))?;
            }
            self.keys = Some(keys);
        }
        let keys = self.keys.as_deref().unwrap_or_default();
        let row = std::iter::once(epoch.to_string()).chain(keys.iter().map(|k| {
            logs.get(k)
                .map_or_else(|| "NA".to_string(), |v| v.to_string())
        }));
        writer.write_record(row).map_err(|e| self.csv_error(e))?;
        let bytes = writer.into_inner().map_err(|e| self.csv_error(e))?;
        self.contents.extend_from_slice(&bytes);
        crate::fs::write_atomic(&self.path, &self.contents)
    }
}
