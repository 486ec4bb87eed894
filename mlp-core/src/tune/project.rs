//! The project folder (Keras Tuner's `directory/project_name`): one
//! `trial_<id>/trial.json` per trial, written whole before and after the
//! trial runs, and `oracle.json` with the space and the seed. A search
//! started again on the folder reads them back and resumes.

use super::oracle::id_key;
use super::space::{Param, Value};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a trial stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Started and not finished (a search killed during it runs it again).
    Running,
    /// Trained to its end, with its score.
    Completed,
}

/// One trial as the project folder records it (Keras Tuner's `trial.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// `00`, `01`, ...
    pub trial_id: String,
    /// The active hyperparameters' values.
    pub hyperparameters: BTreeMap<String, Value>,
    /// The best value of the objective over the trial's epochs.
    pub score: Option<f64>,
    /// The epoch (0-based) of that best value.
    pub best_step: Option<usize>,
    /// Running or completed.
    pub status: Status,
    /// Seconds the trial took.
    pub seconds: Option<f64>,
    /// The epoch `fit` trains up to (Hyperband's budget; Keras Tuner's
    /// `tuner/epochs`), if the tuner sets one.
    #[serde(default)]
    pub epochs: Option<usize>,
    /// The epoch it starts from (Keras Tuner's `tuner/initial_epoch`).
    #[serde(default)]
    pub initial_epoch: Option<usize>,
    /// The trial whose checkpoint it continues (a Hyperband promotion;
    /// Keras Tuner's `tuner/trial_id`).
    #[serde(default)]
    pub resumed_from: Option<String>,
}

/// The search a project folder belongs to (`oracle.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct OracleRecord {
    pub tuner: String,
    pub objective: String,
    pub seed: u64,
    pub space: Vec<Param>,
}

fn data_error(path: &Path, message: impl std::fmt::Display) -> Error {
    Error::Data {
        source_name: path.display().to_string(),
        message: message.to_string(),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| data_error(path, e))?;
    crate::fs::write_atomic(path, text.as_bytes())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = crate::fs::read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| data_error(path, e))
}

/// A project folder.
#[derive(Clone, Debug)]
pub(crate) struct Project {
    pub dir: PathBuf,
}

impl Project {
    /// The folder of trial `id`.
    pub fn trial_dir(&self, id: &str) -> PathBuf {
        self.dir.join(format!("trial_{id}"))
    }

    /// Opens the folder: emptied first with `overwrite`; otherwise its
    /// `oracle.json` must describe `oracle` (the same search), and its
    /// trials are read back, in id order.
    pub fn open(
        dir: &Path,
        overwrite: bool,
        oracle: &OracleRecord,
    ) -> Result<(Self, Vec<TrialRecord>)> {
        let io = |source| Error::Io {
            path: dir.to_path_buf(),
            source,
        };
        if overwrite && dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let project = Self {
            dir: dir.to_path_buf(),
        };
        let oracle_path = dir.join("oracle.json");
        if oracle_path.exists() {
            let found: OracleRecord = read_json(&oracle_path)?;
            if found != *oracle {
                return Err(data_error(
                    &oracle_path,
                    format!(
                        "the folder holds another search ({} on `{}`, seed {}, {} parameters) than \
                         this one ({} on `{}`, seed {}, {} parameters); pass overwrite(true) to \
                         start again, or another project name",
                        found.tuner,
                        found.objective,
                        found.seed,
                        found.space.len(),
                        oracle.tuner,
                        oracle.objective,
                        oracle.seed,
                        oracle.space.len()
                    ),
                ));
            }
        } else {
            write_json(&oracle_path, oracle)?;
        }
        let mut trials = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path().join("trial.json");
            if path.exists() {
                trials.push(read_json::<TrialRecord>(&path)?);
            }
        }
        trials.sort_by(|a, b| id_key(&a.trial_id).cmp(&id_key(&b.trial_id)));
        Ok((project, trials))
    }

    /// Writes `trial`'s `trial.json`, whole or not at all.
    pub fn save(&self, trial: &TrialRecord) -> Result<()> {
        let dir = self.trial_dir(&trial.trial_id);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        write_json(&dir.join("trial.json"), trial)
    }
}
