//! [`Logs`]: named values in Keras's order (`loss`, then each metric, then
//! `val_loss` and the `val_` metrics), as `evaluate` returns them and as
//! callbacks receive them.

use core::fmt;
use core::ops::Index;

/// Named values in a fixed order: what `evaluate` returns and what callbacks
/// see (Keras's `logs` dict, ordered as Keras prints it).
///
/// ```
/// use mlp_core::train::Logs;
///
/// let mut logs = Logs::new();
/// logs.insert("loss", 0.33884);
/// logs.insert("accuracy", 0.88290);
/// assert_eq!(logs["accuracy"], 0.88290);
/// assert_eq!(logs.get("val_loss"), None);
/// assert_eq!(logs.to_string(), "loss: 0.3388 - accuracy: 0.8829");
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs {
    entries: Vec<(String, f64)>,
}

impl Logs {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`: replaces its value if present, else appends it.
    pub fn insert(&mut self, name: impl Into<String>, value: f64) {
        let name = name.into();
        match self.entries.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.entries.push((name, value)),
        }
    }

    /// The value named `name` (`"loss"`, `"accuracy"`, `"val_loss"`, ...).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// The value named `"loss"`.
    pub fn loss(&self) -> Option<f64> {
        self.get("loss")
    }

    /// `(name, value)` pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), *v))
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there is no value.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Overwrites the `i`-th value (the trainer's allocation-free update).
    pub(crate) fn set_value(&mut self, i: usize, value: f64) {
        self.entries[i].1 = value;
    }

    /// The pairs as `History::push_epoch` takes them.
    pub(crate) fn as_pairs(&self) -> Vec<(&str, f64)> {
        self.iter().collect()
    }
}

impl Index<&str> for Logs {
    type Output = f64;

    /// The value named `name`; panics if there is none (use [`Logs::get`]
    /// to handle that case).
    fn index(&self, name: &str) -> &f64 {
        match self.entries.iter().find(|(n, _)| n == name) {
            Some((_, v)) => v,
            None => panic!(
                "no value named `{name}` in the logs; the names are: {}",
                self.names().collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl<'a> IntoIterator for &'a Logs {
    type Item = (&'a str, f64);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, f64)>,
        fn(&'a (String, f64)) -> (&'a str, f64),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(n, v)| (n.as_str(), *v))
    }
}

impl fmt::Display for Logs {
    /// Keras's progress-line format: `loss: 0.3388 - accuracy: 0.8829`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" - ")?;
            }
            write!(f, "{name}: {}", KerasNumber(value))?;
        }
        Ok(())
    }
}

/// A value as Keras's progress bar prints it: `%.4f`, or `%.4e` when its
/// magnitude is at most 1e-3 (Python's exponent style: `1.2340e-04`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct KerasNumber(pub f64);

impl fmt::Display for KerasNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v.is_nan() {
            f.write_str("nan")
        } else if v.is_infinite() {
            f.write_str(if v > 0.0 { "inf" } else { "-inf" })
        } else if v.abs() > 1e-3 {
            write!(f, "{v:.4}")
        } else {
            // Rust writes `1.2340e-4`; Python writes `1.2340e-04`.
            let s = format!("{v:.4e}");
            let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            write!(f, "{mantissa}e{sign}{digits:0>2}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_keras() {
        assert_eq!(KerasNumber(0.72181).to_string(), "0.7218");
        assert_eq!(KerasNumber(1.23e-4).to_string(), "1.2300e-04");
        assert_eq!(KerasNumber(0.0).to_string(), "0.0000e+00");
        assert_eq!(KerasNumber(f64::NAN).to_string(), "nan");
        assert_eq!(KerasNumber(12.5).to_string(), "12.5000");
    }

    #[test]
    fn insert_replaces_and_keeps_order() {
        let mut logs = Logs::new();
        logs.insert("loss", 1.0);
        logs.insert("accuracy", 0.5);
        logs.insert("loss", 2.0);
        assert_eq!(logs.names().collect::<Vec<_>>(), ["loss", "accuracy"]);
        assert_eq!(logs["loss"], 2.0);
        assert_eq!(logs.loss(), Some(2.0));
        let pairs: Vec<_> = (&logs).into_iter().collect();
        assert_eq!(pairs, [("loss", 2.0), ("accuracy", 0.5)]);
    }

    #[test]
    #[should_panic(expected = "no value named `val_loss`")]
    fn index_names_the_missing_value() {
        let mut logs = Logs::new();
        logs.insert("loss", 1.0);
        let _ = logs["val_loss"];
    }
}
