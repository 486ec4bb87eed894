//! A layer's options in a Keras `config.json`, read once for the two
//! readers of Keras files: the runtime's `load_keras` (`mlp-core`) and the
//! compile-time `#[weights("model.keras")]` bake (`mlp-macros`). The numbers
//! a kind has (its [`LayerSpec::settings`](crate::LayerSpec::settings)) and
//! the options it refuses ([`LayerSpec::refused`](crate::LayerSpec::refused))
//! come from the kind's row of the shared table. Behind the `keras` feature.
//!
//! ```
//! use mlp_spec::keras_options::{settings, unsupported};
//!
//! let cfg = serde_json::json!({"name": "batch_normalization", "momentum": 0.9, "center": false});
//! assert_eq!(settings("BatchNormalization", &cfg), [("momentum", Some(0.9)), ("epsilon", Some(0.001))]);
//! assert_eq!(
//!     unsupported("BatchNormalization", &cfg),
//!     ["center=False (a BatchNormalization here always has `beta`: center=True)"]
//! );
//! let cfg = serde_json::json!({"axis": [-1], "invert": false, "mean": null, "variance": null});
//! assert!(unsupported("Normalization", &cfg).is_empty());
//! ```

use serde_json::Value;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

/// The numeric options of a layer of class `class` as its config `cfg`
/// gives them, named and ordered as the shared table's row: `None` is
/// Keras's `None` (a ReLU without `max_value`); an option left out (or not
/// a number) has Keras's default.
pub fn settings(class: &str, cfg: &Value) -> Vec<(&'static str, Option<f64>)> {
    crate::settings(class)
        .iter()
        .map(|&(name, default)| {
            let value = match cfg.get(name) {
                Some(Value::Null) => None,
                Some(Value::Number(n)) => n.as_f64(),
                // `INFINITY` is Keras's `None`, `NAN` "no default".
                _ => Some(default)
                    .filter(|d| d.is_finite())
                    // 0.3, not 0.30000001192092896: as Keras writes it.
                    .map(|d| d.to_string().parse().unwrap_or(f64::from(d))),
            };
            (name, value)
        })
        .collect()
}

/// The options of a layer of class `class` with config `cfg` that this
/// library does not have, each as Keras writes it with what this library
/// does instead: `center=False (a BatchNormalization here always has
/// `beta`: center=True)`.
pub fn unsupported(class: &str, cfg: &Value) -> Vec<String> {
    let refused = crate::layer(class).map_or(&[][..], |l| l.refused);
    refused
        .iter()
        .filter_map(|r| {
            let value = cfg.get(r.key)?;
            let json = serde_json::to_string(value).unwrap_or_default();
            (!r.accepted.contains(&json.as_str()))
                .then(|| format!("{}={} ({})", r.key, python(value), r.instead))
        })
        .collect()
}

/// Python's spelling of a number option: `0.2`, `0.0`, `None`.
pub fn python_number(value: Option<f64>) -> String {
    match value {
        None => "None".to_string(),
        Some(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => format!("{v:.1}"),
        Some(v) => format!("{v}"),
    }
}

/// Python's spelling of a JSON value, as Keras's error messages show it:
/// `False`, `None`, `[1, 2]`.
pub fn python(value: &Value) -> String {
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}
