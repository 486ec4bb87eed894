//! The layer kinds, listed once: [`LayerOp`], one variant per kind, with
//! the facts every crate reads of a kind (Keras's class name, the sizes
//! before and after it, its row of [`crate::LAYERS`] and the parameter
//! counts from it). Each crate gives the variants its own payload through
//! [`Payload`]: typed activations and initializers in the runtime
//! (`mlp_core::layer::LayerKind`), resolved tokens in the macro, plain
//! names in `mlp_spec::arch`.
//!
//! ```
//! use mlp_spec::{LayerOp, Payload};
//!
//! /// A payload of names only.
//! #[derive(Clone, Copy, Debug, PartialEq)]
//! struct Names;
//! impl Payload for Names {
//!     type Activation = &'static str;
//!     type Init = ();
//!     type DenseOptions = ();
//!     type Function = &'static str;
//!     fn function_name(function: &Self::Function) -> &str { function }
//! }
//!
//! let (kernel_initializer, bias_initializer, options) = ((), (), ());
//! let dense = LayerOp::<Names>::Dense { inputs: 784, units: 300, activation: "relu", kernel_initializer, bias_initializer, options };
//! assert_eq!((dense.class_name(), dense.inputs(), dense.units()), ("Dense", 784, 300));
//! assert_eq!(dense.params(), 784 * 300 + 300);
//! let relu = LayerOp::<Names>::Activation { units: 4, function: "ReLU" };
//! assert_eq!((relu.class_name(), relu.params()), ("ReLU", 0));
//! ```

use crate::LayerSpec;

/// What each crate attaches to the kinds: the types of a Dense layer's
/// activation and options, of an initializer, and of an activation layer's
/// function (`ReLU`, `LeakyReLU`, `ELU` with their settings).
pub trait Payload {
    /// A Dense layer's activation.
    type Activation;
    /// An initializer (a Dense layer's kernel and bias, a PReLU's slopes).
    type Init;
    /// A Dense layer's regularizers and constraints.
    type DenseOptions;
    /// An activation layer's function and its settings.
    type Function;

    /// Keras's class name of an activation layer of `function`: `"ReLU"`.
    fn function_name(function: &Self::Function) -> &str;
}

/// A layer kind with its sizes and settings, and `P`'s payload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LayerOp<P: Payload> {
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
        activation: P::Activation,
        /// How the kernel is initialised.
        kernel_initializer: P::Init,
        /// How the bias is initialised.
        bias_initializer: P::Init,
        /// Regularizers and constraints.
        options: P::DenseOptions,
    },
    /// `Dropout<rate>`: no parameters; active in training only.
    Dropout {
        /// Values per sample.
        units: usize,
        /// The fraction dropped, in `[0, 1)`.
        rate: f32,
    },
    /// `BatchNormalization`: `gamma`, `beta` (trainable), `moving_mean`,
    /// `moving_variance` (not).
    BatchNormalization {
        /// Features.
        units: usize,
        /// The moving averages' momentum (Keras: 0.99).
        momentum: f32,
        /// Added to the variance (Keras: 1e-3).
        epsilon: f32,
    },
    /// `ReLU`, `LeakyReLU` or `ELU` as a layer: no parameters.
    Activation {
        /// Values per sample.
        units: usize,
        /// The function and its options.
        function: P::Function,
    },
    /// `PReLU`: one trainable slope per unit.
    PReLU {
        /// Values per sample.
        units: usize,
        /// How the slopes are initialised (Keras: zeros).
        alpha_initializer: P::Init,
    },
    /// `Normalization`: `mean`, `variance` and `count`, none trainable, set
    /// by `adapt`.
    Normalization {
        /// Features.
        units: usize,
    },
}

impl<P: Payload> LayerOp<P> {
    /// The variant's name, which is Keras's class name for every kind but
    /// `Activation` (whose class name is its function's:
    /// [`class_name`](Self::class_name)).
    pub const fn kind_name(&self) -> &'static str {
        match self {
            Self::Flatten { .. } => "Flatten",
            Self::Dense { .. } => "Dense",
            Self::Dropout { .. } => "Dropout",
            Self::BatchNormalization { .. } => "BatchNormalization",
            Self::Activation { .. } => "Activation",
            Self::PReLU { .. } => "PReLU",
            Self::Normalization { .. } => "Normalization",
        }
    }

    /// Keras's class name: `"Flatten"`, `"Dense"`, `"ReLU"`...
    pub fn class_name(&self) -> &str {
        match self {
            Self::Activation { function, .. } => P::function_name(function),
            _ => self.kind_name(),
        }
    }

    /// Number of values one sample has after this layer (Keras: `(None, n)`).
    pub const fn units(&self) -> usize {
        match *self {
            Self::Flatten { rows, cols } => rows * cols,
            Self::Dense { units, .. }
            | Self::Dropout { units, .. }
            | Self::BatchNormalization { units, .. }
            | Self::Activation { units, .. }
            | Self::PReLU { units, .. }
            | Self::Normalization { units } => units,
        }
    }

    /// Number of values one sample has before this layer.
    pub const fn inputs(&self) -> usize {
        match *self {
            Self::Dense { inputs, .. } => inputs,
            _ => self.units(),
        }
    }

    /// Its kind's row of the shared table, where its weights are listed
    /// (`None` for an activation layer, which has none).
    pub const fn row(&self) -> Option<&'static LayerSpec> {
        crate::layer(self.kind_name())
    }

    /// Number of parameters, trainable or not (Keras's "Param #"), from
    /// the sizes of its weights in its row.
    pub const fn params(&self) -> usize {
        match self.row() {
            Some(row) => row.params(self.inputs(), self.units()),
            None => 0,
        }
    }

    /// Number of parameters the optimizer does not train (a
    /// BatchNormalization's moving statistics, a Normalization's weights).
    pub const fn non_trainable_params(&self) -> usize {
        match self.row() {
            Some(row) => row.non_trainable_params(self.inputs(), self.units()),
            None => 0,
        }
    }

    /// Its weights in Keras's order, each name with Keras's shape, the
    /// first `rank` of `dims`, as `(name, dims, rank)`.
    pub fn weight_shapes(
        &self,
    ) -> impl Iterator<Item = (&'static str, [usize; 2], usize)> + use<P> {
        let (inputs, units) = (self.inputs(), self.units());
        self.row()
            .into_iter()
            .flat_map(move |row| row.weight_shapes(inputs, units))
    }

    /// Its weights in Keras's order, named within the layer, with Keras's
    /// shapes (`count` of a Normalization is a scalar: `[]`).
    #[cfg(feature = "alloc")]
    pub fn weights(&self) -> alloc::vec::Vec<(&'static str, alloc::vec::Vec<usize>)> {
        let shapes = self.weight_shapes();
        shapes
            .map(|(name, dims, rank)| (name, dims[..rank].to_vec()))
            .collect()
    }

    /// The payload's initializer of its weight `weight`, where the kind has
    /// a `<weight>_initializer` option (Dense's `kernel` and `bias`, PReLU's
    /// `alpha`); its row's [`initializers`](LayerSpec::initializers) hold
    /// the others.
    pub fn initializer(&self, weight: &str) -> Option<&P::Init> {
        self.fields().find_map(|(name, field)| match field {
            Field::Init(init) if name.strip_suffix("_initializer") == Some(weight) => Some(init),
            _ => None,
        })
    }

    /// Its weights' regularizers and constraints, if the kind has them (a
    /// Dense layer's `options`).
    pub fn options(&self) -> Option<&P::DenseOptions> {
        self.fields().find_map(|(_, field)| match field {
            Field::Options(options) => Some(options),
            _ => None,
        })
    }

    /// The name of its typed layer in `mlp_core`, whose `from_arrays` takes
    /// its weights in its row's order: the variant's, or `ActivationLayer`.
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Activation { .. } => "ActivationLayer",
            _ => self.kind_name(),
        }
    }

    /// Its fields in declaration order, each named and sorted by what it
    /// is: the one listing of a variant's fields, which the macro's
    /// expansion, [`initializer`](Self::initializer), [`options`](Self::options)
    /// and `settings` read.
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, Field<'_, P>)> {
        use Field::{Init, Number, Size};
        let units = ("units", Size(self.units()));
        let fields = match self {
            Self::Flatten { rows, cols } => six([("rows", Size(*rows)), ("cols", Size(*cols))]),
            Self::Dense {
                inputs,
                activation,
                kernel_initializer,
                bias_initializer,
                options,
                ..
            } => six([
                ("inputs", Size(*inputs)),
                units,
                ("activation", Field::Activation(activation)),
                ("kernel_initializer", Init(kernel_initializer)),
                ("bias_initializer", Init(bias_initializer)),
                ("options", Field::Options(options)),
            ]),
            Self::Dropout { rate, .. } => six([units, ("rate", Number(*rate))]),
            Self::BatchNormalization {
                momentum, epsilon, ..
            } => six([
                units,
                ("momentum", Number(*momentum)),
                ("epsilon", Number(*epsilon)),
            ]),
            Self::Activation { function, .. } => {
                six([units, ("function", Field::Function(function))])
            }
            Self::PReLU {
                alpha_initializer, ..
            } => six([units, ("alpha_initializer", Init(alpha_initializer))]),
            Self::Normalization { .. } => six([units]),
        };
        fields.into_iter().flatten()
    }
}

/// `items` in the first of six places: every kind's fields fit.
fn six<T, const N: usize>(items: [T; N]) -> [Option<T>; 6] {
    const { assert!(N <= 6, "a kind has at most six fields") };
    let mut slots = [const { None }; 6];
    for (slot, item) in slots.iter_mut().zip(items) {
        *slot = Some(item);
    }
    slots
}

/// One field of a [`LayerOp`] variant, by what it is.
pub enum Field<'a, P: Payload> {
    /// A size (`units`, `rows`): a const parameter of the kind's typed layer.
    Size(usize),
    /// A numeric setting (`rate`, `epsilon`).
    Number(f32),
    /// A Dense layer's activation (a type parameter of its typed layer).
    Activation(&'a P::Activation),
    /// An initializer.
    Init(&'a P::Init),
    /// A Dense layer's regularizers and constraints.
    Options(&'a P::DenseOptions),
    /// An activation layer's function and its settings.
    Function(&'a P::Function),
}
