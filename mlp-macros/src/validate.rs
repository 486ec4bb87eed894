//! Checks every rule of the grammar and turns the syntax into a [`Model`].
//! Every error is spanned on the token at fault, and all of them are reported
//! together.

pub use crate::model::{Init, LayerModel, LayerModelKind, Model};
use crate::names;
use crate::parse::{Arg, Body, InitArg, InitExpr, Layer, LayerBody, Network, Spans};
use mlp_spec::{ActivationSpec, FunctionSpec, LayerSpec};
use proc_macro2::Span;
use std::collections::HashMap;
use syn::{Ident, LitInt};

/// Collects errors so that all of them are reported at once.
#[derive(Default)]
pub(crate) struct Errors(pub(crate) Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, span: impl Into<Spans>, message: impl std::fmt::Display) {
        let error = syn::Error::new_spanned(span.into(), message);
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

/// The checked model of a chain or a graph (`validate_graph.rs`).
pub fn validate(network: &Network) -> syn::Result<Model> {
    match &network.body {
        Body::Chain(chain) => validate_chain(network, chain),
        Body::Graph(statements) => crate::validate_graph::validate(network, statements),
    }
}

fn validate_chain(network: &Network, chain: &[Layer]) -> syn::Result<Model> {
    let mut errors = Errors::default();
    let mut input_shape = Vec::new();
    let mut layers = Vec::new();
    let mut width = 0_usize;
    let mut taken = Names::default();
    let first = first_layer(chain);

    for (index, layer) in chain.iter().enumerate() {
        let kind = layer.kind.to_string();
        match kind.as_str() {
            "Flatten" | "Input" if index > 0 => {
                let input = match &first {
                    Some(first) => format!(" (this network's input is `{first}`)"),
                    None => String::new(),
                };
                let instead = match (&layer.body, &first) {
                    (LayerBody::Shape { .. }, Some(first)) => {
                        format!(
                            ", or start the chain with `{}` instead of `{first}`",
                            describe(layer)
                        )
                    }
                    _ => String::new(),
                };
                errors.push(
                    layer.span,
                    format!(
                        "`{kind}` can only be the first layer, where it declares the network's input \
                         shape{input}: remove it here{instead}"
                    ),
                );
            }
            "Flatten" | "Input" => {
                let want = if kind == "Flatten" { 2 } else { 1 };
                let Some(dims) = shape(&mut errors, layer, &kind, want) else {
                    continue;
                };
                input_shape = dims.clone();
                width = dims.iter().product();
                if kind == "Input" {
                    if let Some(name) = &layer.name {
                        errors.push(
                            name.span(),
                            "`Input` is not a layer and has no field: remove its name, or use `Flatten[rows, cols]`",
                        );
                    }
                    continue;
                }
                let field = layer_name(&mut errors, &mut taken, layer, "flatten");
                layers.push(LayerModel {
                    field,
                    kind: LayerModelKind::Flatten {
                        rows: dims[0],
                        cols: dims[1],
                    },
                });
            }
            _ if index == 0 && mlp_spec::layer(&kind).is_some() => errors.push(
                layer.span,
                format!(
                    "the network declares no input shape: the first layer must be \
                     `Input[features]` for vectors or `Flatten[rows, cols]` for images, \
                     as in `Input[8] -> {}`",
                    describe(layer)
                ),
            ),
            other if let Some(spec) = mlp_spec::layer(other) => {
                let field = layer_name(&mut errors, &mut taken, layer, spec.default_name);
                if let Some(kind) = layer_kind(&mut errors, layer, spec, width) {
                    width = kind.units();
                    layers.push(LayerModel { field, kind });
                }
            }
            other => {
                let expected = if index == 0 {
                    "`Flatten[rows, cols]` or `Input[features]`".to_string()
                } else {
                    let kinds = mlp_spec::LAYERS
                        .iter()
                        .filter(|l| l.role == mlp_spec::LayerRole::Layer)
                        .map(|l| l.name);
                    format!("one of {}", names::list(kinds))
                };
                // A near name is the likely fix; the whole list only helps
                // when there is none.
                let message = match names::did_you_mean(other, names::layer_names()) {
                    Some(near) => format!("unknown layer `{other}`: did you mean `{near}`?"),
                    None => format!("unknown layer `{other}`: expected {expected}"),
                };
                errors.push(layer.kind.span(), message);
            }
        }
    }
    if errors.0.is_none()
        && !layers
            .iter()
            .any(|l| matches!(l.kind, LayerModelKind::Dense { .. }))
    {
        let (span, message) = match chain.last() {
            Some(last) => {
                let last_text = describe(last);
                (
                    last.span,
                    format!(
                        "a network needs at least one Dense layer: add one after `{last_text}`, as in `{last_text} -> Dense<10, softmax>`"
                    ),
                )
            }
            None => (
                network.brace_span.into(),
                "a network needs at least one Dense layer".to_string(),
            ),
        };
        errors.push(span, message);
    }
    if let (None, Some(last), Some(written)) = (&errors.0, layers.last(), chain.last())
        && !matches!(last.kind, LayerModelKind::Dense { .. })
    {
        errors.push(
            written.span,
            format!(
                "the last layer must be a Dense layer, found `{}`: the loss reads the output \
                 layer's activation (add `-> Dense<10, softmax>` after it, or remove it)",
                describe(written)
            ),
        );
    }
    match errors.0 {
        Some(e) => Err(e),
        None => Ok(Model::chain(
            (
                network.attrs.clone(),
                network.vis.clone(),
                network.ident.clone(),
            ),
            input_shape,
            layers,
        )),
    }
}

/// A layer name seen so far: where, and whether the user wrote it.
#[derive(Clone, Copy)]
pub(crate) struct Named {
    pub(crate) span: Span,
    pub(crate) explicit: bool,
}

/// A model's layer names so far and Keras's default-name counters, shared
/// by the chain's and the graph's rules.
#[derive(Default)]
pub(crate) struct Names {
    seen: HashMap<String, Named>,
    counters: HashMap<&'static str, usize>,
}

impl Names {
    /// Keras's next default name for `prefix`: `dense`, `dense_1`, ...
    pub(crate) fn default_name(&mut self, prefix: &'static str) -> String {
        let n = self.counters.entry(prefix).or_insert(0);
        let name = if *n == 0 {
            prefix.to_string()
        } else {
            format!("{prefix}_{n}")
        };
        *n += 1;
        name
    }

    /// Records `name` (`keep_first`: a later layer of the same name does
    /// not replace the earlier one); the earlier layer of that name, if any.
    pub(crate) fn insert(&mut self, name: &str, this: Named, keep_first: bool) -> Option<Named> {
        match self.seen.get(name).copied() {
            Some(earlier) if keep_first => Some(earlier),
            _ => self.seen.insert(name.to_string(), this),
        }
    }
}

/// The first layer as written, if it declares an input (`Input[784]`).
fn first_layer(chain: &[Layer]) -> Option<String> {
    let first = chain.first()?;
    let declares_input = first.kind == "Input" || first.kind == "Flatten";
    (declares_input && matches!(first.body, LayerBody::Shape { .. })).then(|| describe(first))
}

/// A layer as the user wrote it, without its name: `Dense<10, relu>`.
fn describe(layer: &Layer) -> String {
    let kind = &layer.kind;
    match &layer.body {
        LayerBody::Shape { dims, .. } => {
            let dims: Vec<String> = dims.iter().map(ToString::to_string).collect();
            format!("{kind}[{}]", dims.join(", "))
        }
        LayerBody::Args { args, .. } => {
            let args: Vec<String> = args
                .iter()
                .map(|arg| match arg {
                    Arg::Int(lit) => lit.to_string(),
                    Arg::Number { value, .. } => format!("{value:?}"),
                    Arg::Setting { key, value, .. } => format!("{key} = {value:?}"),
                    Arg::Ident(ident) => ident.to_string(),
                    Arg::Option { key, value } => {
                        let mut text = format!("{key} = {}", value.name);
                        if !value.args.is_empty() {
                            let values: Vec<String> = value
                                .args
                                .iter()
                                .map(|a| match &a.key {
                                    Some(k) => format!("{k} = {:?}", a.value),
                                    None => format!("{:?}", a.value),
                                })
                                .collect();
                            text.push_str(&format!("({})", values.join(", ")));
                        }
                        text
                    }
                })
                .collect();
            format!("{kind}<{}>", args.join(", "))
        }
        LayerBody::Empty => kind.to_string(),
    }
}

/// The dimensions of `Flatten[r, c]` or `Input[n]`.
fn shape(errors: &mut Errors, layer: &Layer, kind: &str, want: usize) -> Option<Vec<usize>> {
    let example = if want == 2 {
        "`Flatten[28, 28]`"
    } else {
        "`Input[8]`"
    };
    let LayerBody::Shape { span, dims } = &layer.body else {
        let found = match &layer.body {
            LayerBody::Args { .. } => "angle brackets",
            _ => "nothing",
        };
        errors.push(
            layer.span,
            format!(
                "`{kind}` needs its input shape in square brackets, found {found}: write {example}"
            ),
        );
        return None;
    };
    if dims.len() != want {
        let found = match dims.len() {
            0 => "none".to_string(),
            1 => "one".to_string(),
            n => n.to_string(),
        };
        let (what, other) = if want == 2 {
            let other = match dims.as_slice() {
                [n] => format!(", or `Input[{n}]` for a vector of {n} features"),
                _ => String::new(),
            };
            ("two dimensions (rows, columns)", other)
        } else {
            let other = match dims.as_slice() {
                [r, c] => format!(", or `Flatten[{r}, {c}]` for a {r}x{c} image"),
                _ => String::new(),
            };
            ("one dimension (the number of features)", other)
        };
        errors.push(
            *span,
            format!("`{kind}` takes {what}, found {found}: write {example}{other}"),
        );
        return None;
    }
    // Every dimension is checked, so `[0, 0]` reports both.
    let dims: Vec<Option<usize>> = dims
        .iter()
        .map(|dim| positive(errors, dim, "a dimension must be at least 1, found `0`"))
        .collect();
    dims.into_iter().collect()
}

/// A whole number of at least 1; `message` is the error for `0`.
fn positive(errors: &mut Errors, lit: &LitInt, message: &str) -> Option<usize> {
    match lit.base10_parse::<usize>() {
        Ok(0) => {
            errors.push(lit.span(), message);
            None
        }
        Ok(n) => Some(n),
        Err(e) => {
            errors.push(lit.span(), e);
            None
        }
    }
}

/// The field name: the one given, or Keras's default (`dense`, `dense_1`, ...).
fn layer_name(
    errors: &mut Errors,
    taken: &mut Names,
    layer: &Layer,
    prefix: &'static str,
) -> Ident {
    let ident = match &layer.name {
        Some(name) => name.clone(),
        None => Ident::new(&taken.default_name(prefix), layer.kind.span()),
    };
    let name = ident.to_string();
    let this = Named {
        span: ident.span(),
        explicit: layer.name.is_some(),
    };
    let Some(earlier) = taken.insert(&name, this, false) else {
        return ident;
    };
    let defaults = format!(
        "unnamed layers are named as in Keras: `{prefix}`, `{prefix}_1`, `{prefix}_2`, ..."
    );
    match (earlier.explicit, this.explicit) {
        (true, true) => errors.push(
            this.span,
            format!(
                "two layers are named `{name}`: give each layer its own name \
                 (names are the struct's fields and the keys of `get_layer`)"
            ),
        ),
        (false, _) => errors.push(
            this.span,
            format!("`{name}` is already the default name of an earlier unnamed layer ({defaults}): choose another name"),
        ),
        (true, false) => errors.push(
            earlier.span,
            format!(
                "`{name}` is also the default name of a later unnamed layer ({defaults}): \
                 choose another name here, or name that layer too"
            ),
        ),
    }
    ident
}

fn dense(errors: &mut Errors, layer: &Layer, inputs: usize) -> Option<LayerModelKind> {
    let LayerBody::Args { span, args } = &layer.body else {
        let found = match &layer.body {
            LayerBody::Shape { .. } => "found square brackets",
            _ => "found nothing",
        };
        errors.push(
            layer.span,
            format!("`Dense` needs its number of units in angle brackets, {found}: write `Dense<300, relu>`"),
        );
        return None;
    };
    let mut units = None;
    let mut activation: Option<&'static ActivationSpec> = None;
    let mut kernel = None;
    let mut bias = None;
    let mut extras: [Option<Init>; 4] = [None, None, None, None];
    let mut ok = true;
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Arg::Int(lit) if i == 0 => {
                units = positive(
                    errors,
                    lit,
                    "a Dense layer needs at least one unit, found `0`: write its number of outputs, \
                     as in `Dense<10, softmax>`",
                );
                ok &= units.is_some();
            }
            Arg::Int(lit) => {
                errors.push(
                    lit.span(),
                    format!("unexpected `{lit}`: the number of units comes first and only once, as in `Dense<300, relu>`"),
                );
                ok = false;
            }
            Arg::Ident(ident) if i == 1 => match mlp_spec::activation(&ident.to_string()) {
                Some(spec) => activation = Some(spec),
                None => {
                    errors.push(ident.span(), unknown_activation(ident));
                    ok = false;
                }
            },
            Arg::Ident(ident) => {
                let message = if i == 0 {
                    format!(
                        "expected the number of units first, found `{ident}`: write `Dense<10, {ident}>`"
                    )
                } else if activation.is_some() || matches!(args.get(1), Some(Arg::Ident(_))) {
                    format!(
                        "unexpected `{ident}`: a Dense layer has one activation, given second as in `Dense<300, relu>`"
                    )
                } else {
                    format!(
                        "unexpected `{ident}`: the activation comes right after the units, \
                         as in `Dense<300, relu, kernel_initializer = he_normal>`"
                    )
                };
                errors.push(ident.span(), message);
                ok = false;
            }
            Arg::Number { value, span } if i == 0 => {
                errors.push(
                    *span,
                    format!(
                        "`Dense` needs a whole number of units first, found `{value:?}`: \
                         write `Dense<300, relu>`"
                    ),
                );
                ok = false;
            }
            Arg::Number { span, .. } => {
                errors.push(
                    *span,
                    "a Dense layer takes no number here: write its units first, as in `Dense<300, relu>`, \
                     and options as `name = function`, as in `kernel_regularizer = l2(0.01)`",
                );
                ok = false;
            }
            Arg::Setting { key, value, .. } => {
                errors.push(key.span(), dense_setting(key, *value));
                ok = false;
            }
            Arg::Option { key, value } => {
                let (slot, table, what) = match key.to_string().as_str() {
                    "kernel_initializer" => (&mut kernel, mlp_spec::INITIALIZERS, "initializer"),
                    "bias_initializer" => (&mut bias, mlp_spec::INITIALIZERS, "initializer"),
                    "kernel_regularizer" => (&mut extras[0], mlp_spec::REGULARIZERS, "regularizer"),
                    "bias_regularizer" => (&mut extras[1], mlp_spec::REGULARIZERS, "regularizer"),
                    "kernel_constraint" => (&mut extras[2], mlp_spec::CONSTRAINTS, "constraint"),
                    "bias_constraint" => (&mut extras[3], mlp_spec::CONSTRAINTS, "constraint"),
                    other => {
                        let options = names::options_of("Dense");
                        let hint = match names::did_you_mean(other, options.iter().copied()) {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => format!("the options are {}", names::list(options)),
                        };
                        errors.push(key.span(), format!("unknown option `{other}`: {hint}"));
                        ok = false;
                        continue;
                    }
                };
                if slot.is_some() {
                    errors.push(key.span(), format!("`{key}` is given twice: keep one"));
                    ok = false;
                }
                match function(errors, value, table, what) {
                    Some(init) => *slot = Some(init),
                    None => ok = false,
                }
            }
        }
    }
    if units.is_none() && ok {
        errors.push(
            *span,
            "`Dense` needs its number of units first, as in `Dense<300, relu>`",
        );
        return None;
    }
    ok.then(|| LayerModelKind::Dense {
        inputs,
        units: units.unwrap_or(1),
        activation: activation.unwrap_or(&mlp_spec::ACTIVATIONS[0]),
        kernel_initializer: kernel
            .unwrap_or_else(|| Init::default_for(mlp_spec::DEFAULT_KERNEL_INITIALIZER)),
        bias_initializer: bias
            .unwrap_or_else(|| Init::default_for(mlp_spec::DEFAULT_BIAS_INITIALIZER)),
        options: extras,
    })
}

/// The message for `name = number` on a Dense layer: a function option
/// given a bare number (`kernel_regularizer = 0.01`), another kind's
/// setting (`rate = 0.2`), or an unknown option.
fn dense_setting(key: &Ident, value: f32) -> String {
    let name = key.to_string();
    let options = names::options_of("Dense");
    if options.contains(&name.as_str()) {
        let (what, instead) = if name.ends_with("_regularizer") {
            ("a regularizer", format!("l2({value:?})"))
        } else if name.ends_with("_constraint") {
            ("a constraint", format!("max_norm({value:?})"))
        } else {
            ("an initializer", format!("constant({value:?})"))
        };
        return format!("`{name}` takes {what}, not a number: write `{name} = {instead}`");
    }
    let owner = mlp_spec::LAYERS
        .iter()
        .find(|l| l.settings.iter().any(|(p, _)| *p == name));
    if let Some(owner) = owner {
        return format!(
            "`Dense` has no option `{name}`; `{name}` is an option of the `{}` layer: add one \
             after this layer, as in `-> {}<{name} = {value:?}>`",
            owner.name, owner.name
        );
    }
    let hint = match names::did_you_mean(&name, options.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("the options are {}", names::list(options)),
    };
    format!("unknown option `{name}`: {hint}")
}

/// A layer's kind, of `units` inputs, from its arguments: a Dense layer's
/// (`dense`); any other kind's numbers (`Dropout<0.2>`,
/// `BatchNormalization<momentum = 0.9>`) and function options
/// (`PReLU<alpha_initializer = constant(0.25)>`), checked against the
/// shared table, then the kind's own rules. Shared with the graph form.
pub(crate) fn layer_kind(
    errors: &mut Errors,
    layer: &Layer,
    spec: &'static LayerSpec,
    units: usize,
) -> Option<LayerModelKind> {
    if spec.name == "Dense" {
        return dense(errors, layer, units);
    }
    let kind = spec.name;
    let settings = spec.settings;
    let mut values: Vec<f32> = settings.iter().map(|(_, v)| *v).collect();
    let mut spans: Vec<Option<Spans>> = vec![None; settings.len()];
    let mut functions: Vec<Option<Init>> = vec![None; spec.options.len()];
    let mut ok = true;
    let mut positional = 0;
    // The first `name = value`: a number without a name may not follow it
    // (as in Python, where it would be a syntax error).
    let mut named: Option<String> = None;
    let args: &[Arg] = match &layer.body {
        LayerBody::Empty => &[],
        LayerBody::Args { args, .. } => args,
        LayerBody::Shape { span, .. } => {
            errors.push(
                *span,
                format!(
                    "`{kind}` takes its options in angle brackets, not its shape (which is the \
                     previous layer's): write `{}`",
                    example(spec)
                ),
            );
            return None;
        }
    };
    for arg in args {
        let number = match arg {
            Arg::Int(lit) => Some((
                lit.base10_parse::<f32>().unwrap_or(f32::NAN),
                Spans::from(lit.span()),
            )),
            Arg::Number { value, span } => Some((*value, *span)),
            _ => None,
        };
        let (slot, value, span) = match (arg, number) {
            (_, Some((value, span))) => {
                if let Some(first) = &named
                    && !settings.is_empty()
                {
                    // The first setting not given yet is what the number most likely means.
                    let name = settings
                        .iter()
                        .zip(&spans)
                        .find(|(_, given)| given.is_none())
                        .map_or("name", |((p, _), _)| *p);
                    errors.push(
                        span,
                        format!(
                            "a number without a name cannot follow `{first} = ...`: name it too, \
                             as in `{name} = {value:?}`, or put the numbers without names first"
                        ),
                    );
                    ok = false;
                    continue;
                }
                if positional >= settings.len() {
                    errors.push(span, too_many_numbers(spec, value));
                    ok = false;
                    continue;
                }
                positional += 1;
                (positional - 1, value, span)
            }
            (Arg::Int(_) | Arg::Number { .. }, None) => continue,
            (Arg::Setting { key, value, span }, None) => {
                let name = key.to_string();
                named.get_or_insert_with(|| name.clone());
                match settings.iter().position(|(p, _)| *p == name) {
                    Some(slot) => (slot, *value, *span),
                    None => {
                        let message = if spec.options.contains(&name.as_str()) {
                            format!(
                                "`{name}` takes an initializer, not a number: write \
                                 `{name} = constant({value:?})`"
                            )
                        } else {
                            no_such_setting(spec, &name, Some(*value))
                        };
                        errors.push(key.span(), message);
                        ok = false;
                        continue;
                    }
                }
            }
            (Arg::Option { key, value }, None) => {
                let name = key.to_string();
                named.get_or_insert_with(|| name.clone());
                if let Some(slot) = spec.options.iter().position(|o| *o == name) {
                    if functions[slot].is_some() {
                        errors.push(key.span(), format!("`{key}` is given twice: keep one"));
                        ok = false;
                    }
                    match function(errors, value, mlp_spec::INITIALIZERS, "initializer") {
                        Some(init) => functions[slot] = Some(init),
                        None => ok = false,
                    }
                    continue;
                }
                let message = if settings.iter().any(|(p, _)| *p == name) {
                    format!(
                        "`{name}` of `{kind}` takes a number, not `{}`: write `{}`",
                        value.name,
                        example(spec)
                    )
                } else {
                    no_such_setting(spec, &name, None)
                };
                errors.push(key.span(), message);
                ok = false;
                continue;
            }
            (Arg::Ident(ident), None) => {
                errors.push(ident.span(), unexpected_word(spec, ident));
                ok = false;
                continue;
            }
        };
        if spans[slot].is_some() {
            errors.push(
                span,
                format!(
                    "`{}` of `{kind}` is given twice: keep one",
                    settings[slot].0
                ),
            );
            ok = false;
        }
        values[slot] = value;
        spans[slot] = Some(span);
    }
    for ((name, _), value) in settings.iter().zip(&values) {
        if value.is_nan() && ok {
            errors.push(
                layer.span,
                format!("`{kind}` needs its `{name}`: write `{}`", example(spec)),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    // The kind's own rules, as Keras's constructors check them.
    let at = |slot: usize| spans[slot].unwrap_or(layer.span);
    let mut check = |slot: usize, valid: bool, rule: &str| {
        if !valid {
            let (name, value) = (settings[slot].0, values[slot]);
            let default = settings[slot].1;
            let instead = if default.is_nan() {
                format!("write a value such as `{}`", example(spec))
            } else if default.is_infinite() {
                "leave it out for no limit".to_string()
            } else {
                format!("Keras's default is `{name} = {default:?}`")
            };
            errors.push(
                at(slot),
                format!("`{name}` of `{kind}` {rule}, found {value:?}: {instead}"),
            );
            ok = false;
        }
    };
    match kind {
        "Dropout" => check(
            0,
            (0.0..1.0).contains(&values[0]),
            "is the fraction of inputs set to zero and must be in [0, 1)",
        ),
        "BatchNormalization" => {
            check(0, (0.0..=1.0).contains(&values[0]), "must be in [0, 1]");
            check(
                1,
                values[1] > 0.0 && values[1].is_finite(),
                "must be positive",
            );
        }
        "ReLU" => {
            check(0, values[0] >= 0.0, "cannot be negative");
            check(
                1,
                values[1] >= 0.0 && values[1].is_finite(),
                "cannot be negative",
            );
            check(
                2,
                values[2] >= 0.0 && values[2].is_finite(),
                "cannot be negative",
            );
        }
        "LeakyReLU" => check(
            0,
            values[0] >= 0.0 && values[0].is_finite(),
            "cannot be negative",
        ),
        "ELU" => check(0, values[0].is_finite(), "must be finite"),
        _ => {}
    }
    if !ok {
        return None;
    }
    Some(match kind {
        "Dropout" => LayerModelKind::Dropout {
            units,
            rate: values[0],
        },
        "BatchNormalization" => LayerModelKind::BatchNormalization {
            units,
            momentum: values[0],
            epsilon: values[1],
        },
        "PReLU" => LayerModelKind::PReLU {
            units,
            alpha_initializer: functions[0]
                .take()
                .unwrap_or_else(|| Init::default_for(mlp_spec::DEFAULT_PRELU_INITIALIZER)),
        },
        "Normalization" => LayerModelKind::Normalization { units },
        _ => LayerModelKind::Activation {
            units,
            function: (kind, values),
        },
    })
}

/// What a kind takes, for messages: "its `rate` as a number", "the numbers
/// `momentum` and `epsilon`", "an `alpha_initializer`".
fn takes(spec: &LayerSpec) -> String {
    let numbers = match spec.settings {
        [] => None,
        [(name, _)] => Some(format!("its `{name}` as a number")),
        settings => Some(format!(
            "the numbers {}",
            names::list(settings.iter().map(|(p, _)| p)).replace(" or ", " and ")
        )),
    };
    let functions = match spec.options {
        [] => None,
        options => Some(format!(
            "the option{} {}",
            if options.len() == 1 { "" } else { "s" },
            names::list(options).replace(" or ", " and ")
        )),
    };
    match (numbers, functions) {
        (None, None) => "nothing".to_string(),
        (Some(n), None) | (None, Some(n)) => n,
        (Some(n), Some(f)) => format!("{n} and {f}"),
    }
}

/// Why `Normalization` is declared without options (Keras's `mean`,
/// `variance`, `axis`, `invert`).
const NORMALIZATION: &str = "its mean and variance are weights learned from the training data, \
     as with Keras's `adapt`: write `Normalization` and call \
     `model.adapt_normalization(\"normalization\", &x_train)` before `fit`";

/// The message for a number beyond a kind's settings: `Dropout<0.2, 0.5>`,
/// `PReLU<0.25>`.
fn too_many_numbers(spec: &LayerSpec, value: f32) -> String {
    let kind = spec.name;
    match spec.settings {
        [] if spec.options.contains(&"alpha_initializer") => format!(
            "`{kind}` takes no number: its slopes are learned, starting from its \
             `alpha_initializer`; to start them at {value:?}, write \
             `{kind}<alpha_initializer = constant({value:?})>`"
        ),
        [] if kind == "Normalization" => format!("`{kind}` takes no number: {NORMALIZATION}"),
        [] => format!("`{kind}` takes no number: write `{}`", example(spec)),
        [(name, _)] => format!(
            "`{kind}` takes one number, its `{name}`: write `{}`",
            example(spec)
        ),
        settings => format!(
            "`{kind}` takes at most {} numbers, {} in that order: write `{}`",
            settings.len(),
            names::list(settings.iter().map(|(p, _)| p)).replace(" or ", " then "),
            example(spec)
        ),
    }
}

/// The message for `name = ...` that `spec` does not have: a typo, Keras
/// 2's name, another kind's setting, or the list of the kind's own.
fn no_such_setting(spec: &LayerSpec, name: &str, value: Option<f32>) -> String {
    let kind = spec.name;
    let known = || {
        spec.settings
            .iter()
            .map(|(p, _)| *p)
            .chain(spec.options.iter().copied())
    };
    if let Some(near) = names::did_you_mean(name, known()) {
        return format!("`{kind}` has no option `{name}`: did you mean `{near}`?");
    }
    let value = value.map_or_else(String::new, |v| format!("{v:?}"));
    // Keras 3 still reads Keras 2's `alpha` (with a deprecation warning).
    if kind == "LeakyReLU" && name == "alpha" {
        let value = if value.is_empty() { "0.2" } else { &value };
        return format!(
            "`alpha` is Keras 2's name for the slope of `LeakyReLU`; Keras 3 calls it \
             `negative_slope`: write `LeakyReLU<negative_slope = {value}>`"
        );
    }
    if kind == "Normalization" {
        return format!("`{kind}` has no option `{name}`: {NORMALIZATION}");
    }
    let own = if known().next().is_none() {
        format!("`{kind}` has no options")
    } else {
        format!("it takes {}", takes(spec))
    };
    let owner = mlp_spec::LAYERS.iter().find(|l| {
        l.name != kind && (l.settings.iter().any(|(p, _)| *p == name) || l.options.contains(&name))
    });
    match owner {
        Some(owner) => format!(
            "`{kind}` has no option `{name}` ({own}); `{name}` is an option of `{}`, as in `{}`",
            owner.name,
            example(owner)
        ),
        None => format!("`{kind}` has no option `{name}`: {own}"),
    }
}

/// The message for a bare word in a kind's arguments: `Dropout<relu>`,
/// `LeakyReLU<relu>`, `Dropout<rate>`.
fn unexpected_word(spec: &LayerSpec, ident: &Ident) -> String {
    let kind = spec.name;
    let word = ident.to_string();
    if let Some((name, _)) = spec.settings.iter().find(|(p, _)| *p == word) {
        return format!("`{name}` needs a value: write `{}`", example(spec));
    }
    let is_activation = mlp_spec::activation(&word).is_some();
    let activation_layer = matches!(kind, "ReLU" | "LeakyReLU" | "ELU" | "PReLU");
    let why = match (is_activation, activation_layer) {
        (true, true) => format!(" (`{kind}` is itself the activation)"),
        (true, false) => format!(
            " (an activation goes on the Dense layer before it, as in `Dense<300, {word}> -> {}`)",
            example(spec)
        ),
        _ => String::new(),
    };
    format!(
        "unexpected `{word}`: `{kind}` takes {}{why}; write `{}`",
        takes(spec),
        example(spec)
    )
}

/// How to write a kind with its options: `Dropout<0.2>`, `LeakyReLU<0.3>`,
/// `BatchNormalization<momentum = 0.99, epsilon = 0.001>`.
fn example(spec: &LayerSpec) -> String {
    let kind = spec.name;
    // A value to show where the default is none to copy: a required
    // setting (`rate`) or an unbounded one (`max_value`).
    let shown = |v: f32| {
        if v.is_nan() {
            0.2
        } else if v.is_infinite() {
            6.0
        } else {
            v
        }
    };
    match spec.settings {
        [] if spec.options.is_empty() => kind.to_string(),
        [] => format!("{kind}<{} = constant(0.25)>", spec.options[0]),
        [(_, v)] => format!("{kind}<{:?}>", shown(*v)),
        settings => {
            let written: Vec<String> = settings
                .iter()
                .map(|(p, v)| format!("{p} = {:?}", shown(*v)))
                .collect();
            format!("{kind}<{}>", written.join(", "))
        }
    }
}

/// "unknown activation `rleu`: did you mean `relu`?", or the list of all.
fn unknown_activation(ident: &Ident) -> String {
    let name = ident.to_string();
    let known = names::activation_names;
    if mlp_spec::initializer(&name).is_some() {
        return format!(
            "`{name}` is an initializer, not an activation: write it as an option, \
             as in `Dense<300, relu, kernel_initializer = {name}>`"
        );
    }
    match names::did_you_mean(&name, known()) {
        Some(near) => format!("unknown activation `{name}`: did you mean `{near}`?"),
        None => format!(
            "unknown activation `{name}`: expected one of {}",
            names::list(known())
        ),
    }
}

/// "unknown regularizer `l3`: did you mean `l1` or `l2`?"; for a name of
/// another table, where it belongs ("`l2` is a regularizer, not an
/// initializer").
fn unknown_function(name: &str, table: &[FunctionSpec], what: &str) -> String {
    let tables: [(&[FunctionSpec], &str, &str); 3] = [
        (
            mlp_spec::INITIALIZERS,
            "an initializer",
            "kernel_initializer",
        ),
        (
            mlp_spec::REGULARIZERS,
            "a regularizer",
            "kernel_regularizer",
        ),
        (mlp_spec::CONSTRAINTS, "a constraint", "kernel_constraint"),
    ];
    let this = tables
        .iter()
        .find(|(_, w, _)| w.ends_with(what))
        .map_or(what, |(_, w, _)| *w);
    for (other, other_what, option) in tables {
        if !other_what.ends_with(what) && other.iter().any(|f| f.name == name) {
            return format!(
                "`{name}` is {other_what}, not {this}: a Dense layer takes it as `{option} = {name}`"
            );
        }
    }
    let known = table.iter().map(|f| f.name);
    match names::did_you_mean_any(name, known.clone()) {
        Some(near) => format!("unknown {what} `{name}`: did you mean {near}?"),
        None => format!(
            "unknown {what} `{name}`: expected one of {}",
            names::list(known)
        ),
    }
}

/// Resolves `name(args)` against `table` (Keras's initializers,
/// regularizers or constraints, `what` in messages) and its parameters.
fn function(
    errors: &mut Errors,
    expr: &InitExpr,
    table: &'static [FunctionSpec],
    what: &str,
) -> Option<Init> {
    let name = expr.name.to_string();
    let Some(spec) = table.iter().find(|f| f.name == name) else {
        errors.push(expr.name.span(), unknown_function(&name, table, what));
        return None;
    };
    // Parameters in order, with Keras's defaults, and how to write them.
    let known = spec.name;
    let params = spec.params;
    let example = match params {
        [] => String::new(),
        [(_, v)] => format!("`{known}({v:?})`"),
        _ => format!(
            "`{known}({})`",
            params
                .iter()
                .map(|(p, v)| format!("{p} = {v:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let takes = match params {
        [] => "no arguments".to_string(),
        [(p, _)] => format!("one argument, `{p}`, as in {example}"),
        _ => format!(
            "{}, as in {example}",
            names::list(params.iter().map(|(p, _)| p)).replace(" or ", " and ")
        ),
    };
    let mut values: Vec<f32> = params.iter().map(|(_, v)| *v).collect();
    let mut given = vec![false; params.len()];
    // Where each argument was written, for the checks of its value.
    let mut spans: Vec<Spans> = vec![expr.span; params.len()];
    let mut ok = true;
    for (i, InitArg { key, value, span }) in expr.args.iter().enumerate() {
        let slot = match key {
            Some(key) => params.iter().position(|(p, _)| key == p),
            None if i < params.len() => Some(i),
            None => None,
        };
        match (slot, key) {
            (Some(slot), _) if given[slot] => {
                errors.push(
                    *span,
                    format!("`{}` of `{known}` is given twice: keep one", params[slot].0),
                );
                ok = false;
            }
            (Some(slot), _) => {
                values[slot] = *value;
                given[slot] = true;
                spans[slot] = *span;
            }
            (None, _) if params.is_empty() => {
                errors.push(
                    *span,
                    format!("`{known}` takes no arguments: write `{known}` alone"),
                );
                ok = false;
            }
            (None, Some(key)) => {
                let hint =
                    match names::did_you_mean(&key.to_string(), params.iter().map(|(p, _)| *p)) {
                        Some(near) => format!("did you mean `{near}`? "),
                        None => String::new(),
                    };
                errors.push(
                    *span,
                    format!("`{known}` has no argument `{key}`: {hint}it takes {takes}"),
                );
                ok = false;
            }
            (None, None) => {
                let count = expr.args.len();
                errors.push(
                    *span,
                    format!("`{known}` takes {takes}; found {count} arguments"),
                );
                ok = false;
            }
        }
    }
    match known {
        "random_normal" | "truncated_normal" if values[1] <= 0.0 => {
            errors.push(
                expr.span,
                format!("`{known}` needs a positive `stddev`, found {:?}", values[1]),
            );
            ok = false;
        }
        "random_uniform" if values[0] >= values[1] => {
            errors.push(
                expr.span,
                format!(
                    "`random_uniform` needs `minval < maxval`, found minval {:?} and maxval {:?}",
                    values[0], values[1]
                ),
            );
            ok = false;
        }
        "l1" | "l2" | "l1_l2" => {
            // Keras refuses a negative or infinite factor.
            let example = match params {
                [_] => format!("`{known}(0.01)`"),
                _ => format!(
                    "`{known}({})`",
                    params
                        .iter()
                        .map(|(p, _)| format!("{p} = 0.01"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            for (slot, (param, _)) in params.iter().enumerate() {
                let value = values[slot];
                if !value.is_finite() || value < 0.0 {
                    errors.push(
                        spans[slot],
                        format!(
                            "the factor `{param}` of `{known}` cannot be negative, found {value:?}: \
                             write a small positive factor, as in {example}"
                        ),
                    );
                    ok = false;
                }
            }
        }
        "max_norm" if !(values[0] > 0.0 && values[0].is_finite()) => {
            errors.push(
                spans[0],
                format!(
                    "`max_norm` needs a positive `max_value` (the largest norm a unit's weights may \
                     have), found {:?}: write {example}",
                    values[0]
                ),
            );
            ok = false;
        }
        _ => {}
    }
    ok.then_some(Init { spec, args: values })
}
