//! A whole training state in one file, so that a run can stop and resume
//! with the same result as if it had not stopped: the weights, the
//! architecture's description (checked on load), the optimizer's name,
//! hyperparameters, state buffers and step count, the next epoch, the
//! shuffling seed and the [`History`] so far.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::MeanSquaredError;
//! use mlp_core::optim::Adam;
//! use mlp_core::train::{Fit, TrainingState};
//!
//! network! { struct Net { Input[2] -> Dense<4, tanh> -> Dense<1> } }
//!
//! let x: Vec<SVector<f32, 2>> = (0..32).map(|i| SVector::<f32, 2>::new(i as f32 / 32.0, 1.0 - i as f32 / 64.0)).collect();
//! let y: Vec<SVector<f32, 1>> = x.iter().map(|p| SVector::<f32, 1>::new(p[0] * p[1])).collect();
//! let dir = tempfile::tempdir().map_err(|e| mlp_core::Error::Io { path: ".".into(), source: e })?;
//! let path = dir.path().join("run.mlpstate");
//!
//! // Four epochs in one run.
//! let mut straight = Net::new(1);
//! let mut trainer = straight.compile(MeanSquaredError, Adam::new(0.01), []);
//! let full = trainer.fit(&x, &y, Fit::epochs(4).batch_size(8).seed(3).verbose(0))?;
//!
//! // Two epochs, saved; a new model and trainer load them and run two more.
//! let mut first = Net::new(1);
//! let mut trainer = first.compile(MeanSquaredError, Adam::new(0.01), []);
//! let history = trainer.fit(&x, &y, Fit::epochs(2).batch_size(8).seed(3).verbose(0))?;
//! trainer.save_state(&path, &TrainingState::new(2, 3, history))?;
//!
//! let mut resumed = Net::new_zeroed();
//! let mut trainer = resumed.compile(MeanSquaredError, Adam::new(0.01), []);
//! let state = trainer.load_state(&path)?;
//! let rest = trainer.fit(&x, &y, Fit::epochs(4).batch_size(8).seed(state.seed).initial_epoch(state.epoch).verbose(0))?;
//! let history = state.continue_with(rest);
//! assert_eq!(resumed.params(), straight.params());
//! assert_eq!(history.get("loss"), full.get("loss"));
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! # The format
//!
//! A safetensors file (written whole or not at all) whose tensors are
//!
//! | tensor | dtype, shape | what |
//! | --- | --- | --- |
//! | `model/<layer>/kernel`, `model/<layer>/bias` | F32, Keras's shapes | the weights, as [`Model::get_weights`] |
//! | `optimizer/slot_<i>` | F32, `(PARAMS,)` | the optimizer's `i`-th state buffer (Adam: 0 = `m`, 1 = `v`), one value per parameter in the order of [`Model::params`] |
//! | `optimizer/iterations` | I64, `()` | optimizer steps taken (Keras's `optimizer.iterations`) |
//! | `history/<name>` | F64, `(epochs,)` | each History series, bit for bit |
//!
//! and whose metadata (string to string) holds `format` (`mlp-training-state`),
//! `version` (`2`), `network` (the struct's name), `architecture` (one line
//! per layer, its name and every setting of its row of the layer table but
//! the initializers: `dense: Dense { inputs: 8, units: 30, activation:
//! Relu, options: DenseOptions { kernel_regularizer: Some(L2 { l2: 0.01 }),
//! .. } }`), `loss` (the loss with its settings: `Huber { delta: 1.0 }`),
//! `optimizer` (Keras's name), `optimizer_config` (the optimizer's
//! hyperparameters, as its `Debug`),
//! `epoch` (the next epoch to run), `seed` (the shuffling seed: epoch `e`'s
//! order is a function of the seed and `e` only, so the seed is the whole
//! RNG state of shuffling), and `history_params`, `history_epoch`,
//! `history_names` (JSON).
//!
//! Loading checks the architecture (every layer's kind, size and settings
//! that change the computation: a Dropout's rate, a LeakyReLU's slope,
//! BatchNormalization's momentum and epsilon, a Dense layer's activation,
//! regularizers and constraints, ...), the loss and its settings (a Huber
//! `delta`, `from_logits`, `ignore_class`, ...) and the optimizer (name and
//! hyperparameters) against the trainer's, every tensor's dtype and shape,
//! and changes nothing unless all of it agrees; an error names the layer,
//! the setting and both values. Initializers are not compared: they only
//! decide the first weights, which the file replaces. A header that names
//! a tensor twice and a History that lists a series twice are refused, so
//! that an accepted file can always be saved again.

use super::Trainer;
use super::losses::Losses;
use super::settings::{describe, first_difference};
use crate::engine::UPDATE_CHUNK;
use crate::history::{History, HistoryParams};
use crate::layer::LayerInfo;
use crate::model::Model;
use crate::optim::Optimizer;
use crate::weights::NamedArray;
use crate::{Error, Result};
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::HashMap;
use std::path::Path;

/// Where a run stands besides the trainer's own state: the next epoch, the
/// shuffling seed and the History so far.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingState {
    /// The next epoch to run (pass it to [`Fit::initial_epoch`](super::Fit::initial_epoch)).
    pub epoch: usize,
    /// The shuffling seed (pass it to [`Fit::seed`](super::Fit::seed)).
    pub seed: u64,
    /// The History of the epochs run so far.
    pub history: History,
}

impl TrainingState {
    /// A state at the start of epoch `epoch`, shuffled from `seed`, after `history`.
    pub fn new(epoch: usize, seed: u64, history: History) -> Self {
        Self {
            epoch,
            seed,
            history,
        }
    }

    /// The History of the whole run: this state's epochs, then those of
    /// `later` (what the resumed `fit` returned), with `later`'s params.
    pub fn continue_with(self, later: History) -> History {
        let mut whole = self.history;
        whole.params = later.params;
        for (i, &epoch) in later.epoch.iter().enumerate() {
            let logs: Vec<(&str, f64)> = later
                .history
                .iter()
                .filter_map(|(name, values)| values.get(i).map(|v| (name.as_str(), *v)))
                .collect();
            whole.push_epoch(epoch, &logs);
        }
        whole
    }
}

const FORMAT: &str = "mlp-training-state";
const VERSION: &str = "2";

/// One line per layer: its name and its settings (see [`describe`]).
fn architecture(layers: &[LayerInfo]) -> Vec<String> {
    layers
        .iter()
        .map(|l| format!("{}: {}", l.name, describe(&l.kind)))
        .collect()
}

/// The first difference between the saved architecture `theirs` and ours
/// (lines of [`architecture`]), as a message naming the layer (counted from
/// 0), the setting and both values.
fn architecture_difference(theirs: &[&str], ours: &[String], network: &str) -> Option<String> {
    let names = |lines: &mut dyn Iterator<Item = &str>| -> String {
        let names: Vec<&str> = lines.map(|l| l.split(": ").next().unwrap_or(l)).collect();
        mlp_spec::short_list(&names)
    };
    if theirs.len() != ours.len() {
        return Some(format!(
            "the saved network has {} layers ({}), `{network}` declares {} ({})",
            theirs.len(),
            names(&mut theirs.iter().copied()),
            ours.len(),
            names(&mut ours.iter().map(String::as_str))
        ));
    }
    theirs.iter().zip(ours).enumerate().find_map(|(i, (t, o))| {
        let (t_name, t_settings) = t.split_once(": ").unwrap_or((t, ""));
        let (o_name, o_settings) = o.split_once(": ").unwrap_or((o, ""));
        if t_name != o_name {
            return Some(format!(
                "layer {i} is `{t_name}` in the saved run, `{o_name}` in `{network}`"
            ));
        }
        first_difference(t_settings, o_settings)
            .map(|d| d.describe(&format!("layer {i} (`{o_name}`)"), &format!("`{network}`")))
    })
}

/// The trainer's state buffers in slot order (`slots` buffers of `len`
/// values), from the layout `fit` keeps them in: chunk by chunk of
/// [`UPDATE_CHUNK`] parameters for an elementwise optimizer, whole buffers
/// back to back otherwise.
fn to_slots(state: &[f32], slots: usize, len: usize, chunked: bool) -> Vec<f32> {
    if !chunked || slots == 0 {
        return state.to_vec();
    }
    let mut out = vec![0.0; state.len()];
    for start in (0..len).step_by(UPDATE_CHUNK) {
        let n = (len - start).min(UPDATE_CHUNK);
        for s in 0..slots {
            out[s * len + start..s * len + start + n]
                .copy_from_slice(&state[slots * start + s * n..slots * start + (s + 1) * n]);
        }
    }
    out
}

/// The inverse of [`to_slots`].
fn from_slots(slotted: &[f32], slots: usize, len: usize, chunked: bool) -> Vec<f32> {
    if !chunked || slots == 0 {
        return slotted.to_vec();
    }
    let mut out = vec![0.0; slotted.len()];
    for start in (0..len).step_by(UPDATE_CHUNK) {
        let n = (len - start).min(UPDATE_CHUNK);
        for s in 0..slots {
            out[slots * start + s * n..slots * start + (s + 1) * n]
                .copy_from_slice(&slotted[s * len + start..s * len + start + n]);
        }
    }
    out
}

/// The first name `names` yields twice, if any.
fn first_duplicate<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    names.into_iter().find(|name| !seen.insert(*name))
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// What the training-state file records of an optimizer.
#[derive(Clone, Debug)]
pub(crate) struct OptimizerInfo {
    pub(crate) name: &'static str,
    pub(crate) config: String,
    pub(crate) slots: usize,
    pub(crate) elementwise: bool,
}

impl OptimizerInfo {
    pub(crate) fn of<O: Optimizer + ?Sized>(optimizer: &O) -> Self {
        Self {
            name: optimizer.name(),
            config: describe(optimizer),
            slots: optimizer.slots(),
            elementwise: optimizer.elementwise(),
        }
    }
}

/// The bytes of a training-state file (see the module docs); `loss` is the
/// loss's [`describe`] line.
pub(crate) fn encode_state<N: Model>(
    model: &N,
    loss: &str,
    optimizer: &OptimizerInfo,
    optimizer_state: &[f32],
    iterations: u64,
    state: &TrainingState,
) -> Result<Vec<u8>> {
    let fail = |e: safetensors::SafeTensorError| Error::Data {
        source_name: format!("training state of `{}`", N::NAME),
        message: format!("cannot encode as safetensors: {e}"),
    };
    // Two series of one name would be two tensors of one name, which the
    // safetensors crate cannot write.
    if let Some(name) = first_duplicate(state.history.names()) {
        return Err(Error::Data {
            source_name: format!("training state of `{}`", N::NAME),
            message: format!("the History holds the series `{name}` twice"),
        });
    }
    let le32 = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for a in model.get_weights() {
        tensors.push((
            format!("model/{}", a.name),
            Dtype::F32,
            a.shape,
            le32(&a.data),
        ));
    }
    let slots = optimizer.slots;
    if optimizer_state.len() != slots * N::PARAMS {
        return Err(Error::Length {
            what: format!(
                "optimizer state of `{}` ({slots} slot(s) per parameter)",
                optimizer.name
            ),
            expected: slots * N::PARAMS,
            found: optimizer_state.len(),
        });
    }
    let slotted = to_slots(optimizer_state, slots, N::PARAMS, optimizer.elementwise);
    for s in 0..slots {
        tensors.push((
            format!("optimizer/slot_{s}"),
            Dtype::F32,
            vec![N::PARAMS],
            le32(&slotted[s * N::PARAMS..(s + 1) * N::PARAMS]),
        ));
    }
    tensors.push((
        "optimizer/iterations".into(),
        Dtype::I64,
        vec![],
        (iterations as i64).to_le_bytes().to_vec(),
    ));
    for (name, values) in &state.history.history {
        let bytes = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        tensors.push((
            format!("history/{name}"),
            Dtype::F64,
            vec![values.len()],
            bytes,
        ));
    }
    let mut views = Vec::with_capacity(tensors.len());
    for (name, dtype, shape, data) in &tensors {
        views.push((
            name.as_str(),
            TensorView::new(*dtype, shape.clone(), data).map_err(fail)?,
        ));
    }
    let names: Vec<&str> = state.history.names().collect();
    let metadata = HashMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("version".to_string(), VERSION.to_string()),
        ("network".to_string(), N::NAME.to_string()),
        (
            "architecture".to_string(),
            architecture(N::LAYERS).join("\n"),
        ),
        ("loss".to_string(), loss.to_string()),
        ("optimizer".to_string(), optimizer.name.to_string()),
        ("optimizer_config".to_string(), optimizer.config.clone()),
        ("epoch".to_string(), state.epoch.to_string()),
        ("seed".to_string(), state.seed.to_string()),
        ("history_params".to_string(), json(&state.history.params)),
        ("history_epoch".to_string(), json(&state.history.epoch)),
        ("history_names".to_string(), json(&names)),
    ]);
    safetensors::serialize(views, Some(metadata)).map_err(fail)
}

impl<M: Model, L: Losses, O: Optimizer> Trainer<'_, M, L, O> {
    /// The bytes of the training-state file (see the module docs).
    pub fn state_to_bytes(&self, state: &TrainingState) -> Result<Vec<u8>> {
        encode_state(
            &*self.model,
            &describe(&self.losses),
            &OptimizerInfo::of(&self.optimizer),
            &self.optimizer_state,
            self.iterations,
            state,
        )
    }

    /// Writes the whole training state to `path`, whole or not at all.
    pub fn save_state(&self, path: impl AsRef<Path>, state: &TrainingState) -> Result<()> {
        crate::fs::write_atomic(path, &self.state_to_bytes(state)?)
    }

    /// Restores the weights, the optimizer's state and step count from the
    /// training-state file at `path`, and returns where the run stands.
    /// Nothing changes unless the file is whole and agrees with this
    /// trainer (architecture, loss, optimizer and its hyperparameters).
    pub fn load_state(&mut self, path: impl AsRef<Path>) -> Result<TrainingState> {
        let path = path.as_ref();
        let bytes = crate::fs::read(path)?;
        self.load_state_from_bytes(&bytes, &path.display().to_string())
    }

    /// [`Trainer::load_state`] from bytes in memory (`source_name` names
    /// them in errors).
    pub fn load_state_from_bytes(
        &mut self,
        bytes: &[u8],
        source_name: &str,
    ) -> Result<TrainingState> {
        let decoded = decode_state(
            &*self.model,
            &describe(&self.losses),
            &self.optimizer,
            bytes,
            source_name,
        )?;
        Ok(decoded.apply(self.model, &mut self.optimizer_state, &mut self.iterations))
    }
}

/// A training-state file, read and checked, not applied yet.
pub(crate) struct Decoded {
    /// The parameters, laid out as [`Model::params`].
    params: Vec<f32>,
    /// In the layout the trainer keeps it (see [`to_slots`]).
    optimizer_state: Vec<f32>,
    iterations: u64,
    state: TrainingState,
}

impl Decoded {
    /// Applies the weights, the optimizer's state and step count (every
    /// one was checked by [`decode_state`], so nothing can fail half-way),
    /// and returns where the run stands.
    pub(crate) fn apply<N: Model>(
        self,
        model: &mut N,
        optimizer_state: &mut [f32],
        iterations: &mut u64,
    ) -> TrainingState {
        model.params_mut().copy_from_slice(&self.params);
        optimizer_state.copy_from_slice(&self.optimizer_state);
        *iterations = self.iterations;
        self.state
    }
}

/// Reads and checks the training-state file `bytes` (named `source_name` in
/// errors) against the network `N` (whose weights' names and shapes `model`
/// gives), the loss described by `loss` (its [`describe`] line) and
/// `optimizer`: the architecture, the loss, the optimizer and its
/// hyperparameters, every tensor's dtype and shape, and that every weight
/// and state value is finite.
pub(crate) fn decode_state<N: Model>(
    model: &N,
    loss: &str,
    optimizer: &(impl Optimizer + ?Sized),
    bytes: &[u8],
    source_name: &str,
) -> Result<Decoded> {
    let err = |message: String| crate::error::data(source_name, message);
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| err(format!("not a training-state file: {e}")))?;
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| err(format!("not a training-state file: {e}")))?;
    // The safetensors crate keeps the last of two entries with one name.
    if let Some(name) = mlp_spec::safetensors_check::duplicate_key(bytes) {
        return Err(err(format!(
            "not a training-state file: its header names tensor `{name}` twice"
        )));
    }
    let meta = header.metadata().clone().unwrap_or_default();
    let get = |key: &str| {
        meta.get(key)
            .cloned()
            .ok_or_else(|| err(format!("the training state has no `{key}` entry")))
    };
    if get("format")? != FORMAT {
        return Err(err(format!("not an `{FORMAT}` file")));
    }
    if get("version")? != VERSION {
        return Err(err(format!(
            "training-state version {} (this library reads version {VERSION})",
            get("version")?
        )));
    }
    let theirs = get("architecture")?;
    let theirs: Vec<&str> = theirs.lines().collect();
    if let Some(message) = architecture_difference(&theirs, &architecture(N::LAYERS), N::NAME) {
        return Err(err(message));
    }
    let (saved_optimizer, ours_optimizer) = (get("optimizer")?, optimizer.name());
    if saved_optimizer != ours_optimizer {
        return Err(err(format!(
            "the run was saved with optimizer `{saved_optimizer}`, this trainer has \
             `{ours_optimizer}`"
        )));
    }
    for (key, what, mine) in [
        ("loss", "the loss", loss.to_string()),
        ("optimizer_config", "the optimizer", describe(optimizer)),
    ] {
        if let Some(d) = first_difference(&get(key)?, &mine) {
            return Err(err(d.describe(what, "this trainer")));
        }
    }
    let tensor = |name: &str, dtype: Dtype, shape: &[usize]| -> Result<Vec<u8>> {
        let view = file
            .tensor(name)
            .map_err(|_| err(format!("the training state has no tensor `{name}`")))?;
        if view.dtype() != dtype || view.shape() != shape {
            return Err(err(format!(
                "tensor `{name}` is {:?} {}, expected {dtype:?} {}",
                view.dtype(),
                crate::error::shape(view.shape()),
                crate::error::shape(shape)
            )));
        }
        Ok(view.data().to_vec())
    };
    // Finite values only: a NaN weight or moment would poison every step.
    let f32s = |name: &str, b: Vec<u8>| -> Result<Vec<f32>> {
        let values: Vec<f32> = b
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(Error::NonFinite {
                what: format!("{source_name}: tensor `{name}`"),
                position: format!("index {i}"),
                value: values[i],
            }),
            None => Ok(values),
        }
    };
    let mut arrays = Vec::new();
    for a in model.get_weights() {
        let name = format!("model/{}", a.name);
        let data = f32s(&name, tensor(&name, Dtype::F32, &a.shape)?)?;
        arrays.push(NamedArray {
            name: a.name,
            shape: a.shape,
            data,
        });
    }
    let slots = optimizer.slots();
    let mut slotted = Vec::with_capacity(slots * N::PARAMS);
    for s in 0..slots {
        let name = format!("optimizer/slot_{s}");
        slotted.extend(f32s(&name, tensor(&name, Dtype::F32, &[N::PARAMS])?)?);
    }
    let iterations = tensor("optimizer/iterations", Dtype::I64, &[])?;
    let iterations = i64::from_le_bytes(iterations.try_into().unwrap_or([0; 8]));
    let iterations = u64::try_from(iterations)
        .map_err(|_| err(format!("optimizer/iterations is {iterations}")))?;
    let parse = |key: &str| -> Result<u64> {
        get(key)?
            .parse()
            .map_err(|e| err(format!("`{key}` is not a count: {e}")))
    };
    let epoch = usize::try_from(parse("epoch")?)
        .map_err(|e| err(format!("`epoch` does not fit a usize: {e}")))?;
    let seed = parse("seed")?;
    let from_json = |key: &str| -> Result<serde_json::Value> {
        serde_json::from_str(&get(key)?).map_err(|e| err(format!("`{key}`: {e}")))
    };
    let params: HistoryParams = serde_json::from_value(from_json("history_params")?)
        .map_err(|e| err(format!("`history_params`: {e}")))?;
    let epochs: Vec<usize> = serde_json::from_value(from_json("history_epoch")?)
        .map_err(|e| err(format!("`history_epoch`: {e}")))?;
    let names: Vec<String> = serde_json::from_value(from_json("history_names")?)
        .map_err(|e| err(format!("`history_names`: {e}")))?;
    // A name listed twice would read one tensor into two series, which the
    // next save could not write.
    if let Some(name) = first_duplicate(names.iter().map(String::as_str)) {
        return Err(err(format!("`history_names` lists `{name}` twice")));
    }
    let mut history = History::new(params);
    history.epoch = epochs;
    for name in names {
        let bytes = tensor(
            &format!("history/{name}"),
            Dtype::F64,
            &[history.epoch.len()],
        )?;
        let values = bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        history.history.push((name, values));
    }
    // Checked as `set_weights` checks (names, shapes, finite values), on a
    // copy: nothing changes until `apply`.
    let mut params = model.params().to_vec();
    crate::weights::set_weights(N::LAYERS, &mut params, &arrays)?;
    Ok(Decoded {
        params,
        optimizer_state: from_slots(&slotted, slots, N::PARAMS, optimizer.elementwise()),
        iterations,
        state: TrainingState {
            epoch,
            seed,
            history,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_layout_round_trips_over_several_chunks() {
        let len = 2 * UPDATE_CHUNK + 5;
        let slots = 2;
        let chunked: Vec<f32> = (0..slots * len).map(|i| i as f32).collect();
        let slotted = to_slots(&chunked, slots, len, true);
        // The first chunk's second buffer starts right after its first one.
        assert_eq!(slotted[len], chunked[UPDATE_CHUNK]);
        assert_eq!(from_slots(&slotted, slots, len, true), chunked);
    }
}
