//! `#[weights("file.safetensors", quantize = "int8", calibrate =
//! "sample.safetensors")]`: the `<Name>Int8` type as an integer-only network,
//! chain or graph (TensorFlow Lite's full-integer scheme; the runtime is
//! `mlp_core::quant`). At bake time:
//!
//! 1. the float network is simplified, node by node in the model's order:
//!    Dropout and Flatten go; a Normalization that alone reads a model
//!    input becomes that input's quantisation (`quantize_input(s)`
//!    normalises in f32, then quantises: the integer network's input is
//!    the normalised features, so no 8-bit scale has to hold raw features
//!    of very different sizes; read by Dense layers only, it is quantised
//!    per feature, each Dense folding the scales into its weights and the
//!    zero points into its biases); any other Normalization is folded into the
//!    Dense layers after it, and a BatchNormalization into the Dense before
//!    it when that one is linear and read by it alone, else into the Dense
//!    layers after it (a (Batch)Normalization with no Dense to fold into
//!    has no integer form: a compile error);
//! 2. it runs in f64 on every sample of the calibration file (a chain's: one
//!    F32 tensor of shape `(samples, input...)`; a graph's: one per input,
//!    named as the input; raw features, normalised as `quantize_input(s)`
//!    does), and each activation's range (with 0 in it) gives its scale
//!    `(max − min) / 255` and zero point;
//! 3. each Dense becomes a `DenseQ` (int8 weights, one scale per unit, int32
//!    biases, per-unit fixed-point requantisation), a fused `relu` its
//!    clamp, `softmax` a `SoftmaxQ`, every other activation a `LutQ` and a
//!    PReLU a `PReluQ` (one multiplier per side and unit); a
//!    merge is integer code in `predict_q` (`merge_q`: `Concatenate`
//!    requantises each source to the output's scale, `Add` and `Average`
//!    sum in i32 at a common scale and requantise).

use crate::activation_f64;
use crate::model::{LayerModelKind, Merge, Model, NodeModel, NodeModelKind};
use crate::quantize::quantize_unit;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use safetensors::{Dtype, SafeTensors};
use syn::LitStr;

/// A stage of the float network, with BatchNormalization folded away; a
/// stage reads earlier stages (indices into the list of stages).
enum Stage {
    /// The model's `index`-th input, normalised first when a Normalization
    /// alone reads it.
    Input {
        index: usize,
        normalization: Option<InputNormalization>,
    },
    Dense {
        field: Ident,
        source: usize,
        inputs: usize,
        /// One array of `inputs` weights per unit.
        kernel: Vec<Vec<f64>>,
        bias: Vec<f64>,
        activation: &'static str,
    },
    /// A PReLU layer: one slope per unit (`<field>/alpha`).
    PRelu {
        field: Ident,
        source: usize,
        alpha: Vec<f64>,
    },
    /// An activation layer (`ReLU`, `LeakyReLU`, `ELU`).
    Elementwise {
        field: Ident,
        source: usize,
        units: usize,
        kind: &'static str,
        settings: Vec<f32>,
    },
    /// `Concatenate`, `Add` or `Average` of the stages `sources`.
    Merge { merge: Merge, sources: Vec<usize> },
}

/// A Normalization layer applied to a model input before it is quantised:
/// Keras's `(x - mean) / max(sqrt(variance), 1e-7)` per feature, in f32.
struct InputNormalization {
    field: Ident,
    mean: Vec<f32>,
    variance: Vec<f32>,
}

impl InputNormalization {
    /// The features of `x` normalised, in f32 as `Normalization::forward_one`.
    fn apply(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .zip(self.mean.iter().zip(&self.variance))
            .map(|(&x, (&m, &v))| f64::from((x as f32 - m) / std_dev(v)))
            .collect()
    }

    /// The layer as a `Normalization` constant, and its description for
    /// the docs of the generated items.
    fn tokens(&self, p: &TokenStream) -> (TokenStream, String) {
        let n = self.mean.len();
        let mean = self.mean.iter().map(|&m| Literal::f32_suffixed(m));
        let variance = self.variance.iter().map(|&v| Literal::f32_suffixed(v));
        let layer =
            quote!(#p::Normalization::<#n>::from_arrays([#(#mean),*], [#(#variance),*], 0.0));
        let field = &self.field;
        let doc = format!(
            "the Normalization `{field}` (Keras's `(x - mean) / max(sqrt(variance), 1e-7)` \
             per feature, in f32)"
        );
        (layer, doc)
    }
}

/// Keras's `max(sqrt(variance), epsilon())` with epsilon `1e-7`, in f32 as
/// `mlp_core`'s Normalization layer.
fn std_dev(variance: f32) -> f32 {
    libm::sqrtf(variance).max(1e-7)
}

/// What a node's value is: a stage's output, and an affine map per
/// feature (a BatchNormalization or Normalization) waiting for the Dense
/// layers that read it, with the kinds of the layers it comes from.
#[derive(Clone)]
struct Value {
    stage: usize,
    pending: Option<Pending>,
}

/// An affine map `(a, c)` per feature, and the kinds of its layers.
#[derive(Clone)]
struct Pending {
    a: Vec<f64>,
    c: Vec<f64>,
    kinds: Vec<&'static str>,
}

/// The error for a (Batch)Normalization left with no integer form: `which`
/// is "" or "last ", `place` where it is (" before `concat` (Concatenate)").
fn refusal(which: &str, kinds: &[&str], place: &str) -> String {
    let (has, how) = match kinds {
        ["Normalization"] => (
            "has",
            "it folds into a Dense after it, or normalises a model input that it alone reads",
        ),
        [_] => (
            "has",
            "it folds into a linear Dense before it or a Dense after it",
        ),
        _ => (
            "have",
            "they fold into a Dense after them (a BatchNormalization also into a linear Dense \
             before it)",
        ),
    };
    format!(
        "`calibrate`: the {which}{}{place} {has} no integer form: {how}",
        kinds.join(" and ")
    )
}

/// The smallest and largest values seen.
#[derive(Clone, Copy)]
struct Range(f64, f64);

impl Range {
    const EMPTY: Self = Self(f64::INFINITY, f64::NEG_INFINITY);

    fn add(&mut self, values: &[f64]) {
        for &v in values {
            self.0 = self.0.min(v);
            self.1 = self.1.max(v);
        }
    }

    /// TFLite's asymmetric int8 parameters: the range widened to hold 0,
    /// `scale = (max − min) / 255`, `zero_point = round(−128 − min / scale)`.
    fn params(self) -> Params {
        let (min, max) = (self.0.min(0.0), self.1.max(0.0));
        let scale = if max > min { (max - min) / 255.0 } else { 1.0 };
        let zero_point = (-128.0 - min / scale).round().clamp(-128.0, 127.0) as i32;
        Params { scale, zero_point }
    }
}

/// `real = scale * (q - zero_point)`.
#[derive(Clone, Copy)]
struct Params {
    scale: f64,
    zero_point: i32,
}

impl Params {
    /// The parameters of softmax's output: 1/256 and −128, as TFLite.
    const SOFTMAX: Self = Self {
        scale: 1.0 / 256.0,
        zero_point: -128,
    };

    fn quantize(self, x: f64) -> i8 {
        ((x / self.scale).round() + f64::from(self.zero_point)).clamp(-128.0, 127.0) as i8
    }

    fn real(self, q: i32) -> f64 {
        self.scale * f64::from(q - self.zero_point)
    }

    fn tokens(self, p: &TokenStream) -> TokenStream {
        let (scale, zero_point) = (Literal::f32_suffixed(self.scale as f32), self.zero_point);
        quote!(#p::QuantParams { scale: #scale, zero_point: #zero_point })
    }
}

/// Reads a tensor whose dtype and shape `bake` has already checked, in f64.
fn floats(file: &SafeTensors<'_>, name: &str) -> Vec<f64> {
    crate::quantize::floats(file, name)
        .into_iter()
        .map(f64::from)
        .collect()
}

/// The float network as stages, in the model's order: Dropout and Flatten
/// dropped, BatchNormalization and Normalization folded into a Dense. Also
/// the stage of each output.
fn stages(
    model: &Model,
    file: &SafeTensors<'_>,
    error: &impl Fn(String) -> syn::Error,
) -> syn::Result<(Vec<Stage>, Vec<usize>)> {
    let nodes = &model.nodes;
    let passes = |n: usize| {
        matches!(nodes[n].kind, NodeModelKind::Layer(l) if matches!(
            model.layers[l].kind,
            LayerModelKind::Flatten { .. } | LayerModelKind::Dropout { .. }
        ))
    };
    // Who reads each node's value through Dropout and Flatten (the outputs
    // too): a BatchNormalization folds into a linear Dense that it alone
    // reads.
    let mut origin: Vec<usize> = Vec::new();
    for n in 0..nodes.len() {
        origin.push(if passes(n) {
            origin[nodes[n].sources[0]]
        } else {
            n
        });
    }
    let mut readers = vec![0_usize; nodes.len()];
    let read = nodes
        .iter()
        .enumerate()
        .filter(|(n, _)| !passes(*n))
        .flat_map(|(_, node)| node.sources.iter());
    for &s in read.chain(model.outputs.iter().map(|(_, n)| n)) {
        readers[origin[s]] += 1;
    }
    let mut stages: Vec<Stage> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let mut errors = Vec::new();
    let unfolded = |pending: &Pending, before: &str, class: &str| {
        let place = format!(" before `{before}` ({class})");
        error(refusal("", &pending.kinds, &place))
    };
    for node in nodes {
        let source = node.sources.first().map(|&s| (s, values[s].clone()));
        let value = match &node.kind {
            NodeModelKind::Input => {
                let index = stages
                    .iter()
                    .filter(|s| matches!(s, Stage::Input { .. }))
                    .count();
                push(
                    &mut stages,
                    Stage::Input {
                        index,
                        normalization: None,
                    },
                )
            }
            NodeModelKind::Merge(merge) => {
                let pending = node
                    .sources
                    .iter()
                    .find_map(|&s| values[s].pending.as_ref());
                if let Some(pending) = pending {
                    errors.push(unfolded(pending, &node.name, merge.class_name()));
                }
                let sources = node.sources.iter().map(|&s| values[s].stage).collect();
                push(
                    &mut stages,
                    Stage::Merge {
                        merge: *merge,
                        sources,
                    },
                )
            }
            NodeModelKind::Layer(l) => {
                let (
                    s,
                    Value {
                        stage: src,
                        pending,
                    },
                ) = source.expect("a layer reads one node");
                let layer = &model.layers[*l];
                let field = &layer.field;
                let tensor = |w: &str| floats(file, &format!("{field}/{w}"));
                match &layer.kind {
                    LayerModelKind::Flatten { .. } | LayerModelKind::Dropout { .. } => Value {
                        stage: src,
                        pending,
                    },
                    LayerModelKind::Dense {
                        inputs,
                        units,
                        activation,
                        ..
                    } => {
                        let (k, mut bias) = (tensor("kernel"), tensor("bias"));
                        let mut kernel: Vec<Vec<f64>> = (0..*units)
                            .map(|u| (0..*inputs).map(|i| k[i * units + u]).collect())
                            .collect();
                        if let Some(Pending { a, c, .. }) = pending {
                            for (w, b) in kernel.iter_mut().zip(&mut bias) {
                                *b += w.iter().zip(&c).map(|(w, c)| w * c).sum::<f64>();
                                w.iter_mut().zip(&a).for_each(|(w, a)| *w *= a);
                            }
                        }
                        push(
                            &mut stages,
                            Stage::Dense {
                                field: field.clone(),
                                source: src,
                                inputs: *inputs,
                                kernel,
                                bias,
                                activation: activation.name,
                            },
                        )
                    }
                    LayerModelKind::BatchNormalization { epsilon, .. } => {
                        let (gamma, beta) = (tensor("gamma"), tensor("beta"));
                        let (mean, var) = (tensor("moving_mean"), tensor("moving_variance"));
                        let a: Vec<f64> = gamma
                            .iter()
                            .zip(&var)
                            .map(|(g, v)| g / (v + f64::from(*epsilon)).sqrt())
                            .collect();
                        let c: Vec<f64> = (0..a.len()).map(|i| beta[i] - mean[i] * a[i]).collect();
                        let alone = readers[origin[s]] == 1;
                        let map = (a, c, "BatchNormalization");
                        fold(&mut stages[src], alone, pending, map, src)
                    }
                    LayerModelKind::Normalization { .. } => {
                        let mean = crate::quantize::floats(file, &format!("{field}/mean"));
                        let variance = crate::quantize::floats(file, &format!("{field}/variance"));
                        match &mut stages[src] {
                            // Alone on a model input: the input's
                            // quantisation normalises first.
                            Stage::Input { normalization, .. }
                                if normalization.is_none() && readers[origin[s]] == 1 =>
                            {
                                *normalization = Some(InputNormalization {
                                    field: field.clone(),
                                    mean,
                                    variance,
                                });
                                Value {
                                    stage: src,
                                    pending: None,
                                }
                            }
                            // Else an affine map per feature, folded into
                            // the Dense layers after it.
                            stage => {
                                let a: Vec<f64> = variance
                                    .iter()
                                    .map(|&v| 1.0 / f64::from(std_dev(v)))
                                    .collect();
                                let c: Vec<f64> =
                                    (0..a.len()).map(|i| -f64::from(mean[i]) * a[i]).collect();
                                fold(stage, false, pending, (a, c, "Normalization"), src)
                            }
                        }
                    }
                    LayerModelKind::Activation {
                        units,
                        function: (kind, settings),
                    } => {
                        if let Some(pending) = &pending {
                            errors.push(unfolded(pending, &field.to_string(), kind));
                        }
                        push(
                            &mut stages,
                            Stage::Elementwise {
                                field: field.clone(),
                                source: src,
                                units: *units,
                                kind,
                                settings: settings.clone(),
                            },
                        )
                    }
                    LayerModelKind::PReLU { .. } => {
                        if let Some(pending) = &pending {
                            errors.push(unfolded(pending, &field.to_string(), "PReLU"));
                        }
                        push(
                            &mut stages,
                            Stage::PRelu {
                                field: field.clone(),
                                source: src,
                                alpha: tensor("alpha"),
                            },
                        )
                    }
                }
            }
        };
        values.push(value);
    }
    let mut outputs = Vec::new();
    for (field, n) in &model.outputs {
        if let Some(pending) = &values[*n].pending {
            let output = match model.chain_input {
                Some(_) => String::new(),
                None => format!(" (before the output `{field}`)"),
            };
            errors.push(error(refusal("last ", &pending.kinds, &output)));
        }
        outputs.push(values[*n].stage);
    }
    // Every problem at once.
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok((stages, outputs)),
        Some(mut all) => {
            errors.for_each(|e| all.combine(e));
            Err(all)
        }
    }
}

/// `stage` appended; its output as a value.
fn push(stages: &mut Vec<Stage>, stage: Stage) -> Value {
    stages.push(stage);
    Value {
        stage: stages.len() - 1,
        pending: None,
    }
}

/// An affine map `(a, c)` per feature (of a layer of kind `kind`) on the
/// output of `stage`: folded into it if it is a linear Dense that nothing
/// else reads (`alone`), else composed with the map already waiting
/// (`pending`) for the Dense layers after it.
fn fold(
    stage: &mut Stage,
    alone: bool,
    pending: Option<Pending>,
    (a, c, kind): (Vec<f64>, Vec<f64>, &'static str),
    src: usize,
) -> Value {
    let pending = match (stage, pending) {
        (
            Stage::Dense {
                kernel,
                bias,
                activation: "linear",
                ..
            },
            None,
        ) if alone => {
            for (u, (w, b)) in kernel.iter_mut().zip(bias).enumerate() {
                w.iter_mut().for_each(|w| *w *= a[u]);
                *b = *b * a[u] + c[u];
            }
            None
        }
        (_, Some(mut p)) => {
            for (((a0, c0), a), c) in p.a.iter_mut().zip(&mut p.c).zip(&a).zip(&c) {
                *a0 *= a;
                *c0 = *c0 * a + c;
            }
            if !p.kinds.contains(&kind) {
                p.kinds.push(kind);
            }
            Some(p)
        }
        (_, None) => Some(Pending {
            a,
            c,
            kinds: vec![kind],
        }),
    };
    Value {
        stage: src,
        pending,
    }
}

/// The calibration sample, one `Vec` per sample and input: for a chain one
/// F32 tensor of shape `(samples, input...)`; for a graph one per input,
/// named as the input, of shape `(samples, width)`, as many samples each.
fn sample(
    bytes: &[u8],
    rel: &str,
    model: &Model,
    error: &impl Fn(String) -> syn::Error,
) -> syn::Result<Vec<Vec<Vec<f64>>>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| error(format!("`{rel}` is not a valid safetensors file: {e}")))?;
    let names = file.names();
    let inputs: Vec<(&str, usize)> = model
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeModelKind::Input))
        .map(|n| (n.name.as_str(), n.width))
        .collect();
    let tensors = if model.chain_input.is_some() {
        let [name] = names.as_slice() else {
            return Err(error(format!(
                "the calibration sample `{rel}` must hold one tensor, of shape (samples, \
                 inputs); it holds {}",
                names.len()
            )));
        };
        vec![(*name, inputs[0].1)]
    } else {
        if let Some((missing, _)) = inputs.iter().find(|(n, _)| !names.iter().any(|m| m == n)) {
            let wanted: Vec<String> = inputs
                .iter()
                .map(|(n, w)| format!("`{n}` (samples, {w})"))
                .collect();
            return Err(error(format!(
                "the calibration sample `{rel}` must hold one tensor per input of `{}`, named \
                 as the input: {}; it has no `{missing}`",
                model.ident,
                wanted.join(", ")
            )));
        }
        inputs
    };
    let mut columns: Vec<Vec<Vec<f64>>> = Vec::new();
    for (name, input_len) in tensors {
        let tensor = file
            .tensor(name)
            .map_err(|e| error(format!("`{rel}`: {e}")))?;
        let shape = tensor.shape();
        let per: usize = shape.iter().skip(1).product();
        if tensor.dtype() != Dtype::F32 || shape.len() < 2 || per != input_len || shape[0] == 0 {
            return Err(error(format!(
                "the calibration sample `{rel}` holds `{name}` of dtype {:?} and shape \
                 {shape:?}; the network needs F32 of shape (samples, {input_len}) or (samples, \
                 rows, cols), at least one sample",
                tensor.dtype()
            )));
        }
        let values: Vec<f64> = tensor
            .data()
            .chunks_exact(4)
            .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect();
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(error(format!(
                "the calibration sample `{rel}` holds {} at index {i}: values must be finite",
                values[i]
            )));
        }
        columns.push(values.chunks_exact(per).map(<[f64]>::to_vec).collect());
    }
    let counts: Vec<usize> = columns.iter().map(Vec::len).collect();
    if counts.iter().any(|&n| n != counts[0]) {
        return Err(error(format!(
            "the calibration sample `{rel}` holds {counts:?} samples of the inputs, in order; \
             each input needs as many"
        )));
    }
    Ok((0..counts[0])
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect())
}

/// The quantisation of each feature of the inputs quantised per feature,
/// by stage (`None` for the others): an input normalised by a Normalization
/// and read by Dense layers only, whose features (AveRooms and latitude,
/// say) keep their own ranges after normalisation; each Dense folds the
/// scales into its weights and the zero points into its biases. Any other
/// input (read by a merge, an activation or as an output) has one scale.
fn per_feature(
    stages: &[Stage],
    outputs: &[usize],
    samples: &[Vec<Vec<f64>>],
) -> Vec<Option<Vec<Params>>> {
    let read_by_dense_only = |i: usize| {
        let mut readers = stages.iter().filter(|s| match s {
            Stage::Dense { source, .. }
            | Stage::PRelu { source, .. }
            | Stage::Elementwise { source, .. } => *source == i,
            Stage::Merge { sources, .. } => sources.contains(&i),
            Stage::Input { .. } => false,
        });
        !outputs.contains(&i)
            && readers.clone().next().is_some()
            && readers.all(|s| matches!(s, Stage::Dense { .. }))
    };
    (0..stages.len())
        .map(|i| match &stages[i] {
            Stage::Input {
                index,
                normalization: Some(n),
            } if read_by_dense_only(i) => {
                let mut ranges = vec![Range::EMPTY; n.mean.len()];
                for x in samples {
                    for (range, v) in ranges.iter_mut().zip(n.apply(&x[*index])) {
                        range.add(&[v]);
                    }
                }
                // A feature that was 0 in every sample carries nothing: it
                // takes the finest scale of the others, so that its weight
                // does not coarsen the scale of its unit's weights.
                let zero = |r: &Range| r.0 == 0.0 && r.1 == 0.0;
                let mut params: Vec<Params> = ranges.iter().map(|r| r.params()).collect();
                let finest = ranges
                    .iter()
                    .zip(&params)
                    .filter(|(r, _)| !zero(r))
                    .map(|(_, q)| q.scale)
                    .fold(1.0, f64::min);
                for (r, q) in ranges.iter().zip(&mut params) {
                    if zero(r) {
                        q.scale = finest;
                    }
                }
                Some(params)
            }
            _ => None,
        })
        .collect()
}

/// The float network on one sample (a `Vec` per input), widening `ranges`
/// (per stage: before and after its activation).
fn forward(stages: &[Stage], inputs: &[Vec<f64>], ranges: &mut [(Range, Range)]) {
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(stages.len());
    for (stage, (pre, post)) in stages.iter().zip(ranges) {
        let x = match stage {
            Stage::Input {
                index,
                normalization,
            } => match normalization {
                Some(n) => n.apply(&inputs[*index]),
                None => inputs[*index].clone(),
            },
            Stage::Dense {
                source,
                kernel,
                bias,
                activation,
                ..
            } => {
                let x = &out[*source];
                let z: Vec<f64> = kernel
                    .iter()
                    .zip(bias)
                    .map(|(w, b)| b + w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>())
                    .collect();
                pre.add(&z);
                if *activation == "softmax" {
                    z
                } else {
                    z.iter()
                        .map(|z| activation_f64::activation(activation, *z))
                        .collect()
                }
            }
            Stage::PRelu { source, alpha, .. } => out[*source]
                .iter()
                .zip(alpha)
                .map(|(&x, a)| if x >= 0.0 { x } else { a * x })
                .collect(),
            Stage::Elementwise {
                source,
                kind,
                settings,
                ..
            } => out[*source]
                .iter()
                .map(|x| activation_f64::layer(kind, settings, *x))
                .collect(),
            Stage::Merge {
                merge: Merge::Concatenate,
                sources,
            } => sources.iter().flat_map(|&s| out[s].clone()).collect(),
            Stage::Merge { merge, sources } => {
                let n = if *merge == Merge::Average {
                    sources.len() as f64
                } else {
                    1.0
                };
                (0..out[sources[0]].len())
                    .map(|j| sources.iter().map(|&s| out[s][j]).sum::<f64>() / n)
                    .collect()
            }
        };
        post.add(&x);
        out.push(x);
    }
}

/// A merge in integers, as TensorFlow Lite's kernels: `Concatenate` copies
/// each source requantised to the output's scale; `Add` and `Average` bring
/// each source to a common fine scale (twice the largest source scale over
/// `2^shift`), sum in i32 and requantise the sum to the output's scale.
/// `sources` are the locals read with their parameters and widths.
fn merge_q(
    p: &TokenStream,
    merge: Merge,
    sources: &[(Ident, Params, usize)],
    out: Params,
    width: usize,
) -> TokenStream {
    let zo = out.zero_point;
    if merge == Merge::Concatenate {
        let mut at = 0;
        let copies = sources.iter().map(|(src, ps, w)| {
            let (start, end) = (at, at + w);
            at = end;
            if (ps.scale, ps.zero_point) == (out.scale, out.zero_point) {
                return quote!(out[#start..#end].copy_from_slice(&#src););
            }
            let (m, zs) = (Literal::f64_suffixed(ps.scale / out.scale), ps.zero_point);
            quote!({
                const R: #p::Requant = #p::Requant::from_real(#m);
                for (o, &q) in out[#start..#end].iter_mut().zip(&#src) {
                    *o = (#zo + R.apply(i32::from(q) - #zs)).clamp(-128, 127) as i8;
                }
            })
        });
        return quote!({
            let mut out = [0_i8; #width];
            #(#copies)*
            out
        });
    }
    // n sources of at most 255 steps each, shifted: n * 255 * 2^shift / 2
    // stays below 2^31.
    let n = sources.len();
    let shift = 23 - (usize::BITS - n.leading_zeros());
    let twice_max = 2.0 * sources.iter().map(|s| s.1.scale).fold(0.0, f64::max);
    let divisor = if merge == Merge::Average {
        n as f64
    } else {
        1.0
    };
    let to_sum = sources
        .iter()
        .map(|(_, ps, _)| Literal::f64_suffixed(ps.scale / twice_max));
    let terms = sources.iter().enumerate().map(|(k, (src, ps, _))| {
        let zs = ps.zero_point;
        quote!(R[#k].apply((i32::from(#src[j]) - #zs) << #shift))
    });
    let m = Literal::f64_suffixed(twice_max / (f64::from(1_u32 << shift) * out.scale * divisor));
    quote!({
        const R: [#p::Requant; #n] = [#(#p::Requant::from_real(#to_sum)),*];
        const OUT: #p::Requant = #p::Requant::from_real(#m);
        #p::core::array::from_fn(|j| {
            let sum = #(#terms)+*;
            (#zo + OUT.apply(sum)).clamp(-128, 127) as i8
        })
    })
}

/// The table of an elementwise function from `input` to `output` params.
fn table(input: Params, output: Params, f: impl Fn(f64) -> f64) -> TokenStream {
    let t: Vec<u8> = (-128..128)
        .map(|q| output.quantize(f(input.real(q))) as u8)
        .collect();
    let t = Literal::byte_string(&t);
    // The bytes as i8, in a const context.
    quote!({
        let b: &[u8; 256] = #t;
        let mut t = [0_i8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = b[i] as i8;
            i += 1;
        }
        t
    })
}

/// What `<Name>Int8` is made of: its fields, their values, its steps.
#[derive(Default)]
struct Parts {
    fields: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    steps: Vec<TokenStream>,
    bytes: usize,
}

impl Parts {
    /// A field whose `forward` turns the local `from` into the local `to`.
    fn push(
        &mut self,
        (field, doc): (&Ident, &str),
        ty: TokenStream,
        init: TokenStream,
        (from, to): (&Ident, &Ident),
    ) {
        self.fields.push(quote!(#[doc = #doc] pub #field: #ty,));
        self.inits.push(quote!(#field: #init,));
        self.steps
            .push(quote!(let #to = self.#field.forward(&#from);));
    }
}

/// One Dense stage as a `DenseQ` (and its activation's table) from the
/// local `from` to the local `to`; returns the output's parameters.
#[allow(clippy::too_many_arguments)]
fn dense(
    p: &TokenStream,
    parts: &mut Parts,
    field: &Ident,
    (kernel, bias, inputs): (&[Vec<f64>], &[f64], usize),
    activation: &'static str,
    input: &[Params],
    (pre, post): (Range, Range),
    (from, to): (&Ident, &Ident),
) -> Params {
    let units = kernel.len();
    let fused = matches!(activation, "linear" | "relu");
    let out = if fused { post.params() } else { pre.params() };
    // The input's quantisation, one per feature: the weight of input `i`
    // is scaled by `s_i / s_0` (1 when the input has one scale), and each
    // feature's zero point goes into the bias.
    let s_in = input[0].scale;
    let uniform = input
        .iter()
        .all(|q| (q.scale, q.zero_point) == (s_in, input[0].zero_point));
    let (mut q, mut scales, mut biases, mut requant) = (Vec::new(), Vec::new(), vec![], vec![]);
    for (w, b) in kernel.iter().zip(bias) {
        let w32: Vec<f32> = w
            .iter()
            .zip(input)
            .map(|(w, q)| (w * (q.scale / s_in)) as f32)
            .collect();
        let (scale, qs) = quantize_unit(&w32);
        // A unit of zeros: any scale carries its bias.
        let s_w = if scale > 0.0 { f64::from(scale) } else { 1.0 };
        let s_acc = s_in * s_w;
        let zero: i64 = qs
            .iter()
            .zip(input)
            .map(|(&v, q)| i64::from(v) * i64::from(q.zero_point))
            .sum();
        let b_q = (b / s_acc).round() as i64 - zero;
        biases.push(b_q.clamp(-i64::from(i32::MAX), i64::from(i32::MAX)) as i32);
        scales.push(Literal::f32_suffixed(s_w as f32));
        let m = Literal::f64_suffixed(s_acc / out.scale);
        requant.push(quote!(#p::Requant::from_real(#m)));
        q.extend(qs.iter().map(|&v| v as u8));
    }
    let n = q.len();
    parts.bytes += n + 16 * units + 12;
    let q = Literal::byte_string(&q);
    // One zero point per feature: all in the bias, none left for the layer.
    let in_zp = if uniform { input[0].zero_point } else { 0 };
    let zp = out.zero_point;
    let min = if activation == "relu" {
        zp as i8
    } else {
        i8::MIN
    };
    let doc = format!("Dense, {inputs} -> {units}, integer-only (activation {activation}).");
    parts.push(
        (field, &doc),
        quote!(#p::DenseQ<#inputs, #units>),
        quote!(#p::DenseQ::from_parts(
            // SAFETY: `[u8; IN * OUT]` and `[[i8; IN]; OUT]` have the same
            // size and alignment, and every byte is a valid i8.
            unsafe { #p::core::mem::transmute::<[u8; #n], [[i8; #inputs]; #units]>(*#q) },
            [#(#biases),*],
            [#(#scales),*],
            [#(#requant),*],
            #in_zp,
            #zp,
            #min,
            127,
        )),
        (from, to),
    );
    if fused {
        return out;
    }
    let act_field = format_ident!("{field}_activation");
    if activation == "softmax" {
        let e: Vec<u16> = (0..256)
            .map(|d| ((-f64::from(d) * out.scale).exp() * 32768.0).round() as u16)
            .collect();
        parts.bytes += 512;
        parts.push(
            (&act_field, "softmax of the Dense before, integer-only."),
            quote!(#p::SoftmaxQ<#units>),
            quote!(#p::SoftmaxQ::from_table([#(#e),*])),
            (to, to),
        );
        return Params::SOFTMAX;
    }
    let post = post.params();
    parts.bytes += 256;
    let t = table(out, post, |x| activation_f64::activation(activation, x));
    let doc = format!("`{activation}` of the Dense before, by table.");
    parts.push(
        (&act_field, &doc),
        quote!(#p::LutQ<#units>),
        quote!(#p::LutQ::from_table(#t)),
        (to, to),
    );
    post
}

/// The integer-only `<Name>Int8`: its struct, `WEIGHTS`, the quantisation
/// of its inputs and outputs, `predict_q` (integers only) and `predict_one`
/// (f32 in and out); a chain's take and give one array, a graph's a tuple
/// of arrays in declaration order (its `<Name>Inputs` and `<Name>Outputs`
/// for `predict_one`).
pub fn int8(
    krate: &TokenStream,
    model: &Model,
    file: &SafeTensors<'_>,
    rel: &str,
    calibrate: &LitStr,
    sample_bytes: &[u8],
) -> syn::Result<TokenStream> {
    let error = |message: String| syn::Error::new(calibrate.span(), message);
    let p = quote!(#krate::__private);
    let (name, vis) = (&model.ident, &model.vis);
    let ident = format_ident!("{}Int8", name);
    let (stages, outputs) = stages(model, file, &error)?;
    let cal_rel = calibrate.value();
    let samples = sample(sample_bytes, &cal_rel, model, &error)?;
    let mut ranges = vec![(Range::EMPTY, Range::EMPTY); stages.len()];
    for x in &samples {
        forward(&stages, x, &mut ranges);
    }
    let features = per_feature(&stages, &outputs, &samples);
    let input_nodes: Vec<&NodeModel> = model
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeModelKind::Input))
        .collect();
    let chain = model.chain_input.is_some();
    let local = |i: usize| format_ident!("__q{}", i);
    let mut parts = Parts::default();
    let (mut params, mut widths): (Vec<Params>, Vec<usize>) = (Vec::new(), Vec::new());
    let mut inputs = Vec::new();
    for (i, (stage, range)) in stages.iter().zip(&ranges).enumerate() {
        let to = local(i);
        let (out, width) = match stage {
            Stage::Input {
                index,
                normalization,
            } => {
                let tuple = syn::Index::from(*index);
                parts.steps.push(if chain {
                    quote!(let #to = *x;)
                } else {
                    quote!(let #to = x.#tuple;)
                });
                inputs.push((i, normalization.as_ref().map(|n| n.tokens(&p))));
                let width = input_nodes[*index].width;
                (range.1.params(), width)
            }
            Stage::Dense {
                field,
                source,
                inputs,
                kernel,
                bias,
                activation,
            } => {
                let layer = (kernel.as_slice(), bias.as_slice(), *inputs);
                let locals = (&local(*source), &to);
                let input = match &features[*source] {
                    Some(features) => features.clone(),
                    None => vec![params[*source]; *inputs],
                };
                let out = dense(
                    &p, &mut parts, field, layer, activation, &input, *range, locals,
                );
                (out, kernel.len())
            }
            Stage::Elementwise {
                field,
                source,
                units,
                kind,
                settings,
            } => {
                let post = range.1.params();
                parts.bytes += 256;
                let t = table(params[*source], post, |x| {
                    activation_f64::layer(kind, settings, x)
                });
                let doc = format!("{kind}, by table.");
                let ty = quote!(#p::LutQ<#units>);
                let init = quote!(#p::LutQ::from_table(#t));
                parts.push((field, &doc), ty, init, (&local(*source), &to));
                (post, *units)
            }
            Stage::PRelu {
                field,
                source,
                alpha,
            } => {
                let out = range.1.params();
                // `PReluQ::new` computes the multipliers (a `const fn`).
                let units = alpha.len();
                let slopes = alpha.iter().map(|&a| Literal::f32_suffixed(a as f32));
                let (input, output) = (params[*source].tokens(&p), out.tokens(&p));
                let layer = quote!(#p::PReluQ::<#units>::new(&[#(#slopes),*], #input, #output));
                parts.bytes += 8 * units + 16;
                let doc = format!("PReLU of {units} units, integer-only.");
                let ty = quote!(#p::PReluQ<#units>);
                parts.push((field, &doc), ty, layer, (&local(*source), &to));
                (out, units)
            }
            Stage::Merge { merge, sources } => {
                let out = range.1.params();
                let width = match merge {
                    Merge::Concatenate => sources.iter().map(|&s| widths[s]).sum(),
                    _ => widths[sources[0]],
                };
                let read: Vec<_> = sources
                    .iter()
                    .map(|&s| (local(s), params[s], widths[s]))
                    .collect();
                let value = merge_q(&p, *merge, &read, out, width);
                parts.steps.push(quote!(let #to: [i8; #width] = #value;));
                (out, width)
            }
        };
        params.push(out);
        widths.push(width);
    }
    let Parts {
        fields,
        inits,
        steps,
        bytes,
    } = parts;
    let doc = format!(
        "`{name}` as an integer-only network: the weights of `{rel}` in int8 (one scale per \
         unit), int8 activations whose scales and zero points were calibrated on `{cal_rel}` \
         ({} samples), int32 accumulators, fixed-point requantisation (TensorFlow Lite's \
         full-integer scheme): {bytes} bytes. Baked by `#[weights(\"{rel}\", quantize = \
         \"int8\", calibrate = \"{cal_rel}\")]`; `static MODEL: {ident} = {ident}::WEIGHTS;` \
         keeps it in read-only memory. `predict_q` uses integers only.",
        samples.len()
    );
    let inputs: Vec<InputQ> = inputs
        .into_iter()
        .map(|(s, normalization)| {
            let quantization = match &features[s] {
                Some(features) => features.clone(),
                None => vec![params[s]],
            };
            (quantization, widths[s], normalization)
        })
        .collect();
    let api = if chain {
        let o = outputs[0];
        chain_api(&p, model, &inputs[0], (params[o], widths[o], local(o)))
    } else {
        let outs = outputs
            .iter()
            .map(|&s| (params[s], widths[s], local(s)))
            .collect();
        graph_api(&p, model, &inputs, outs)
    };
    let (signature, body, edges) = api;
    Ok(quote! {
        #[doc = #doc]
        #vis struct #ident {
            #(#fields)*
        }

        impl #ident {
            /// The quantised weights and tables, computed at compile time.
            #vis const WEIGHTS: #ident = #ident { #(#inits)* };
            #edges

            #signature {
                #(#steps)*
                #body
            }
        }
    })
}

/// A model input as the integer network takes it: its quantisation (one
/// `Params`, or one per feature), its width, and the Normalization it goes
/// through before it is quantised (the layer as a constant, and its
/// description for the docs).
type InputQ = (Vec<Params>, usize, Option<(TokenStream, String)>);

/// An input's quantisation as a constant's type and value, and how feature
/// `i` is quantised by it (`at` names the constant).
fn input_params(
    p: &TokenStream,
    quantization: &[Params],
    at: TokenStream,
) -> (TokenStream, TokenStream, TokenStream) {
    match quantization {
        [one] => (quote!(#p::QuantParams), one.tokens(p), at),
        features => {
            let n = features.len();
            let values = features.iter().map(|q| q.tokens(p));
            (
                quote!([#p::QuantParams; #n]),
                quote!([#(#values),*]),
                quote!(#at[i]),
            )
        }
    }
}

/// The expression that quantises an input of `width` features, feature `i`
/// read by `read` (an expression of `i`), by `params` (an expression of
/// `i`): normalised first if the input has a Normalization, by `mlp_core`'s
/// own layer.
fn quantized(
    p: &TokenStream,
    params: TokenStream,
    width: usize,
    read: TokenStream,
    normalization: Option<&(TokenStream, String)>,
) -> TokenStream {
    match normalization {
        None => quote!(#p::core::array::from_fn(|i| #params.quantize(#read))),
        Some((layer, _)) => quote!({
            const NORMALIZATION: #p::Normalization<#width> = #layer;
            let normalised =
                NORMALIZATION.forward_one(&#p::SVector::<f32, #width>::from_fn(|i, _| #read));
            #p::core::array::from_fn(|i| #params.quantize(normalised[i]))
        }),
    }
}

/// What an input's quantisation is of, for the docs: "" for the raw
/// features with one scale.
fn input_doc((quantization, _, normalization): &InputQ) -> String {
    let per_feature = if quantization.len() > 1 {
        "; one `QuantParams` per feature (read by Dense layers only, each feature keeps its \
         own range after normalisation; the Dense layers fold the scales into their weights)"
    } else {
        ""
    };
    match normalization {
        Some((_, layer)) => format!(
            "of the features normalised by {layer}: the integer network's input is the \
             normalised features, and this quantisation was calibrated on them{per_feature}"
        ),
        None => String::new(),
    }
}

/// A chain's `INPUT`, `OUTPUT`, `quantize_input` and `predict_one`, and
/// the signature and last line of its `predict_q` (one array in, one out).
fn chain_api(
    p: &TokenStream,
    model: &Model,
    input: &InputQ,
    (output, out_len, out): (Params, usize, Ident),
) -> (TokenStream, TokenStream, TokenStream) {
    let (vis, name) = (&model.vis, &model.ident);
    let (quantization, input_len, normalization) = input;
    let (in_ty, in_params, at) = input_params(p, quantization, quote!(Self::INPUT));
    let out_params = output.tokens(p);
    let read = if let [_, cols] = model.input_shape()[..] {
        quote!(x[(i / #cols, i % #cols)])
    } else {
        quote!(x[i])
    };
    let quantize = quantized(p, at, *input_len, read, normalization.as_ref());
    let input_doc = match input_doc(input) {
        doc if doc.is_empty() => "The quantisation of the input (calibrated on the sample).".into(),
        doc => format!("The quantisation of the input, {doc}."),
    };
    let quantize_doc = match normalization {
        None => "The input quantised by [`Self::INPUT`], row-major (Keras's order).".into(),
        Some((_, layer)) => format!(
            "The input, row-major (Keras's order), normalised by {layer} and quantised by \
             [`Self::INPUT`]."
        ),
    };
    let signature = quote! {
        /// One sample through the network in integers only: the input as
        /// [`Self::quantize_input`] gives it (quantised by
        /// [`Self::INPUT`]), the output quantised by [`Self::OUTPUT`].
        #vis fn predict_q(&self, x: &[i8; #input_len]) -> [i8; #out_len]
    };
    let edges = quote! {
        #[doc = #input_doc]
        #vis const INPUT: #in_ty = #in_params;
        /// The quantisation of the output.
        #vis const OUTPUT: #p::QuantParams = #out_params;

        #[doc = #quantize_doc]
        #vis fn quantize_input(x: &<#name as #p::Network>::Input) -> [i8; #input_len] {
            #quantize
        }

        /// One sample through the network: the input quantised, the
        /// integer network ([`Self::predict_q`]), the output dequantised.
        #vis fn predict_one(
            &self,
            x: &<#name as #p::Network>::Input,
        ) -> <#name as #p::Network>::Output {
            let q = self.predict_q(&Self::quantize_input(x));
            #p::SVector::<f32, #out_len>::from_fn(|i, _| Self::OUTPUT.dequantize(q[i]))
        }
    };
    (signature, quote!(#out), edges)
}

/// A graph's `INPUTS`, `OUTPUTS` (in declaration order), `quantize_inputs`
/// and `predict_one` (its `<Name>Inputs` in, `<Name>Outputs` out), and the
/// signature and last line of its `predict_q` (a tuple of arrays in and
/// out). `INPUTS` is an array of one `QuantParams` per input, or, when an
/// input is quantised per feature, a tuple whose entry for that input is an
/// array.
fn graph_api(
    p: &TokenStream,
    model: &Model,
    inputs: &[InputQ],
    outputs: Vec<(Params, usize, Ident)>,
) -> (TokenStream, TokenStream, TokenStream) {
    let (vis, name) = (&model.vis, &model.ident);
    let (inputs_ty, outputs_ty) = (
        format_ident!("{name}Inputs"),
        format_ident!("{name}Outputs"),
    );
    let (n_in, n_out) = (inputs.len(), outputs.len());
    let tuple = inputs.iter().any(|(q, ..)| q.len() > 1);
    let params: Vec<_> = inputs
        .iter()
        .enumerate()
        .map(|(k, (q, ..))| {
            let at = if tuple {
                let k = syn::Index::from(k);
                quote!(Self::INPUTS.#k)
            } else {
                quote!(Self::INPUTS[#k])
            };
            input_params(p, q, at)
        })
        .collect();
    let in_params = params.iter().map(|(_, v, _)| v);
    let (inputs_const_ty, inputs_value) = if tuple {
        let tys = params.iter().map(|(t, ..)| t);
        (quote!((#(#tys,)*)), quote!((#(#in_params,)*)))
    } else {
        (quote!([#p::QuantParams; #n_in]), quote!([#(#in_params),*]))
    };
    let out_params = outputs.iter().map(|(q, ..)| q.tokens(p));
    let in_tys: Vec<_> = inputs.iter().map(|(_, w, _)| quote!([i8; #w])).collect();
    let out_tys = outputs.iter().map(|(_, w, _)| quote!([i8; #w]));
    let out_locals = outputs.iter().map(|(.., l)| l);
    let input_fields: Vec<&Ident> = model
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeModelKind::Input))
        .map(|n| &n.binding)
        .collect();
    let quantize = input_fields.iter().zip(inputs).zip(&params).map(
        |((field, (_, w, normalization)), (.., at))| {
            let read = quote!(x.#field[i]);
            quantized(p, at.clone(), *w, read, normalization.as_ref())
        },
    );
    // What a normalised input's quantisation is of.
    let normalised: String = input_fields
        .iter()
        .zip(inputs)
        .map(|(field, input)| match input_doc(input) {
            doc if doc.is_empty() => doc,
            doc => format!(" `{field}`'s quantisation is {doc}."),
        })
        .collect();
    let inputs_doc = format!(
        "The quantisation of each input, in declaration order (calibrated on the \
         sample).{normalised}"
    );
    let dequantized =
        model
            .outputs
            .iter()
            .zip(&outputs)
            .enumerate()
            .map(|(k, ((field, _), (_, w, _)))| {
                let k_tuple = syn::Index::from(k);
                quote!(#field: #p::SVector::<f32, #w>::from_fn(
                    |i, _| Self::OUTPUTS[#k].dequantize(q.#k_tuple[i])
                ))
            });
    let signature = quote! {
        /// One sample through the graph in integers only: each input as
        /// [`Self::quantize_inputs`] gives it (quantised by its
        /// [`Self::INPUTS`], in declaration order), each output quantised
        /// by its [`Self::OUTPUTS`].
        #vis fn predict_q(&self, x: &(#(#in_tys,)*)) -> (#(#out_tys,)*)
    };
    let edges = quote! {
        #[doc = #inputs_doc]
        #vis const INPUTS: #inputs_const_ty = #inputs_value;
        /// The quantisation of each output, in declaration order.
        #vis const OUTPUTS: [#p::QuantParams; #n_out] = [#(#out_params),*];

        /// The inputs quantised by [`Self::INPUTS`] (a normalised input
        /// normalised first: see there).
        #vis fn quantize_inputs(x: &#inputs_ty) -> (#(#in_tys,)*) {
            (#(#quantize,)*)
        }

        /// One sample through the graph: the inputs quantised, the integer
        /// graph ([`Self::predict_q`]), the outputs dequantised.
        #vis fn predict_one(&self, x: &#inputs_ty) -> #outputs_ty {
            let q = self.predict_q(&Self::quantize_inputs(x));
            #outputs_ty { #(#dequantized,)* }
        }
    };
    (signature, quote!((#(#out_locals,)*)), edges)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An input of three features normalised by mean 0, variance 1, read
    /// by one Dense (`dense_reader`) or also by a Concatenate.
    fn stages(dense_reader: bool) -> Vec<Stage> {
        let input = Stage::Input {
            index: 0,
            normalization: Some(InputNormalization {
                field: format_ident!("normalization"),
                mean: vec![0.0; 3],
                variance: vec![1.0; 3],
            }),
        };
        let dense = Stage::Dense {
            field: format_ident!("dense"),
            source: 0,
            inputs: 3,
            kernel: vec![vec![1.0, 1.0, 1.0]],
            bias: vec![0.0],
            activation: "linear",
        };
        let mut stages = vec![input, dense];
        if !dense_reader {
            stages.push(Stage::Merge {
                merge: Merge::Concatenate,
                sources: vec![0, 1],
            });
        }
        stages
    }

    #[test]
    fn a_normalised_input_read_by_dense_layers_is_quantised_per_feature() {
        // Feature 0 in [-1, 1], feature 1 always 0, feature 2 always 5.
        let samples: Vec<Vec<Vec<f64>>> = [-1.0, 0.5, 1.0]
            .iter()
            .map(|&x| vec![vec![x, 0.0, 5.0]])
            .collect();
        let features = per_feature(&stages(true), &[1], &samples);
        let params = features[0].as_ref().expect("per feature");
        let scales: Vec<f64> = params.iter().map(|q| q.scale).collect();
        // Feature 1 carries nothing: the finest scale of the others, not 1.
        assert_eq!(scales, [2.0 / 255.0, 2.0 / 255.0, 5.0 / 255.0]);
        assert_eq!(params[2].zero_point, -128);
        assert!(features[1].is_none());
        // Read by a Concatenate too: one scale for the input.
        let features = per_feature(&stages(false), &[2], &samples);
        assert!(features.iter().all(Option::is_none));
    }

    #[test]
    fn the_refusal_names_the_kinds() {
        let place = " before `concat` (Concatenate)";
        assert_eq!(
            refusal("", &["Normalization"], place),
            "`calibrate`: the Normalization before `concat` (Concatenate) has no integer form: \
             it folds into a Dense after it, or normalises a model input that it alone reads"
        );
        assert_eq!(
            refusal("last ", &["Normalization", "BatchNormalization"], ""),
            "`calibrate`: the last Normalization and BatchNormalization have no integer form: \
             they fold into a Dense after them (a BatchNormalization also into a linear Dense \
             before it)"
        );
    }
}
