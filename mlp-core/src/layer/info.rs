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

/// One weight array of a layer, as Keras names and shapes it, and where it
/// lives in the network's flat parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightInfo {
    /// Keras's variable name within the layer: `"kernel"`, `"bias"`.
    pub name: &'static str,
    /// Keras's shape, `rank` dimensions of `dims`: `(inputs, units)` for a
    /// kernel, `(units,)` for a bias.
    pub dims: [usize; 2],
    /// How many of `dims` count.
    pub rank: usize,
    /// Where the array starts in the flat parameters.
    pub offset: usize,
    /// Whether it is stored transposed: a 2-D array held column-major (each
    /// unit's weights contiguous), where Keras holds it row-major.
    pub transposed: bool,
    /// How it is initialised, and the fans (inputs, units) the initializer
    /// scales by.
    pub initializer: Initializer,
    /// `(fan_in, fan_out)` for the initializer.
    pub fans: (usize, usize),
}

impl WeightInfo {
    /// Keras's shape.
    pub fn shape(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// Number of values.
    pub const fn len(&self) -> usize {
        if self.rank == 1 {
            self.dims[0]
        } else {
            self.dims[0] * self.dims[1]
        }
    }

    /// Whether it holds no values.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The weight arrays of one layer, in Keras's order (at most four).
pub type Weights = [Option<WeightInfo>; 4];

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

    /// Its weight arrays in Keras's order (`kernel`, then `bias`), with
    /// their shapes and places in the flat parameters.
    pub fn weights(&self) -> impl Iterator<Item = WeightInfo> + use<> {
        let weights: Weights = match self.kind {
            LayerKind::Dense {
                inputs,
                units,
                kernel_initializer,
                bias_initializer,
                ..
            } => crate::layer::dense::weights(
                self.offset,
                inputs,
                units,
                kernel_initializer,
                bias_initializer,
            ),
            LayerKind::Flatten { .. } => [None; 4],
        };
        weights.into_iter().flatten()
    }

    /// The activation applied to its output, if it has one.
    pub const fn activation(&self) -> Option<ActivationKind> {
        match self.kind {
            LayerKind::Dense { activation, .. } => Some(activation),
            LayerKind::Flatten { .. } => None,
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
