//! The search space: [`HyperParameters`] and the four kinds of
//! hyperparameter, [`Int`], [`Float`], [`Choice`] and [`Boolean`], declared
//! as Keras Tuner's `hp.Int(...)` are, and conditional ones.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A hyperparameter's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (a [`Choice`] among names).
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{}", if *b { "True" } else { "False" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => write!(f, "'{s}'"),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.into())
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// How a [`Float`] is sampled (Keras Tuner's `sampling`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    /// Uniformly between the bounds.
    Linear,
    /// Uniformly in the logarithm (bounds above 0).
    Log,
}

/// What values a hyperparameter takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "class")]
pub enum Kind {
    /// Integers `min..=max` in steps of `step`.
    Int {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
        /// Step between values.
        step: i64,
    },
    /// Floats in `[min, max]`.
    Float {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
        /// Linear or logarithmic sampling.
        sampling: Sampling,
    },
    /// One of `values`.
    Choice {
        /// The choices.
        values: Vec<Value>,
    },
    /// True or false.
    Boolean,
}

/// A hyperparameter of the space: its name, values, default, and the
/// condition under which it is active.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its values.
    pub kind: Kind,
    /// Its value when not searched (Keras Tuner: `min_value`, the first
    /// choice, false, unless given).
    pub default: Value,
    /// `(parent, values)`: active only when `parent` has one of `values`.
    pub condition: Option<(String, Vec<Value>)>,
}

impl Param {
    /// Whether `v` is one of this parameter's values.
    pub(crate) fn admits(&self, v: &Value) -> bool {
        match (&self.kind, v) {
            (Kind::Int { min, max, step }, Value::Int(i)) => {
                (min..=max).contains(&i) && (i - min) % step == 0
            }
            (Kind::Float { min, max, .. }, Value::Float(x)) => (min..=max).contains(&x),
            (Kind::Choice { values }, v) => values.contains(v),
            (Kind::Boolean, Value::Bool(_)) => true,
            _ => false,
        }
    }
}

/// A declaration of one hyperparameter, which [`HyperParameters::get`]
/// registers and answers with the trial's value.
pub trait Declare {
    /// The value's Rust type.
    type Output;
    /// The parameter declared.
    fn param(self) -> Result<Param>;
    /// The value as the Rust type.
    fn output(value: &Value) -> Self::Output;
}

/// An integer hyperparameter (Keras Tuner's `hp.Int`).
#[derive(Clone, Debug)]
pub struct Int {
    name: String,
    min: i64,
    max: i64,
    step: i64,
    default: Option<i64>,
}

impl Int {
    /// Integers from `min` to `max`, both included, in steps of 1.
    pub fn new(name: &str, min: i64, max: i64) -> Self {
        Self {
            name: name.into(),
            min,
            max,
            step: 1,
            default: None,
        }
    }

    setters! {
        /// The step between values (default 1).
        step: i64,
        /// The default (default `min`).
        default: i64 => Some,
    }
}

impl Declare for Int {
    type Output = i64;
    fn param(self) -> Result<Param> {
        if self.min > self.max || self.step < 1 {
            return Err(invalid(
                &self.name,
                format!(
                    "Int needs min <= max and step >= 1 (found min {}, max {}, step {})",
                    self.min, self.max, self.step
                ),
            ));
        }
        let param = Param {
            default: Value::Int(self.default.unwrap_or(self.min)),
            kind: Kind::Int {
                min: self.min,
                max: self.max,
                step: self.step,
            },
            name: self.name,
            condition: None,
        };
        checked_default(param)
    }
    fn output(value: &Value) -> i64 {
        match value {
            Value::Int(i) => *i,
            _ => unreachable!("an Int's value is checked to be an integer"),
        }
    }
}

/// A float hyperparameter (Keras Tuner's `hp.Float`).
#[derive(Clone, Debug)]
pub struct Float {
    name: String,
    min: f64,
    max: f64,
    sampling: Sampling,
    default: Option<f64>,
}

impl Float {
    /// Floats in `[min, max]`, sampled linearly.
    pub fn new(name: &str, min: f64, max: f64) -> Self {
        Self {
            name: name.into(),
            min,
            max,
            sampling: Sampling::Linear,
            default: None,
        }
    }

    /// Floats in `[min, max]`, sampled uniformly in the logarithm
    /// (`sampling="log"`; `min` above 0).
    pub fn log(name: &str, min: f64, max: f64) -> Self {
        Self {
            sampling: Sampling::Log,
            ..Self::new(name, min, max)
        }
    }

    setters! {
        /// The default (default `min`).
        default: f64 => Some,
    }
}

impl Declare for Float {
    type Output = f64;
    fn param(self) -> Result<Param> {
        let ordered = self.min.is_finite() && self.max.is_finite() && self.min <= self.max;
        if !ordered || (self.sampling == Sampling::Log && self.min <= 0.0) {
            return Err(invalid(
                &self.name,
                format!(
                    "Float needs finite min <= max, and min > 0 with log sampling (found min {}, \
                     max {}, {:?})",
                    self.min, self.max, self.sampling
                ),
            ));
        }
        let param = Param {
            default: Value::Float(self.default.unwrap_or(self.min)),
            kind: Kind::Float {
                min: self.min,
                max: self.max,
                sampling: self.sampling,
            },
            name: self.name,
            condition: None,
        };
        checked_default(param)
    }
    fn output(value: &Value) -> f64 {
        match value {
            Value::Float(x) => *x,
            _ => unreachable!("a Float's value is checked to be a float"),
        }
    }
}

/// One of a list of names (Keras Tuner's `hp.Choice` of strings).
#[derive(Clone, Debug)]
pub struct Choice {
    name: String,
    values: Vec<String>,
    default: Option<String>,
}

impl Choice {
    /// One of `values`.
    pub fn new<S: AsRef<str>>(name: &str, values: impl IntoIterator<Item = S>) -> Self {
        Self {
            name: name.into(),
            values: values.into_iter().map(|s| s.as_ref().to_owned()).collect(),
            default: None,
        }
    }

    /// The default (default the first value).
    pub fn default(mut self, value: &str) -> Self {
        self.default = Some(value.into());
        self
    }
}

impl Declare for Choice {
    type Output = String;
    fn param(self) -> Result<Param> {
        let Some(first) = self.values.first() else {
            return Err(invalid(
                &self.name,
                "Choice needs at least one value".into(),
            ));
        };
        let param = Param {
            default: Value::Str(self.default.clone().unwrap_or_else(|| first.clone())),
            kind: Kind::Choice {
                values: self.values.iter().map(|v| Value::Str(v.clone())).collect(),
            },
            name: self.name,
            condition: None,
        };
        checked_default(param)
    }
    fn output(value: &Value) -> String {
        match value {
            Value::Str(s) => s.clone(),
            _ => unreachable!("a Choice's value is checked to be one of its names"),
        }
    }
}

/// True or false (Keras Tuner's `hp.Boolean`).
#[derive(Clone, Debug)]
pub struct Boolean {
    name: String,
    default: bool,
}

impl Boolean {
    /// A boolean, false by default.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            default: false,
        }
    }

    setters! {
        /// The default.
        default: bool,
    }
}

impl Declare for Boolean {
    type Output = bool;
    fn param(self) -> Result<Param> {
        Ok(Param {
            name: self.name,
            kind: Kind::Boolean,
            default: Value::Bool(self.default),
            condition: None,
        })
    }
    fn output(value: &Value) -> bool {
        matches!(value, Value::Bool(true))
    }
}

fn invalid(name: &str, message: String) -> Error {
    Error::InvalidArgument {
        name: "hyperparameter",
        message: format!("`{name}`: {message}"),
    }
}

fn checked_default(param: Param) -> Result<Param> {
    if param.admits(&param.default) {
        Ok(param)
    } else {
        Err(invalid(
            &param.name,
            format!("the default {} is not one of its values", param.default),
        ))
    }
}

/// The space and one trial's values (Keras Tuner's `HyperParameters`): the
/// code that builds and trains a model declares each hyperparameter with
/// [`HyperParameters::get`] and receives the trial's value (the default
/// when the tuner has chosen none).
///
/// ```
/// use mlp_core::tune::{Boolean, Choice, Float, HyperParameters, Int};
///
/// let mut hp = HyperParameters::new();
/// let n_hidden = hp.get(Int::new("n_hidden", 0, 8).default(2))?;
/// let learning_rate = hp.get(Float::log("learning_rate", 1e-4, 1e-2))?;
/// let optimizer = hp.get(Choice::new("optimizer", ["sgd", "adam"]))?;
/// let momentum = hp.conditional("optimizer", ["sgd"], |hp| hp.get(Float::new("momentum", 0.0, 0.9)))?;
/// assert_eq!((n_hidden, learning_rate, optimizer.as_str()), (2, 1e-4, "sgd"));
/// assert_eq!(momentum, Some(0.0));
/// assert!(!hp.get(Boolean::new("normalize"))?);
/// assert_eq!(hp.space().len(), 5);
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HyperParameters {
    space: Vec<Param>,
    values: BTreeMap<String, Value>,
    scope: Vec<(String, Vec<Value>)>,
    declaring: bool,
}

impl HyperParameters {
    /// An empty space: every declared parameter takes its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// The values of a trial, for `space`.
    pub(crate) fn with_values(space: &[Param], values: BTreeMap<String, Value>) -> Self {
        Self {
            space: space.to_vec(),
            values,
            scope: Vec::new(),
            declaring: false,
        }
    }

    /// A space being declared: conditional blocks run whatever their
    /// parent's value, so every parameter is found.
    pub(crate) fn declaring() -> Self {
        Self {
            declaring: true,
            ..Self::default()
        }
    }

    /// Declares the parameter (once; a second declaration must be the same)
    /// and returns its value in this trial.
    pub fn get<D: Declare>(&mut self, declaration: D) -> Result<D::Output> {
        let mut param = declaration.param()?;
        param.condition = self.scope.last().cloned();
        match self.space.iter().find(|p| p.name == param.name) {
            Some(known) if known.kind != param.kind => {
                return Err(invalid(
                    &param.name,
                    format!(
                        "declared twice with different values ({:?}, then {:?})",
                        known.kind, param.kind
                    ),
                ));
            }
            Some(_) => {}
            None => self.space.push(param.clone()),
        }
        let value = self.values.get(&param.name).unwrap_or(&param.default);
        Ok(D::output(value))
    }

    /// Runs `declare` with the parameters it declares active only when
    /// `parent` has one of `values` (Keras Tuner's `conditional_scope`):
    /// `Some` of its result when `parent`'s value is one of them, `None`
    /// (without running it) otherwise.
    pub fn conditional<T, V: Into<Value>>(
        &mut self,
        parent: &str,
        values: impl IntoIterator<Item = V>,
        declare: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<Option<T>> {
        let values: Vec<Value> = values.into_iter().map(Into::into).collect();
        let Some(known) = self.space.iter().find(|p| p.name == parent) else {
            return Err(invalid(
                parent,
                "a conditional block's parent must be declared before it".into(),
            ));
        };
        let current = self.values.get(parent).unwrap_or(&known.default);
        let active = values.contains(current);
        if !active && !self.declaring {
            return Ok(None);
        }
        self.scope.push((parent.to_owned(), values));
        let result = declare(self);
        self.scope.pop();
        let value = result?;
        Ok(active.then_some(value))
    }

    /// The parameters declared so far, in order.
    pub fn space(&self) -> &[Param] {
        &self.space
    }

    /// The values of this trial's active parameters (Keras Tuner's
    /// `hp.values`), defaults included.
    pub fn values(&self) -> BTreeMap<String, Value> {
        active_values(&self.space, &self.values)
    }

    /// The value of `name` in this trial, if it is declared and active.
    pub fn value(&self, name: &str) -> Option<Value> {
        self.values().remove(name)
    }
}

/// The active parameters' values: the chosen ones, else the defaults,
/// leaving out those whose condition does not hold.
pub(crate) fn active_values(
    space: &[Param],
    chosen: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for p in space {
        if let Some((parent, values)) = &p.condition
            && !out.get(parent).is_some_and(|v| values.contains(v))
        {
            continue;
        }
        let v = chosen.get(&p.name).unwrap_or(&p.default).clone();
        out.insert(p.name.clone(), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_declarations_are_errors() {
        let mut hp = HyperParameters::new();
        let e = hp.get(Int::new("n", 5, 1)).unwrap_err().to_string();
        assert!(e.contains("`n`") && e.contains("min 5, max 1"), "{e}");
        let e = hp.get(Float::log("lr", 0.0, 1.0)).unwrap_err().to_string();
        assert!(e.contains("min > 0"), "{e}");
        let e = hp
            .get(Choice::new("opt", Vec::<&str>::new()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least one"), "{e}");
        let e = hp
            .get(Int::new("k", 0, 8).step(3).default(4))
            .unwrap_err()
            .to_string();
        assert!(e.contains("default 4"), "{e}");
        hp.get(Int::new("m", 0, 3)).unwrap();
        assert!(hp.get(Int::new("m", 0, 4)).is_err());
        assert!(hp.conditional("absent", [true], |_| Ok(())).is_err());
    }

    #[test]
    fn conditional_values_follow_their_parent() {
        let declare = |hp: &mut HyperParameters| -> Result<Option<f64>> {
            hp.get(Choice::new("optimizer", ["sgd", "adam"]))?;
            hp.conditional("optimizer", ["sgd"], |hp| {
                hp.get(Float::new("momentum", 0.0, 0.9))
            })
        };
        let mut space = HyperParameters::declaring();
        declare(&mut space).unwrap();
        assert_eq!(
            space.space()[1].condition,
            Some(("optimizer".into(), vec!["sgd".into()]))
        );
        let chosen = BTreeMap::from([
            ("optimizer".to_string(), Value::from("adam")),
            ("momentum".to_string(), Value::Float(0.5)),
        ]);
        let mut trial = HyperParameters::with_values(space.space(), chosen);
        assert_eq!(declare(&mut trial).unwrap(), None);
        assert_eq!(trial.values().len(), 1, "momentum is inactive under adam");
    }
}
