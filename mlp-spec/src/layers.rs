//! The layer kinds a network can declare.

use crate::{DEFAULT_BIAS_INITIALIZER, DEFAULT_KERNEL_INITIALIZER};

/// Where a kind may stand in a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerRole {
    /// Declares the network's input shape; first only (`Input[8]`,
    /// `Flatten[28, 28]`).
    Input,
    /// A layer after the input (`Dense<300, relu>`).
    Layer,
}

/// One kind of layer as the macro and the runtime know it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerSpec {
    /// The name written in `network!` and Keras's class name: `"Dense"`.
    pub name: &'static str,
    /// Keras's default layer name, numbered `_1`, `_2`, ... after the first
    /// (`dense`, `dense_1`); empty for a kind that is not a layer (`Input`).
    pub default_name: &'static str,
    /// Where it may stand.
    pub role: LayerRole,
    /// Its `name = function` options, in Keras's order (initializers,
    /// regularizers, constraints).
    pub options: &'static [&'static str],
    /// Its `name = number` options with Keras's defaults, in Keras's order.
    /// A number written alone (`Dropout<0.2>`) is the first of them.
    /// `f32::INFINITY` stands for Keras's `None` (no bound).
    pub settings: &'static [(&'static str, f32)],
    /// Its weights, in Keras's order (`kernel`, `bias`).
    pub weights: &'static [&'static str],
    /// The shape of each of `weights`, in its order.
    pub shapes: &'static [WeightShape],
    /// How many of `weights`, the first ones, the optimizer trains: Keras
    /// lists a layer's trainable weights before the others (a
    /// BatchNormalization's `gamma`, `beta`, then its moving statistics).
    pub trainable: usize,
    /// Options of Keras's layer that this library does not have: a Keras
    /// file that sets one is refused, naming it.
    pub refused: &'static [Refused],
    /// Keras's initializer of each of `weights` (`"zeros"`), unless the
    /// layer sets it (`<weight>_initializer`).
    pub initializers: &'static [&'static str],
    /// The entries of Keras's `config.json` that this library fixes, as key
    /// and JSON text (`("center", "true")`).
    pub config: &'static [(&'static str, &'static str)],
    /// Whether Keras's config names each weight's initializer, and each
    /// trainable one's regularizer and constraint (`<weight>_initializer`).
    pub weight_config: bool,
    /// Whether Keras writes the shape it was built for (`build_config`).
    pub built: bool,
}

/// The shape of one weight of a kind, from the layer's inputs and units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightShape {
    /// `(inputs, units)`: a Dense kernel.
    Kernel,
    /// `(units,)`: one value per unit.
    Units,
    /// `()`: one value (a Normalization's `count`).
    Scalar,
}

impl WeightShape {
    /// Keras's shape for a layer of `inputs` inputs and `units` units: the
    /// first `rank` of `dims`, as `(dims, rank)`.
    pub const fn dims(self, inputs: usize, units: usize) -> ([usize; 2], usize) {
        match self {
            Self::Kernel => ([inputs, units], 2),
            Self::Units => ([units, 0], 1),
            Self::Scalar => ([0, 0], 0),
        }
    }

    /// Its number of values.
    pub const fn len(self, inputs: usize, units: usize) -> usize {
        match self {
            Self::Kernel => inputs * units,
            Self::Units => units,
            Self::Scalar => 1,
        }
    }
}

impl LayerSpec {
    /// Number of values of its weights (Keras's "Param #"), for a layer of
    /// `inputs` inputs and `units` units.
    pub const fn params(&self, inputs: usize, units: usize) -> usize {
        sum(self.shapes, 0, inputs, units)
    }

    /// Its weights for a layer of `inputs` inputs and `units` units, in
    /// Keras's order: each name with Keras's shape, the first `rank` of
    /// `dims`, as `(name, dims, rank)`.
    pub fn weight_shapes(
        &self,
        inputs: usize,
        units: usize,
    ) -> impl Iterator<Item = (&'static str, [usize; 2], usize)> {
        let (names, shapes) = (self.weights, self.shapes);
        names.iter().zip(shapes).map(move |(name, shape)| {
            let (dims, rank) = shape.dims(inputs, units);
            (*name, dims, rank)
        })
    }

    /// Number of them the optimizer does not train.
    pub const fn non_trainable_params(&self, inputs: usize, units: usize) -> usize {
        sum(self.shapes, self.trainable, inputs, units)
    }
}

/// The values of `shapes[from..]`.
const fn sum(shapes: &[WeightShape], from: usize, inputs: usize, units: usize) -> usize {
    let mut total = 0;
    let mut i = from;
    while i < shapes.len() {
        total += shapes[i].len(inputs, units);
        i += 1;
    }
    total
}

/// An option of a Keras layer that this library does not have: a layer of
/// a Keras `config.json` whose `key` holds anything but one of `accepted`
/// (JSON spellings; a key left out is accepted) is refused, with
/// `instead`, what this library does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Refused {
    /// The option's key in the layer's config: `"center"`.
    pub key: &'static str,
    /// The values read as this library works, as JSON: `["true"]`.
    pub accepted: &'static [&'static str],
    /// What this library does: "a BatchNormalization here always has
    /// `beta`: center=True".
    pub instead: &'static str,
}

/// A row with nothing: the rows below name what their kind has.
const BLANK: LayerSpec = LayerSpec {
    name: "",
    default_name: "",
    role: LayerRole::Layer,
    options: &[],
    settings: &[],
    weights: &[],
    shapes: &[],
    trainable: 0,
    refused: &[],
    initializers: &[],
    config: &[],
    weight_config: false,
    built: false,
};

/// Every layer kind.
pub const LAYERS: &[LayerSpec] = &[
    LayerSpec {
        name: "Input",
        role: LayerRole::Input,
        ..BLANK
    },
    LayerSpec {
        name: "Flatten",
        default_name: "flatten",
        role: LayerRole::Input,
        config: &[("data_format", r#""channels_last""#)],
        built: true,
        ..BLANK
    },
    LayerSpec {
        name: "Dense",
        default_name: "dense",
        options: &[
            "kernel_initializer",
            "bias_initializer",
            "kernel_regularizer",
            "bias_regularizer",
            "kernel_constraint",
            "bias_constraint",
        ],
        weights: &["kernel", "bias"],
        shapes: &[WeightShape::Kernel, WeightShape::Units],
        trainable: 2,
        initializers: &[DEFAULT_KERNEL_INITIALIZER, DEFAULT_BIAS_INITIALIZER],
        config: &[("use_bias", "true"), ("quantization_config", "null")],
        weight_config: true,
        built: true,
        ..BLANK
    },
    LayerSpec {
        name: "Dropout",
        default_name: "dropout",
        settings: &[("rate", f32::NAN)],
        refused: &[Refused {
            key: "noise_shape",
            accepted: &["null"],
            instead: "a Dropout here drops each value on its own: noise_shape=None",
        }],
        config: &[("seed", "null"), ("noise_shape", "null")],
        ..BLANK
    },
    LayerSpec {
        name: "BatchNormalization",
        default_name: "batch_normalization",
        settings: &[("momentum", 0.99), ("epsilon", 1e-3)],
        weights: &["gamma", "beta", "moving_mean", "moving_variance"],
        shapes: &[WeightShape::Units; 4],
        trainable: 2,
        refused: &[
            Refused {
                key: "center",
                accepted: &["true"],
                instead: "a BatchNormalization here always has `beta`: center=True",
            },
            Refused {
                key: "scale",
                accepted: &["true"],
                instead: "a BatchNormalization here always has `gamma`: scale=True",
            },
            Refused {
                key: "axis",
                accepted: &["-1", "1"],
                instead: "a BatchNormalization here normalises the last axis: axis=-1",
            },
            Refused {
                key: "renorm",
                accepted: &["false"],
                instead: "a BatchNormalization here has no batch renormalization: renorm=False",
            },
        ],
        initializers: &["ones", "zeros", "zeros", "ones"],
        config: &[
            ("axis", "-1"),
            ("center", "true"),
            ("scale", "true"),
            ("synchronized", "false"),
            ("renorm", "false"),
            ("renorm_clipping", "null"),
            ("renorm_momentum", "0.99"),
        ],
        weight_config: true,
        built: true,
        ..BLANK
    },
    LayerSpec {
        name: "ReLU",
        default_name: "re_lu",
        settings: &[
            ("max_value", f32::INFINITY),
            ("negative_slope", 0.0),
            ("threshold", 0.0),
        ],
        ..BLANK
    },
    LayerSpec {
        name: "LeakyReLU",
        default_name: "leaky_re_lu",
        settings: &[("negative_slope", 0.3)],
        ..BLANK
    },
    LayerSpec {
        name: "ELU",
        default_name: "elu",
        settings: &[("alpha", 1.0)],
        ..BLANK
    },
    LayerSpec {
        name: "PReLU",
        default_name: "p_re_lu",
        options: &["alpha_initializer"],
        weights: &["alpha"],
        shapes: &[WeightShape::Units],
        trainable: 1,
        refused: &[Refused {
            key: "shared_axes",
            accepted: &["null"],
            instead: "a PReLU here has one slope per unit: shared_axes=None",
        }],
        initializers: &[DEFAULT_PRELU_INITIALIZER],
        config: &[("shared_axes", "null")],
        weight_config: true,
        built: true,
        ..BLANK
    },
    LayerSpec {
        name: "Normalization",
        default_name: "normalization",
        weights: &["mean", "variance", "count"],
        shapes: &[WeightShape::Units, WeightShape::Units, WeightShape::Scalar],
        refused: &[
            Refused {
                key: "axis",
                accepted: &["[-1]", "[1]", "-1", "1"],
                instead: "a Normalization here normalises each feature of the last axis: axis=-1",
            },
            Refused {
                key: "invert",
                accepted: &["false"],
                instead: "a Normalization here normalises, it does not invert: invert=False",
            },
            Refused {
                key: "mean",
                accepted: &["null"],
                instead: "a Normalization here holds its mean as a weight, set by \
                          `adapt_normalization` or read with the weights: mean=None",
            },
            Refused {
                key: "variance",
                accepted: &["null"],
                instead: "a Normalization here holds its variance as a weight, set by \
                          `adapt_normalization` or read with the weights: variance=None",
            },
        ],
        initializers: &["zeros", "ones", "zeros"],
        config: &[
            ("axis", "[-1]"),
            ("invert", "false"),
            ("mean", "null"),
            ("variance", "null"),
        ],
        built: true,
        ..BLANK
    },
];

/// Keras's default `alpha_initializer` of `PReLU`.
pub const DEFAULT_PRELU_INITIALIZER: &str = "zeros";

/// The names of the `name = number` options of `kind`, and their Keras
/// defaults (`NAN` where Keras has none: the option is required).
pub fn settings(kind: &str) -> &'static [(&'static str, f32)] {
    layer(kind).map_or(&[], |l| l.settings)
}

/// The layer kind named `name` (`"Dense"`); a `const fn`, so that the
/// runtime's layer tables read the kind's row at compile time.
pub const fn layer(name: &str) -> Option<&'static LayerSpec> {
    let mut i = 0;
    while i < LAYERS.len() {
        if same(LAYERS[i].name.as_bytes(), name.as_bytes()) {
            return Some(&LAYERS[i]);
        }
        i += 1;
    }
    None
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
