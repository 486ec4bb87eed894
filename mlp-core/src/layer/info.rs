//! The runtime description of a layer.

use crate::activation::ActivationKind;
use crate::initializer::Initializer;

/// What a layer is, with what the batch path and `summary` need to know.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum LayerKind {
    /// `Flatten[rows, cols]`: no parameters.
    Flatten {
        /// Rows of the input.
        rows: usize,
        /// Columns of the input.
        cols: usize,
    },
    /// `Dense<units, activation>`.
    Dense {
        /// Inputs (the previous layer's output size).
        inputs: usize,
        /// Units.
        units: usize,
        /// The activation.
        activation: ActivationKind,
        /// How the kernel is initialised.
        kernel_initializer: Initializer,
        /// How the bias is initialised.
        bias_initializer: Initializer,
    },
}

/// One row of a network's layer table (`Network::LAYERS`): what
/// `layers()`, `summary()` and the batch path read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerInfo {
    /// Keras-style name: `flatten`, `dense`, `dense_1`, ... or the name given.
    pub name: &'static str,
    /// The kind of layer and its hyperparameters.
    pub kind: LayerKind,
    /// Where the layer's parameters start in the network's flat parameter
    /// array (kernel first, column-major `inputs x units`, then the bias).
    pub offset: usize,
}

impl LayerInfo {
    /// Keras's class name: `"Flatten"` or `"Dense"`.
    pub const fn type_name(&self) -> &'static str {
        match self.kind {
            LayerKind::Flatten { .. } => "Flatten",
            LayerKind::Dense { .. } => "Dense",
        }
    }

    /// Number of values one sample has after this layer (Keras: `(None, n)`).
    pub const fn output_size(&self) -> usize {
        match self.kind {
            LayerKind::Flatten { rows, cols } => rows * cols,
            LayerKind::Dense { units, .. } => units,
        }
    }

    /// Number of values one sample has before this layer.
    pub const fn input_size(&self) -> usize {
        match self.kind {
            LayerKind::Flatten { rows, cols } => rows * cols,
            LayerKind::Dense { inputs, .. } => inputs,
        }
    }

    /// Number of trainable parameters.
    pub const fn params(&self) -> usize {
        match self.kind {
            LayerKind::Flatten { .. } => 0,
            LayerKind::Dense { inputs, units, .. } => inputs * units + units,
        }
    }

    /// For a Dense layer: (inputs, units, activation).
    pub const fn dense(&self) -> Option<(usize, usize, ActivationKind)> {
        match self.kind {
            LayerKind::Dense {
                inputs,
                units,
                activation,
                ..
            } => Some((inputs, units, activation)),
            LayerKind::Flatten { .. } => None,
        }
    }
}
