//! Checks every rule of the grammar and turns the syntax into a [`Model`].
//! Every error is spanned on the token at fault, and all of them are reported
//! together.

use crate::names::{self, ACTIVATIONS, DENSE_OPTIONS, INITIALIZERS, LAYER_KINDS};
use crate::parse::{Arg, InitArg, InitExpr, Layer, LayerBody, Network};
use proc_macro2::Span;
use std::collections::HashMap;
use syn::{Attribute, Ident, LitInt, Visibility};

/// A checked network, ready to expand.
pub struct Model {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    /// The declared input shape: `[28, 28]` or `[8]`.
    pub input_shape: Vec<usize>,
    pub layers: Vec<LayerModel>,
}

/// One layer with a field in the struct.
pub struct LayerModel {
    pub field: Ident,
    pub kind: LayerModelKind,
}

pub enum LayerModelKind {
    Flatten {
        rows: usize,
        cols: usize,
    },
    Dense {
        inputs: usize,
        units: usize,
        activation: &'static str,
        kernel: Init,
        bias: Init,
    },
}

/// An initializer and its arguments, resolved.
#[derive(Clone, PartialEq, Debug)]
pub struct Init {
    pub name: &'static str,
    pub args: Vec<f32>,
}

impl Init {
    fn plain(name: &'static str) -> Self {
        Self {
            name,
            args: Vec::new(),
        }
    }
}

impl LayerModel {
    pub fn output_size(&self) -> usize {
        match self.kind {
            LayerModelKind::Flatten { rows, cols } => rows * cols,
            LayerModelKind::Dense { units, .. } => units,
        }
    }

    pub fn params(&self) -> usize {
        match self.kind {
            LayerModelKind::Flatten { .. } => 0,
            LayerModelKind::Dense { inputs, units, .. } => inputs * units + units,
        }
    }
}

/// Collects errors so that all of them are reported at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        let error = syn::Error::new(span, message);
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

pub fn validate(network: &Network) -> syn::Result<Model> {
    let mut errors = Errors::default();
    let mut input_shape = Vec::new();
    let mut layers = Vec::new();
    let mut width = 0_usize;
    let mut counters: HashMap<&str, usize> = HashMap::new();
    let mut seen: HashMap<String, Span> = HashMap::new();

    for (index, layer) in network.chain.iter().enumerate() {
        let kind = layer.kind.to_string();
        match kind.as_str() {
            "Flatten" | "Input" if index > 0 => errors.push(
                layer.kind.span(),
                format!(
                    "`{kind}` declares the network's input and can only be the first layer; \
                     the layers after it are `Dense<units, activation>`"
                ),
            ),
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
                let field = layer_name(&mut errors, &mut seen, &mut counters, layer, "flatten");
                layers.push(LayerModel {
                    field,
                    kind: LayerModelKind::Flatten {
                        rows: dims[0],
                        cols: dims[1],
                    },
                });
            }
            "Dense" if index == 0 => errors.push(
                layer.kind.span(),
                "the first layer must declare the input shape: start the chain with \
                 `Flatten[rows, cols]` for images or `Input[features]` for vectors, \
                 as in `Input[8] -> Dense<30, relu>`",
            ),
            "Dense" => {
                let field = layer_name(&mut errors, &mut seen, &mut counters, layer, "dense");
                if let Some(kind) = dense(&mut errors, layer, width) {
                    if let LayerModelKind::Dense { units, .. } = kind {
                        width = units;
                    }
                    layers.push(LayerModel { field, kind });
                }
            }
            other => {
                let hint = match names::did_you_mean(other, LAYER_KINDS.iter().copied()) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => String::new(),
                };
                let expected = if index == 0 {
                    "`Flatten` or `Input`"
                } else {
                    "`Dense`"
                };
                errors.push(
                    layer.kind.span(),
                    format!("unknown layer `{other}`: expected {expected}{hint}"),
                );
            }
        }
    }
    if errors.0.is_none()
        && !layers
            .iter()
            .any(|l| matches!(l.kind, LayerModelKind::Dense { .. }))
    {
        errors.push(
            network.brace_span,
            "a network needs at least one Dense layer after its input, such as `-> Dense<10, softmax>`",
        );
    }
    match errors.0 {
        Some(e) => Err(e),
        None => Ok(Model {
            attrs: network.attrs.clone(),
            vis: network.vis.clone(),
            ident: network.ident.clone(),
            input_shape,
            layers,
        }),
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
        errors.push(
            layer.kind.span(),
            format!("`{kind}` needs its input shape in brackets, as in {example}"),
        );
        return None;
    };
    if dims.len() != want {
        let what = if want == 2 {
            "two dimensions (rows, columns)"
        } else {
            "one dimension (the number of features)"
        };
        errors.push(
            *span,
            format!(
                "`{kind}` takes {what}, found {}: write {example}",
                dims.len()
            ),
        );
        return None;
    }
    let mut out = Vec::new();
    for dim in dims {
        out.push(positive(errors, dim, "a dimension")?);
    }
    Some(out)
}

fn positive(errors: &mut Errors, lit: &LitInt, what: &str) -> Option<usize> {
    match lit.base10_parse::<usize>() {
        Ok(0) => {
            errors.push(lit.span(), format!("{what} must be at least 1, found 0"));
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
    seen: &mut HashMap<String, Span>,
    counters: &mut HashMap<&str, usize>,
    layer: &Layer,
    prefix: &'static str,
) -> Ident {
    let ident = match &layer.name {
        Some(name) => name.clone(),
        None => {
            let n = counters.entry(prefix).or_insert(0);
            let name = if *n == 0 {
                prefix.to_string()
            } else {
                format!("{prefix}_{n}")
            };
            *n += 1;
            Ident::new(&name, layer.kind.span())
        }
    };
    let name = ident.to_string();
    if seen.insert(name.clone(), ident.span()).is_some() {
        let how = if layer.name.is_some() {
            "give each layer its own name"
        } else {
            "this is the default name of this layer; rename the other layer"
        };
        errors.push(
            ident.span(),
            format!("two layers are named `{name}`: {how}"),
        );
    }
    ident
}

fn dense(errors: &mut Errors, layer: &Layer, inputs: usize) -> Option<LayerModelKind> {
    let LayerBody::Args { span, args } = &layer.body else {
        errors.push(
            layer.kind.span(),
            "`Dense` needs its number of units, as in `Dense<300, relu>`",
        );
        return None;
    };
    let mut units = None;
    let mut activation: Option<&'static str> = None;
    let mut kernel = None;
    let mut bias = None;
    let mut ok = true;
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Arg::Int(lit) if i == 0 => {
                units = positive(errors, lit, "the number of units of a Dense layer");
                ok &= units.is_some();
            }
            Arg::Int(lit) => {
                errors.push(
                    lit.span(),
                    "the number of units comes first and only once: `Dense<300, relu>`",
                );
                ok = false;
            }
            Arg::Ident(ident) if i == 1 => match ACTIVATIONS.iter().find(|(name, _)| ident == name)
            {
                Some((name, _)) => activation = Some(name),
                None => {
                    let hint = match names::did_you_mean(
                        &ident.to_string(),
                        ACTIVATIONS.iter().map(|(n, _)| *n),
                    ) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!(
                            "expected one of {}",
                            names::list(ACTIVATIONS.iter().map(|(n, _)| n))
                        ),
                    };
                    errors.push(
                        ident.span(),
                        format!("unknown activation `{ident}`: {hint}"),
                    );
                    ok = false;
                }
            },
            Arg::Ident(ident) => {
                let what = if i == 0 {
                    "the number of units comes first"
                } else {
                    "the activation comes second"
                };
                errors.push(
                    ident.span(),
                    format!("unexpected `{ident}`: {what}, as in `Dense<300, relu>`"),
                );
                ok = false;
            }
            Arg::Option { key, value } => {
                let slot = match key.to_string().as_str() {
                    "kernel_initializer" => &mut kernel,
                    "bias_initializer" => &mut bias,
                    other => {
                        let hint = match names::did_you_mean(other, DENSE_OPTIONS.iter().copied()) {
                            Some(near) => format!("did you mean `{near}`?"),
                            None => format!("expected {}", names::list(DENSE_OPTIONS)),
                        };
                        errors.push(key.span(), format!("unknown option `{other}`: {hint}"));
                        ok = false;
                        continue;
                    }
                };
                if slot.is_some() {
                    errors.push(key.span(), format!("`{key}` is given twice"));
                    ok = false;
                }
                match initializer(errors, value) {
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
        activation: activation.unwrap_or("linear"),
        kernel: kernel.unwrap_or(Init::plain("glorot_uniform")),
        bias: bias.unwrap_or(Init::plain("zeros")),
    })
}

/// Resolves `name(args)` against Keras's initializers and their parameters.
fn initializer(errors: &mut Errors, expr: &InitExpr) -> Option<Init> {
    let name = expr.name.to_string();
    let Some(&known) = INITIALIZERS.iter().find(|n| **n == name) else {
        let hint = match names::did_you_mean(&name, INITIALIZERS.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("expected one of {}", names::list(INITIALIZERS)),
        };
        errors.push(
            expr.name.span(),
            format!("unknown initializer `{name}`: {hint}"),
        );
        return None;
    };
    // Parameters in order, with Keras's defaults.
    let params: &[(&str, f32)] = match known {
        "constant" => &[("value", 0.0)],
        "random_normal" | "truncated_normal" => &[("mean", 0.0), ("stddev", 0.05)],
        "random_uniform" => &[("minval", -0.05), ("maxval", 0.05)],
        _ => &[],
    };
    let mut values: Vec<f32> = params.iter().map(|(_, v)| *v).collect();
    let mut ok = true;
    for (i, InitArg { key, value, span }) in expr.args.iter().enumerate() {
        let slot = match key {
            Some(key) => params.iter().position(|(p, _)| key == p),
            None if i < params.len() => Some(i),
            None => None,
        };
        match slot {
            Some(slot) => values[slot] = *value,
            None if params.is_empty() => {
                errors.push(*span, format!("`{known}` takes no arguments"));
                ok = false;
            }
            None => {
                let names = names::list(params.iter().map(|(p, _)| p));
                errors.push(*span, format!("`{known}` takes {names}"));
                ok = false;
            }
        }
    }
    match known {
        "random_normal" | "truncated_normal" if values[1] <= 0.0 => {
            errors.push(
                expr.span,
                format!("`{known}` needs a positive `stddev`, found {}", values[1]),
            );
            ok = false;
        }
        "random_uniform" if values[0] >= values[1] => {
            errors.push(
                expr.span,
                format!(
                    "`random_uniform` needs `minval < maxval`, found {} and {}",
                    values[0], values[1]
                ),
            );
            ok = false;
        }
        _ => {}
    }
    ok.then_some(Init {
        name: known,
        args: values,
    })
}
