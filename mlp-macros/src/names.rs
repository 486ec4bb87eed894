//! The names the macro knows: activations, initializers, options, layer kinds.
//! The tables themselves are `mlp_spec`'s, shared with the runtime; this
//! module adds the lookups and the wording of suggestions.

pub use mlp_spec::{ACTIVATIONS, LAYERS};

/// Every name an activation may be written as (Keras's names and aliases).
pub fn activation_names() -> impl Iterator<Item = &'static str> + Clone {
    ACTIVATIONS
        .iter()
        .flat_map(|a| core::iter::once(a.name).chain(a.aliases.iter().copied()))
}

/// Every layer kind's name.
pub fn layer_names() -> impl Iterator<Item = &'static str> + Clone {
    LAYERS.iter().map(|l| l.name)
}

/// The options of layer kind `kind` (`"Dense"`).
pub fn options_of(kind: &str) -> &'static [&'static str] {
    mlp_spec::layer(kind).map_or(&[], |l| l.options)
}

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

/// Every known name equally close to `name` when it is a typo of more than
/// one (`l3`: `l1` and `l2`), or [`did_you_mean`]'s one answer, as
/// "`l1` or `l2`".
pub fn did_you_mean_any<'a>(
    name: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let lower = name.to_lowercase();
    let known: Vec<&'a str> = known.into_iter().collect();
    let distance = |k: &str| strsim::damerau_levenshtein(&lower, &k.to_lowercase());
    let best = did_you_mean(name, known.iter().copied())?;
    let tied: Vec<&str> = known
        .iter()
        .copied()
        .filter(|k| {
            *k == best || (distance(k) == distance(best) && distance(k) <= (k.len() / 3).max(1))
        })
        .collect();
    Some(list(tied))
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
        let acts = activation_names;
        assert_eq!(did_you_mean("rlu", acts()), Some("relu"));
        assert_eq!(did_you_mean("Relu", acts()), Some("relu"));
        assert_eq!(did_you_mean("softmx", acts()), Some("softmax"));
        assert_eq!(did_you_mean("banana", acts()), None);
        assert_eq!(
            did_you_mean("he_norml", mlp_spec::INITIALIZERS.iter().map(|i| i.name)),
            Some("he_normal")
        );
        assert_eq!(
            did_you_mean("kernel_init", options_of("Dense").iter().copied()),
            Some("kernel_initializer")
        );
        assert_eq!(did_you_mean("std", ["mean", "stddev"]), Some("stddev"));
        // Ambiguous prefixes and very short ones suggest nothing.
        assert_eq!(
            did_you_mean("random", mlp_spec::INITIALIZERS.iter().map(|i| i.name)),
            None
        );
        assert_eq!(did_you_mean("s", acts()), None);
        assert_eq!(list(["a", "b", "c"]), "`a`, `b` or `c`");
        let regularizers = || mlp_spec::REGULARIZERS.iter().map(|r| r.name);
        assert_eq!(
            did_you_mean_any("l3", regularizers()).as_deref(),
            Some("`l1` or `l2`")
        );
        assert_eq!(
            did_you_mean_any("l1l2", regularizers()).as_deref(),
            Some("`l1_l2`")
        );
        assert_eq!(did_you_mean_any("dropout", ["rate"]), None);
    }
}
