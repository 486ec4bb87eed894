//! The runtime description of a layer.

use crate::activation::ActivationKind;
use crate::initializer::Initializer;
use crate::layer::Elementwise;
use crate::regularizer::{Constraint, Regularizer};

/// A Dense layer's regularizers and constraints (Keras's
/// `kernel_regularizer`, `bias_regularizer`, `kernel_constraint`,
/// `bias_constraint`); all `None` by default.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DenseOptions {
    /// Penalty on the kernel.
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the bias.
    pub bias_regularizer: Option<Regularizer>,
    /// Projection of the kernel after each step.
    pub kernel_constraint: Option<Constraint>,
    /// Projection of the bias after each step.
    pub bias_constraint: Option<Constraint>,
}

impl DenseOptions {
    /// No regularizer, no constraint.
    pub const NONE: Self = Self {
        kernel_regularizer: None,
        bias_regularizer: None,
        kernel_constraint: None,
        bias_constraint: None,
    };

    /// The regularizer and the constraint of the weight named `weight`
    /// (`"kernel"`, `"bias"`).
    pub fn of(&self, weight: &str) -> (Option<Regularizer>, Option<Constraint>) {
        match weight {
            "kernel" => (self.kernel_regularizer, self.kernel_constraint),
            "bias" => (self.bias_regularizer, self.bias_constraint),
            _ => (None, None),
        }
    }
}

/// The runtime's payload of a layer kind: typed activations, initializers,
/// options and activation functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TypedPayload;

impl mlp_spec::Payload for TypedPayload {
    type Activation = ActivationKind;
    type Init = Initializer;
    type DenseOptions = DenseOptions;
    type Function = Elementwise;

    fn function_name(function: &Elementwise) -> &str {
        function.type_name()
    }
}

/// What a layer is, with what the batch path and `summary` need to know:
/// the shared list of kinds ([`mlp_spec::LayerOp`]) with the runtime's
/// typed payload.
pub type LayerKind = mlp_spec::LayerOp<TypedPayload>;

/// One weight array of a layer, as Keras names and shapes it, and where it
/// lives in the network's flat parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightInfo {
    /// Keras's variable name within the layer: `"kernel"`, `"bias"`.
    pub name: &'static str,
    /// Keras's shape, `rank` dimensions of `dims`: `(inputs, units)` for a
    /// kernel, `(units,)` for a bias, `()` for a scalar (Normalization's
    /// `count`).
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
    /// Whether the optimizer trains it (`false` for a BatchNormalization's
    /// moving statistics: Keras's non-trainable weights).
    pub trainable: bool,
}

impl WeightInfo {
    /// Keras's shape.
    pub fn shape(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// Number of values.
    pub const fn len(&self) -> usize {
        match self.rank {
            0 => 1,
            1 => self.dims[0],
            _ => self.dims[0] * self.dims[1],
        }
    }

    /// Whether it holds no values.
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
    /// Keras's class name: `"Flatten"`, `"Dense"`, `"BatchNormalization"`...
    pub const fn type_name(&self) -> &'static str {
        match self.kind {
            LayerKind::Activation { function, .. } => function.type_name(),
            _ => self.kind.kind_name(),
        }
    }

    /// Number of values one sample has after this layer (Keras: `(None, n)`).
    pub const fn output_size(&self) -> usize {
        self.kind.units()
    }

    /// Number of values one sample has before this layer.
    pub const fn input_size(&self) -> usize {
        self.kind.inputs()
    }

    /// Number of parameters, trainable or not (Keras's "Param #"), from
    /// the sizes of its weights in its kind's row of the shared table.
    pub const fn params(&self) -> usize {
        self.kind.params()
    }

    /// Number of parameters the optimizer does not train (a
    /// BatchNormalization's moving statistics, a Normalization's weights).
    pub const fn non_trainable_params(&self) -> usize {
        self.kind.non_trainable_params()
    }

    /// Its weight arrays in Keras's order (`kernel`, then `bias`): their
    /// names, shapes and initializers from its kind's row of the shared table
    /// (an initializer option of the layer overriding the row's), and their
    /// places in the flat parameters, one after the
    /// other (a 2-D array stored transposed: each unit's weights contiguous).
    pub fn weights(&self) -> impl Iterator<Item = WeightInfo> + use<> {
        let (kind, mut offset) = (self.kind, self.offset);
        let fans = (self.input_size(), self.output_size());
        let row = kind.row();
        let trainable = row.map_or(0, |row| row.trainable);
        let defaults = row.map_or(&[][..], |row| row.initializers);
        let weights = kind.weight_shapes().zip(defaults).enumerate();
        weights.map(move |(i, ((name, dims, rank), default))| {
            let weight = WeightInfo {
                name,
                dims,
                rank,
                offset,
                transposed: rank == 2,
                initializer: kind
                    .initializer(name)
                    .copied()
                    .or_else(|| Initializer::from_name(default))
                    .unwrap_or(Initializer::Zeros),
                fans,
                trainable: i < trainable,
            };
            offset += weight.len();
            weight
        })
    }

    /// The activation applied to its output, if it is a Dense layer.
    pub const fn activation(&self) -> Option<ActivationKind> {
        match self.kind {
            LayerKind::Dense { activation, .. } => Some(activation),
            _ => None,
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
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_row_names_a_known_initializer_per_weight() {
        for row in mlp_spec::LAYERS {
            assert_eq!(row.initializers.len(), row.weights.len(), "{}", row.name);
            for name in row.initializers {
                let known = crate::initializer::Initializer::from_name(name);
                assert_eq!(known.map(|i| i.name()), Some(*name), "{}", row.name);
            }
        }
    }
}
