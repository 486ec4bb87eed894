//! The layer kinds a network can declare.

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerSpec {
    /// The name written in `network!` and Keras's class name: `"Dense"`.
    pub name: &'static str,
    /// Keras's default layer name, numbered `_1`, `_2`, ... after the first
    /// (`dense`, `dense_1`); empty for a kind that is not a layer (`Input`).
    pub default_name: &'static str,
    /// Where it may stand.
    pub role: LayerRole,
    /// Its `name = value` options, in Keras's order.
    pub options: &'static [&'static str],
    /// Its weights, in Keras's order (`kernel`, `bias`).
    pub weights: &'static [&'static str],
}

/// Every layer kind.
pub const LAYERS: &[LayerSpec] = &[
    LayerSpec {
        name: "Input",
        default_name: "",
        role: LayerRole::Input,
        options: &[],
        weights: &[],
    },
    LayerSpec {
        name: "Flatten",
        default_name: "flatten",
        role: LayerRole::Input,
        options: &[],
        weights: &[],
    },
    LayerSpec {
        name: "Dense",
        default_name: "dense",
        role: LayerRole::Layer,
        options: &["kernel_initializer", "bias_initializer"],
        weights: &["kernel", "bias"],
    },
];

/// The layer kind named `name` (`"Dense"`).
pub fn layer(name: &str) -> Option<&'static LayerSpec> {
    LAYERS.iter().find(|l| l.name == name)
}
