//! The names the macro knows: activations, initializers, options, layer kinds.

/// Activation names (Keras's) and the runtime type each expands to.
pub const ACTIVATIONS: &[(&str, &str)] = &[
    ("linear", "Linear"),
    ("relu", "Relu"),
    ("sigmoid", "Sigmoid"),
    ("softmax", "Softmax"),
    ("tanh", "Tanh"),
    ("elu", "Elu"),
    ("selu", "Selu"),
    ("leaky_relu", "LeakyRelu"),
    ("softplus", "Softplus"),
    ("swish", "Swish"),
    ("silu", "Swish"),
    ("exponential", "Exponential"),
    ("softsign", "Softsign"),
    ("relu6", "Relu6"),
    ("hard_sigmoid", "HardSigmoid"),
    ("gelu", "Gelu"),
];

/// Initializer names (Keras's).
pub const INITIALIZERS: &[&str] = &[
    "zeros",
    "ones",
    "constant",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
];

/// Options a Dense layer takes after its units and activation.
pub const DENSE_OPTIONS: &[&str] = &["kernel_initializer", "bias_initializer"];

/// Layer kinds.
pub const LAYER_KINDS: &[&str] = &["Flatten", "Input", "Dense"];

/// The closest known name to `name`, if it is close enough to be a typo
/// (a few edits away) or an abbreviation (`kernel_init` for
/// `kernel_initializer`, `std` for `stddev`).
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let known: Vec<&'a str> = known.into_iter().collect();
    let typo = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    typo.or_else(|| {
        // An abbreviation: a prefix of exactly one known name.
        let mut prefixed = known
            .iter()
            .filter(|k| lower.len() >= 3 && k.to_lowercase().starts_with(&lower));
        match (prefixed.next(), prefixed.next()) {
            (Some(k), None) => Some(*k),
            _ => None,
        }
    })
}

/// `a`, `b` or `c`, each in backticks.
pub fn list(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let names: Vec<String> = names
        .into_iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses() {
        let acts = || ACTIVATIONS.iter().map(|(n, _)| *n);
        assert_eq!(did_you_mean("rlu", acts()), Some("relu"));
        assert_eq!(did_you_mean("Relu", acts()), Some("relu"));
        assert_eq!(did_you_mean("softmx", acts()), Some("softmax"));
        assert_eq!(did_you_mean("banana", acts()), None);
        assert_eq!(
            did_you_mean("he_norml", INITIALIZERS.iter().copied()),
            Some("he_normal")
        );
        assert_eq!(
            did_you_mean("kernel_init", DENSE_OPTIONS.iter().copied()),
            Some("kernel_initializer")
        );
        assert_eq!(did_you_mean("std", ["mean", "stddev"]), Some("stddev"));
        // Ambiguous prefixes and very short ones suggest nothing.
        assert_eq!(did_you_mean("random", INITIALIZERS.iter().copied()), None);
        assert_eq!(did_you_mean("s", acts()), None);
        assert_eq!(list(["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
