//! What `fit` returns: Keras's `History`, with JSON and CSV export.
//!
//! ```
//! use mlp_core::history::{History, HistoryParams};
//!
//! let mut history = History::new(HistoryParams { epochs: 2, steps: 10, samples: 300, batch_size: 32, verbose: 0 });
//! history.push_epoch(0, &[("loss", 0.9), ("accuracy", 0.7)]);
//! history.push_epoch(1, &[("loss", 0.5), ("accuracy", 0.8)]);
//! assert_eq!(history.get("loss"), Some(&[0.9, 0.5][..]));
//! assert!(history.to_json()?.contains("\"accuracy\":[0.7,0.8]"));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Keras's `history.params`: how the run was set up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryParams {
    /// Epochs asked for.
    pub epochs: usize,
    /// Steps (batches) per epoch.
    pub steps: usize,
    /// Training samples per epoch.
    pub samples: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Verbosity (0, 1 or 2).
    pub verbose: u8,
}

/// The record of a training run: per-epoch values of the loss and metrics,
/// named as Keras names them (`loss`, `accuracy`, `val_loss`, `val_accuracy`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// How the run was set up.
    pub params: HistoryParams,
    /// The epoch numbers recorded (0-based, as Keras's `history.epoch`).
    pub epoch: Vec<usize>,
    /// Name -> one value per recorded epoch, in Keras's order (training
    /// values first, then `val_` ones).
    pub history: Vec<(String, Vec<f64>)>,
}

impl History {
    /// An empty history for a run set up as `params`.
    pub fn new(params: HistoryParams) -> Self {
        Self {
            params,
            epoch: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Records one epoch's logs.
    pub fn push_epoch(&mut self, epoch: usize, logs: &[(&str, f64)]) {
        self.epoch.push(epoch);
        for (name, value) in logs {
            match self.history.iter_mut().find(|(n, _)| n == name) {
                Some((_, values)) => values.push(*value),
                None => self.history.push(((*name).to_string(), vec![*value])),
            }
        }
    }

    /// The values of one metric, by Keras's name.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        self.history
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The names recorded, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.history.iter().map(|(n, _)| n.as_str())
    }

    /// Number of epochs recorded.
    pub fn len(&self) -> usize {
        self.epoch.len()
    }

    /// True if no epoch was recorded.
    pub fn is_empty(&self) -> bool {
        self.epoch.is_empty()
    }

    /// Keras's `history.history` as JSON: `{"loss": [...], "accuracy": [...]}`,
    /// with `params` and `epoch` beside it.
    pub fn to_json(&self) -> Result<String> {
        let map: serde_json::Map<String, serde_json::Value> = self
            .history
            .iter()
            .map(|(n, v)| (n.clone(), serde_json::json!(v)))
            .collect();
        let doc = serde_json::json!({ "params": self.params, "epoch": self.epoch, "history": map });
        serde_json::to_string(&doc).map_err(|e| Error::Data {
            source_name: "history".into(),
            message: e.to_string(),
        })
    }

    /// One row per epoch: `epoch,loss,accuracy,...` (as Keras's CSVLogger).
    pub fn to_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let to_err = |e: csv::Error| Error::Data {
            source_name: "history".into(),
            message: e.to_string(),
        };
        let mut header = vec!["epoch".to_string()];
        header.extend(self.names().map(str::to_string));
        w.write_record(&header).map_err(to_err)?;
        for (i, epoch) in self.epoch.iter().enumerate() {
            let mut row = vec![epoch.to_string()];
            row.extend(
                self.history
                    .iter()
                    .map(|(_, v)| v.get(i).map_or(String::new(), |x| x.to_string())),
            );
            w.write_record(&row).map_err(to_err)?;
        }
        let bytes = w.into_inner().map_err(|e| Error::Data {
            source_name: "history".into(),
            message: e.to_string(),
        })?;
        String::from_utf8(bytes).map_err(|e| Error::Data {
            source_name: "history".into(),
            message: e.to_string(),
        })
    }

    /// Writes [`History::to_json`] to `path`, whole or not at all.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fs::write_atomic(path.as_ref(), self.to_json()?.as_bytes())
    }

    /// Writes [`History::to_csv`] to `path`, whole or not at all.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fs::write_atomic(path.as_ref(), self.to_csv()?.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_one_row_per_epoch() {
        let mut h = History::new(HistoryParams::default());
        h.push_epoch(0, &[("loss", 1.0), ("val_loss", 2.0)]);
        h.push_epoch(1, &[("loss", 0.5), ("val_loss", 1.5)]);
        assert_eq!(
            h.to_csv().unwrap(),
            "epoch,loss,val_loss\n0,1,2\n1,0.5,1.5\n"
        );
        assert_eq!(h.len(), 2);
        assert_eq!(h.names().collect::<Vec<_>>(), ["loss", "val_loss"]);
    }
}
