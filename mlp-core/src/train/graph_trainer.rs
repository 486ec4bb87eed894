//! [`GraphTrainer`]: Keras's `compile`, `fit`, `evaluate` and `predict` for
//! a graph (the Functional API), with a loss per output and `loss_weights`.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::loss::MeanSquaredError;
//! use mlp_core::optim::Sgd;
//! use mlp_core::train::GraphFit;
//!
//! network! {
//!     /// Two inputs, a main and an auxiliary output.
//!     pub struct WideDeep {
//!         wide = Input[2];
//!         deep = Input[3];
//!         hidden = Dense<8, relu>(deep);
//!         concat = Concatenate(wide, hidden);
//!         output main_output = Dense<1>(concat);
//!         output aux_output = Dense<1>(hidden);
//!     }
//! }
//!
//! let wide: Vec<SVector<f32, 2>> = (0..64).map(|i| SVector::from([i as f32 / 64.0, 0.5])).collect();
//! let deep: Vec<SVector<f32, 3>> = (0..64).map(|i| SVector::from([0.1, i as f32 / 32.0, -0.2])).collect();
//! let y: Vec<f32> = (0..64).map(|i| i as f32 / 16.0).collect();
//!
//! let mut model = WideDeep::new(42);
//! let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.05), []).loss_weights([0.9, 0.1]);
//! let history = trainer.fit((&wide, &deep), (&y, &y), GraphFit::epochs(30).verbose(0))?;
//! let names: Vec<&str> = history.names().collect();
//! assert_eq!(names, ["loss", "main_output_loss", "aux_output_loss"]);
//! let losses = history.get("loss").unwrap();
//! assert!(losses[29] < losses[0]);
//! let results = trainer.evaluate((&wide, &deep), (&y, &y))?;
//! let total = 0.9 * results["main_output_loss"] + 0.1 * results["aux_output_loss"];
//! assert!((results["loss"] - total).abs() < 1e-4);
//! let predictions = trainer.predict((&wide, &deep))?;
//! assert_eq!((predictions[0].name, predictions[0].rows()), ("main_output", 64));
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::checks::{check_hyperparameters, check_target};
use super::graph_data::{Rows, Targets};
use crate::engine::Workspace;
use crate::graph::{Graph, NodeKind};
use crate::layer::LayerKind;
use crate::loss::Loss;
use crate::metrics::Metric;
use crate::optim::Optimizer;
use crate::{Error, Result};
use core::fmt;

/// Keras's `model.compile` on every [`Graph`]: a loss (for every output;
/// see [`GraphTrainer::output_losses`]), an optimizer and metrics (for every
/// output). In the prelude.
pub trait CompileGraph: Graph {
    /// A trainer of `self` (see [`GraphTrainer`]).
    fn compile<L: Loss, O: Optimizer>(
        &mut self,
        loss: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> GraphTrainer<'_, Self, L, O> {
        GraphTrainer::new(self, loss, optimizer, metrics)
    }
}

impl<G: Graph> CompileGraph for G {}

/// One output's predictions: `rows()` samples of `width` values.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputValues {
    /// The output's declared name.
    pub name: &'static str,
    /// Values per sample.
    pub width: usize,
    /// The values, sample after sample.
    pub values: Vec<f32>,
}

impl OutputValues {
    /// Samples.
    pub fn rows(&self) -> usize {
        self.values.len() / self.width.max(1)
    }

    /// Sample `i`'s values.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
}

/// A compiled graph: the model, borrowed for the trainer's life, a loss and
/// a loss weight per output, an optimizer and its state, metrics.
///
/// The loss `fit` minimises is `Σ_k loss_weights[k] · loss_k` (Keras's
/// default weights are 1), plus the regularizers' penalties. The History
/// names each output's loss `<output>_loss` and its metrics
/// `<output>_<metric>` when the graph has several outputs, as Keras 3 does
/// (`loss`, `main_output_loss`, `aux_output_loss`, `val_loss`, ...); with
/// one output, `loss` and `<metric>`.
pub struct GraphTrainer<'m, G: Graph, L: Loss, O: Optimizer> {
    pub(crate) model: &'m mut G,
    pub(crate) losses: Vec<L>,
    pub(crate) loss_weights: Vec<f32>,
    pub(crate) optimizer: O,
    pub(crate) metrics: Vec<Metric>,
    pub(crate) optimizer_state: Vec<f32>,
    pub(crate) grads: Vec<f32>,
    pub(crate) iterations: u64,
    pub(crate) workspace: Option<Workspace>,
}

impl<'m, G: Graph, L: Loss, O: Optimizer> GraphTrainer<'m, G, L, O> {
    /// Compiles `model` with `loss` for every output, `optimizer`, and
    /// `metrics` for every output.
    pub fn new(
        model: &'m mut G,
        loss: L,
        optimizer: O,
        metrics: impl IntoIterator<Item = Metric>,
    ) -> Self {
        Self {
            model,
            losses: vec![loss; G::OUTPUTS.len()],
            loss_weights: vec![1.0; G::OUTPUTS.len()],
            optimizer_state: vec![0.0; optimizer.slots() * G::PARAMS],
            optimizer,
            metrics: metrics.into_iter().collect(),
            grads: vec![0.0; G::PARAMS],
            iterations: 0,
            workspace: None,
        }
    }

    /// Keras's `loss_weights`: one weight per output, in declaration order
    /// (default 1 each). Checked by `fit` and `evaluate`: as many as
    /// outputs, each finite and at least 0.
    pub fn loss_weights(mut self, weights: impl IntoIterator<Item = f32>) -> Self {
        self.loss_weights = weights.into_iter().collect();
        self
    }

    /// A loss per output, in declaration order (Keras's `loss=(...)`), in
    /// place of the one given to `compile`. Checked by `fit` and `evaluate`.
    pub fn output_losses(mut self, losses: impl IntoIterator<Item = L>) -> Self {
        self.losses = losses.into_iter().collect();
        self
    }

    /// The model.
    pub fn model(&self) -> &G {
        self.model
    }

    /// Keras's `model.summary()` of a compiled graph: the functional table
    /// and the line "Optimizer params" (see [`Graph::summary`]).
    pub fn summary(&self) -> crate::summary::Summary {
        self.model
            .summary()
            .with_optimizer_slots(self.optimizer.slots())
    }

    /// Optimizer steps taken.
    pub fn iterations(&self) -> u64 {
        self.iterations
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// The loss weights and losses match the outputs, every output is a
    /// Dense layer (its loss reads the layer's activation), and the
    /// hyperparameters are valid.
    pub(super) fn check_compiled(&self, training: bool) -> Result<()> {
        let outputs = G::OUTPUTS.len();
        if self.losses.len() != outputs {
            return Err(Error::Length {
                what: format!("losses (one per output of {})", G::NAME),
                expected: outputs,
                found: self.losses.len(),
            });
        }
        if self.loss_weights.len() != outputs {
            return Err(Error::Length {
                what: format!("loss_weights (one per output of {})", G::NAME),
                expected: outputs,
                found: self.loss_weights.len(),
            });
        }
        for (port, w) in G::OUTPUTS.iter().zip(&self.loss_weights) {
            if !(w.is_finite() && *w >= 0.0) {
                return Err(Error::InvalidArgument {
                    name: "loss_weights",
                    message: format!(
                        "the weight of output `{}` is {w}; it must be finite and at least 0",
                        port.name
                    ),
                });
            }
        }
        for port in G::OUTPUTS {
            let node = G::NODES.iter().find(|n| n.name == port.node);
            let dense = matches!(
                node.map(|n| n.kind),
                Some(NodeKind::Layer(l)) if matches!(G::LAYERS[l].kind, LayerKind::Dense { .. })
            );
            if !dense {
                return Err(Error::InvalidArgument {
                    name: "outputs",
                    message: format!(
                        "the output `{}` of {} is not a Dense layer; a loss reads a Dense \
                         layer's activation, so each output to train must be one",
                        port.name,
                        G::NAME
                    ),
                });
            }
        }
        for loss in &self.losses {
            check_hyperparameters(
                loss,
                training.then_some(&self.optimizer as _),
                &self.metrics,
            )?;
        }
        Ok(())
    }

    /// One slice per input and one per output, all of one length (returned),
    /// each of the declared width, finite, with targets that fit.
    pub(super) fn check_data(
        &self,
        x_name: &str,
        y_name: &str,
        x: &[Rows<'_>],
        y: &[Targets<'_, L>],
    ) -> Result<usize> {
        let n = check_inputs::<G>(x_name, x)?;
        if y.len() != G::OUTPUTS.len() {
            return Err(Error::Length {
                what: format!(
                    "{y_name}: target slices (one per output of {}: {})",
                    G::NAME,
                    names(G::OUTPUTS)
                ),
                expected: G::OUTPUTS.len(),
                found: y.len(),
            });
        }
        for ((port, targets), loss) in G::OUTPUTS.iter().zip(y).zip(&self.losses) {
            if targets.len() != n {
                return Err(Error::Length {
                    what: format!(
                        "{y_name} for output `{}` (one target per sample of {x_name}, which has \
                         {n} samples)",
                        port.name
                    ),
                    expected: n,
                    found: targets.len(),
                });
            }
            let name = format!("{y_name} for output `{}`", port.name);
            for i in 0..n {
                check_target(&name, i, targets.target(i), port.size, loss, false)?;
            }
        }
        Ok(n)
    }
}

/// One slice per input, of one length (returned, at least 1), each of the
/// declared width and finite.
pub(super) fn check_inputs<G: Graph>(x_name: &str, x: &[Rows<'_>]) -> Result<usize> {
    if x.len() != G::INPUTS.len() {
        return Err(Error::Length {
            what: format!(
                "{x_name}: input slices (one per input of {}: {})",
                G::NAME,
                names(G::INPUTS)
            ),
            expected: G::INPUTS.len(),
            found: x.len(),
        });
    }
    let n = x[0].len();
    if n == 0 {
        return Err(Error::InvalidArgument {
            name: "x",
            message: format!("{x_name} is empty: at least one sample is needed"),
        });
    }
    for (port, rows) in G::INPUTS.iter().zip(x) {
        if rows.width() != port.size {
            return Err(Error::Length {
                what: format!("{x_name}: values per sample of input `{}`", port.name),
                expected: port.size,
                found: rows.width(),
            });
        }
        if rows.len() != n {
            return Err(Error::Length {
                what: format!(
                    "{x_name}: samples of input `{}` (as many as input `{}`)",
                    port.name,
                    G::INPUTS[0].name
                ),
                expected: n,
                found: rows.len(),
            });
        }
        let mut row = vec![0.0; port.size];
        for i in (0..n).filter(|&i| !rows.is_finite(i)) {
            rows.write_row(i, &mut row);
            if let Some((j, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFinite {
                    what: format!("{x_name}: input `{}`", port.name),
                    position: format!("sample {i}, value {j}"),
                    value: v,
                });
            }
        }
    }
    Ok(n)
}

/// `a, b, c`.
fn names(ports: &[crate::graph::PortInfo]) -> String {
    ports.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

impl<G: Graph, L: Loss, O: Optimizer> fmt::Debug for GraphTrainer<'_, G, L, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphTrainer")
            .field("model", &G::NAME)
            .field("losses", &self.losses)
            .field("loss_weights", &self.loss_weights)
            .field("optimizer", &self.optimizer)
            .field("metrics", &self.metrics)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}
