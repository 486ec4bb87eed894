//! The initializers: Keras's name, parameters and their defaults.

/// Hands every initializer to `$callback!` as
/// `$(#[doc] Variant = "keras_name" $({ param = default, ... })?,)*`, in a
/// fixed order. Parameters are `f32`s, in Keras's order.
#[macro_export]
macro_rules! for_each_initializer {
    ($callback:ident) => {
        $callback! {
            /// All zeros (Keras's bias default).
            Zeros = "zeros",
            /// All ones.
            Ones = "ones",
            /// A constant value.
            Constant = "constant" { value = 0.0 },
            /// Normal with the given mean and standard deviation.
            RandomNormal = "random_normal" { mean = 0.0, stddev = 0.05 },
            /// Uniform in `[minval, maxval)`.
            RandomUniform = "random_uniform" { minval = -0.05, maxval = 0.05 },
            /// Normal truncated at two standard deviations.
            TruncatedNormal = "truncated_normal" { mean = 0.0, stddev = 0.05 },
            /// Uniform in `±sqrt(6 / (fan_in + fan_out))` (Keras's kernel default).
            GlorotUniform = "glorot_uniform",
            /// Truncated normal with variance `2 / (fan_in + fan_out)`.
            GlorotNormal = "glorot_normal",
            /// Uniform in `±sqrt(6 / fan_in)`.
            HeUniform = "he_uniform",
            /// Truncated normal with variance `2 / fan_in`.
            HeNormal = "he_normal",
            /// Uniform in `±sqrt(3 / fan_in)`.
            LecunUniform = "lecun_uniform",
            /// Truncated normal with variance `1 / fan_in`.
            LecunNormal = "lecun_normal",
        }
    };
}

/// One function of the kind a layer option names (an initializer, a
/// regularizer, a constraint) as data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FunctionSpec {
    /// Keras's name: `"he_normal"`.
    pub name: &'static str,
    /// The runtime's variant: `"HeNormal"`.
    pub variant: &'static str,
    /// Its parameters with Keras's defaults, in Keras's order (the fields of
    /// the variant).
    pub params: &'static [(&'static str, f32)],
}

/// An initializer as data.
pub type InitializerSpec = FunctionSpec;

/// Writes a documented `&[FunctionSpec]` table from the entries of a
/// `for_each_*!` list.
macro_rules! function_table {
    ($(#[$meta:meta])* $table:ident; $($(#[$doc:meta])* $variant:ident = $name:literal $({ $($param:ident = $default:literal),* })?,)*) => {
        $(#[$meta])*
        pub const $table: &[$crate::FunctionSpec] = &[$($crate::FunctionSpec {
            name: $name,
            variant: stringify!($variant),
            params: &[$($((stringify!($param), $default)),*)?],
        }),*];
    };
}
pub(crate) use function_table;

macro_rules! initializer_table {
    ($($entries:tt)*) => {
        function_table! {
            /// Every initializer, in the order of [`for_each_initializer!`].
            INITIALIZERS; $($entries)*
        }
    };
}

for_each_initializer!(initializer_table);

/// The initializer Keras calls `name`.
pub fn initializer(name: &str) -> Option<&'static InitializerSpec> {
    INITIALIZERS.iter().find(|i| i.name == name)
}

/// Keras's default kernel initializer.
pub const DEFAULT_KERNEL_INITIALIZER: &str = "glorot_uniform";
/// Keras's default bias initializer.
pub const DEFAULT_BIAS_INITIALIZER: &str = "zeros";
