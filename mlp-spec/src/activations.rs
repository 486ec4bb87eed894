//! The activations: Keras's name, the runtime type, aliases.

/// Hands every activation to `$callback!` as
/// `$(#[doc] Variant = "keras_name" $(| "alias")*,)*`, in a fixed order.
///
/// The runtime defines `ActivationKind`, its `name()`, the marker types and
/// `ALL` from it; [`ACTIVATIONS`] is this crate's data view of it.
#[macro_export]
macro_rules! for_each_activation {
    ($callback:ident) => {
        $callback! {
            /// `linear`: the identity (Keras's default when no activation is given).
            Linear = "linear",
            /// `relu`: `max(x, 0)`.
            Relu = "relu",
            /// `sigmoid`: `1 / (1 + exp(-x))`.
            Sigmoid = "sigmoid",
            /// `softmax`: `exp(x) / sum(exp(x))` over the units of one sample.
            Softmax = "softmax",
            /// `tanh`.
            Tanh = "tanh",
            /// `elu`: `x` if `x > 0`, else `alpha * (exp(x) - 1)` with alpha 1.
            Elu = "elu",
            /// `selu`: `scale * elu(x, alpha)` with Keras's self-normalising constants.
            Selu = "selu",
            /// `leaky_relu`: `x` if `x > 0`, else `0.2 * x` (as `keras.activations.leaky_relu`).
            LeakyRelu = "leaky_relu",
            /// `softplus`: `log(exp(x) + 1)`.
            Softplus = "softplus",
            /// `swish` (also `silu`): `x * sigmoid(x)`.
            Swish = "swish" | "silu",
            /// `exponential`: `exp(x)`.
            Exponential = "exponential",
            /// `softsign`: `x / (|x| + 1)`.
            Softsign = "softsign",
            /// `relu6`: `min(max(x, 0), 6)`.
            Relu6 = "relu6",
            /// `hard_sigmoid`: `relu6(x + 3) / 6` (Keras 3's definition).
            HardSigmoid = "hard_sigmoid",
            /// `mish`: `x * tanh(softplus(x))`.
            Mish = "mish",
            /// `hard_silu` (also `hard_swish`): `x * relu6(x + 3) / 6`.
            HardSilu = "hard_silu" | "hard_swish",
            /// `log_sigmoid`: `-softplus(-x)`.
            LogSigmoid = "log_sigmoid",
            /// `celu`: `max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)` with alpha 1.
            Celu = "celu",
            /// `hard_tanh`: `clip(x, -1, 1)`.
            HardTanh = "hard_tanh",
            /// `sparse_plus`: 0 up to -1, `(x + 1)^2 / 4` up to 1, then `x`.
            SparsePlus = "sparse_plus",
            /// `sparse_sigmoid`: 0 up to -1, `(x + 1) / 2` up to 1, then 1.
            SparseSigmoid = "sparse_sigmoid",
            /// `squareplus`: `(x + sqrt(x^2 + b)) / 2` with b 4.
            Squareplus = "squareplus",
            /// `soft_shrink`: `x - 0.5` above 0.5, `x + 0.5` below -0.5, else 0.
            SoftShrink = "soft_shrink",
            /// `hard_shrink`: `x` where `|x| > 0.5`, else 0.
            HardShrink = "hard_shrink",
            /// `tanh_shrink`: `x - tanh(x)`.
            TanhShrink = "tanh_shrink",
            /// `log_softmax`: `x - log(sum(exp(x)))` over the units of one sample.
            LogSoftmax = "log_softmax",
            /// `sparsemax`: the Euclidean projection of the units of one sample
            /// onto the probability simplex (sparse probabilities).
            Sparsemax = "sparsemax",
            /// `gelu(x, approximate=True)`: `0.5 * x * (1 + tanh(sqrt(2 / pi) *
            /// (x + 0.044715 * x^3)))`, under the name KerasHub registers for it
            /// (Keras itself has no name for the option).
            GeluApproximate = "gelu_approximate",
            /// `gelu`: `0.5 * x * (1 + erf(x / sqrt(2)))` (Keras's exact form).
            Gelu = "gelu",
        }
    };
}

/// One activation as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActivationSpec {
    /// Keras's name: `"relu"`.
    pub name: &'static str,
    /// Other names Keras accepts for it: `["silu"]` for `swish`.
    pub aliases: &'static [&'static str],
    /// The runtime's variant of `ActivationKind` and marker type: `"Relu"`.
    pub variant: &'static str,
}

macro_rules! activation_table {
    ($($(#[$doc:meta])* $variant:ident = $name:literal $(| $alias:literal)*,)*) => {
        /// Every activation, in the order of [`for_each_activation!`].
        pub const ACTIVATIONS: &[ActivationSpec] = &[$(ActivationSpec {
            name: $name,
            aliases: &[$($alias),*],
            variant: stringify!($variant),
        }),*];
    };
}

for_each_activation!(activation_table);

/// The activation Keras calls `name` (or an alias of it).
pub fn activation(name: &str) -> Option<&'static ActivationSpec> {
    ACTIVATIONS
        .iter()
        .find(|a| a.name == name || a.aliases.contains(&name))
}
