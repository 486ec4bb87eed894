//! `#[weights("file.safetensors", quantize = "int8", calibrate =
//! "sample.safetensors")]`: the `<Name>Int8` type as an integer-only network
//! (TensorFlow Lite's full-integer scheme; the runtime is
//! `mlp_core::quant`). At bake time:
//!
//! 1. the float network is simplified: Dropout and Flatten go,
//!    BatchNormalization is folded into the Dense before it when that one is
//!    linear, else into the Dense after it (PReLU, and a BatchNormalization
//!    with no Dense to fold into, have no integer form: compile errors);
//! 2. it runs in f64 on every sample of the calibration file (one F32
//!    tensor of shape `(samples, input...)`), and each activation's range
//!    (with 0 in it) gives its scale `(max − min) / 255` and zero point;
//! 3. each Dense becomes a `DenseQ` (int8 weights, one scale per unit, int32
//!    biases, per-unit fixed-point requantisation), a fused `relu` its
//!    clamp, `softmax` a `SoftmaxQ` and every other activation a `LutQ`.

use crate::activation_f64;
use crate::model::{LayerModelKind, Model};
use crate::quantize::quantize_unit;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use safetensors::{Dtype, SafeTensors};
use syn::LitStr;

/// A stage of the float network, with BatchNormalization folded away.
enum Stage {
    Dense {
        field: Ident,
        inputs: usize,
        /// One array of `inputs` weights per unit.
        kernel: Vec<Vec<f64>>,
        bias: Vec<f64>,
        activation: &'static str,
    },
    /// An activation layer (`ReLU`, `LeakyReLU`, `ELU`).
    Elementwise {
        field: Ident,
        units: usize,
        kind: &'static str,
        settings: Vec<f32>,
    },
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

/// The float network as stages: Dropout and Flatten dropped,
/// BatchNormalization folded into a Dense.
fn stages(
    model: &Model,
    file: &SafeTensors<'_>,
    error: &impl Fn(String) -> syn::Error,
) -> syn::Result<Vec<Stage>> {
    let mut stages: Vec<Stage> = Vec::new();
    // An affine map (a, c) per feature, waiting for the next Dense's input.
    let mut pending: Option<(Vec<f64>, Vec<f64>)> = None;
    let mut errors = Vec::new();
    for layer in &model.layers {
        let field = &layer.field;
        let tensor = |w: &str| floats(file, &format!("{field}/{w}"));
        match &layer.kind {
            LayerModelKind::Flatten { .. } | LayerModelKind::Dropout { .. } => {}
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
                if let Some((a, c)) = pending.take() {
                    for (w, b) in kernel.iter_mut().zip(&mut bias) {
                        *b += w.iter().zip(&c).map(|(w, c)| w * c).sum::<f64>();
                        w.iter_mut().zip(&a).for_each(|(w, a)| *w *= a);
                    }
                }
                stages.push(Stage::Dense {
                    field: field.clone(),
                    inputs: *inputs,
                    kernel,
                    bias,
                    activation: activation.name,
                });
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
                match (stages.last_mut(), &mut pending) {
                    (
                        Some(Stage::Dense {
                            kernel,
                            bias,
                            activation: "linear",
                            ..
                        }),
                        None,
                    ) => {
                        for (u, (w, b)) in kernel.iter_mut().zip(bias).enumerate() {
                            w.iter_mut().for_each(|w| *w *= a[u]);
                            *b = *b * a[u] + c[u];
                        }
                    }
                    (_, Some((a0, c0))) => {
                        for (((a0, c0), a), c) in a0.iter_mut().zip(c0).zip(&a).zip(&c) {
                            *a0 *= a;
                            *c0 = *c0 * a + c;
                        }
                    }
                    (_, None) => pending = Some((a, c)),
                }
            }
            LayerModelKind::Activation {
                units,
                function: (kind, settings),
            } => {
                if pending.take().is_some() {
                    errors.push(error(format!(
                        "`calibrate`: the BatchNormalization before `{field}` ({kind}) has no \
                         integer form: it folds into a linear Dense before it or a Dense after it"
                    )));
                }
                stages.push(Stage::Elementwise {
                    field: field.clone(),
                    units: *units,
                    kind,
                    settings: settings.clone(),
                });
            }
            LayerModelKind::Normalization { .. } => {
                // An affine map per feature, folded into the next Dense as a
                // BatchNormalization without a Dense before it is.
                let (mean, var) = (tensor("mean"), tensor("variance"));
                let a: Vec<f64> = var.iter().map(|v| 1.0 / v.sqrt().max(1e-7)).collect();
                let c: Vec<f64> = (0..a.len()).map(|i| -mean[i] * a[i]).collect();
                match &mut pending {
                    Some((a0, c0)) => {
                        for i in 0..a.len() {
                            a0[i] *= a[i];
                            c0[i] = c0[i] * a[i] + c[i];
                        }
                    }
                    None => pending = Some((a, c)),
                }
            }
            LayerModelKind::PReLU { .. } => {
                errors.push(error(format!(
                    "`calibrate`: `{field}` (PReLU) has no integer form yet; the integer-only \
                     network takes Dense, BatchNormalization, Dropout, Flatten, ReLU, LeakyReLU \
                     and ELU layers"
                )));
            }
        }
    }
    if pending.is_some() {
        errors.push(error(
            "`calibrate`: the last BatchNormalization has no integer form: it folds into a \
             linear Dense before it or a Dense after it"
                .to_string(),
        ));
    }
    // Every problem at once.
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(stages),
        Some(mut all) => {
            errors.for_each(|e| all.combine(e));
            Err(all)
        }
    }
}

/// The calibration sample: one F32 tensor of shape `(samples, input...)`
/// whose trailing dimensions hold `input_len` values; one `Vec` per sample.
fn sample(
    bytes: &[u8],
    rel: &str,
    input_len: usize,
    error: &impl Fn(String) -> syn::Error,
) -> syn::Result<Vec<Vec<f64>>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| error(format!("`{rel}` is not a valid safetensors file: {e}")))?;
    let names = file.names();
    let [name] = names.as_slice() else {
        return Err(error(format!(
            "the calibration sample `{rel}` must hold one tensor, of shape (samples, inputs); \
             it holds {}",
            names.len()
        )));
    };
    let tensor = file
        .tensor(name)
        .map_err(|e| error(format!("`{rel}`: {e}")))?;
    let shape = tensor.shape();
    let per: usize = shape.iter().skip(1).product();
    if tensor.dtype() != Dtype::F32 || shape.len() < 2 || per != input_len || shape[0] == 0 {
        return Err(error(format!(
            "the calibration sample `{rel}` holds `{name}` of dtype {:?} and shape {shape:?}; \
             the network needs F32 of shape (samples, {input_len}) or (samples, rows, cols), \
             at least one sample",
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
    Ok(values.chunks_exact(per).map(<[f64]>::to_vec).collect())
}

/// The float network on `x`, widening `ranges` (per stage: before and
/// after its activation).
fn forward(stages: &[Stage], mut x: Vec<f64>, ranges: &mut [(Range, Range)]) {
    for (stage, (pre, post)) in stages.iter().zip(ranges) {
        x = match stage {
            Stage::Dense {
                kernel,
                bias,
                activation,
                ..
            } => {
                let z: Vec<f64> = kernel
                    .iter()
                    .zip(bias)
                    .map(|(w, b)| b + w.iter().zip(&x).map(|(w, x)| w * x).sum::<f64>())
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
            Stage::Elementwise { kind, settings, .. } => x
                .iter()
                .map(|x| activation_f64::layer(kind, settings, *x))
                .collect(),
        };
        post.add(&x);
    }
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
    fn push(&mut self, field: &Ident, doc: &str, ty: TokenStream, init: TokenStream) {
        self.fields.push(quote!(#[doc = #doc] pub #field: #ty,));
        self.inits.push(quote!(#field: #init,));
        self.steps.push(quote!(let x = self.#field.forward(&x);));
    }
}

/// One Dense stage as a `DenseQ` (and its activation's table); returns the
/// output's parameters.
#[allow(clippy::too_many_arguments)]
fn dense(
    p: &TokenStream,
    parts: &mut Parts,
    field: &Ident,
    (kernel, bias, inputs): (&[Vec<f64>], &[f64], usize),
    activation: &'static str,
    input: Params,
    (pre, post): (Range, Range),
) -> Params {
    let units = kernel.len();
    let fused = matches!(activation, "linear" | "relu");
    let out = if fused { post.params() } else { pre.params() };
    let (mut q, mut scales, mut biases, mut requant) = (Vec::new(), Vec::new(), vec![], vec![]);
    for (w, b) in kernel.iter().zip(bias) {
        let w32: Vec<f32> = w.iter().map(|w| *w as f32).collect();
        let (scale, qs) = quantize_unit(&w32);
        // A unit of zeros: any scale carries its bias.
        let s_w = if scale > 0.0 { f64::from(scale) } else { 1.0 };
        let s_acc = input.scale * s_w;
        let sum: i64 = qs.iter().map(|&v| i64::from(v)).sum();
        let b_q = (b / s_acc).round() as i64 - i64::from(input.zero_point) * sum;
        biases.push(b_q.clamp(-i64::from(i32::MAX), i64::from(i32::MAX)) as i32);
        scales.push(Literal::f32_suffixed(s_w as f32));
        let m = Literal::f64_suffixed(s_acc / out.scale);
        requant.push(quote!(#p::Requant::from_real(#m)));
        q.extend(qs.iter().map(|&v| v as u8));
    }
    let n = q.len();
    parts.bytes += n + 16 * units + 12;
    let q = Literal::byte_string(&q);
    let (in_zp, zp) = (input.zero_point, out.zero_point);
    let min = if activation == "relu" {
        zp as i8
    } else {
        i8::MIN
    };
    let doc = format!("Dense, {inputs} -> {units}, integer-only (activation {activation}).");
    parts.push(
        field,
        &doc,
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
            &act_field,
            "softmax of the Dense before, integer-only.",
            quote!(#p::SoftmaxQ<#units>),
            quote!(#p::SoftmaxQ::from_table([#(#e),*])),
        );
        return Params::SOFTMAX;
    }
    let post = post.params();
    parts.bytes += 256;
    let t = table(out, post, |x| activation_f64::activation(activation, x));
    let doc = format!("`{activation}` of the Dense before, by table.");
    parts.push(
        &act_field,
        &doc,
        quote!(#p::LutQ<#units>),
        quote!(#p::LutQ::from_table(#t)),
    );
    post
}

/// The integer-only `<Name>Int8`: its struct, `WEIGHTS`, `INPUT`, `OUTPUT`,
/// `predict_q` (integers only) and `predict_one` (f32 in and out).
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
    let input_len: usize = model.input_shape().iter().product();
    let stages = stages(model, file, &error)?;
    let cal_rel = calibrate.value();
    let samples = sample(sample_bytes, &cal_rel, input_len, &error)?;
    let mut input_range = Range::EMPTY;
    let mut ranges = vec![(Range::EMPTY, Range::EMPTY); stages.len()];
    for x in &samples {
        input_range.add(x);
        forward(&stages, x.clone(), &mut ranges);
    }
    let input = input_range.params();
    let mut parts = Parts::default();
    let mut params = input;
    let mut out_len = input_len;
    for (stage, range) in stages.iter().zip(&ranges) {
        params = match stage {
            Stage::Dense {
                field,
                inputs,
                kernel,
                bias,
                activation,
            } => {
                out_len = kernel.len();
                let layer = (kernel.as_slice(), bias.as_slice(), *inputs);
                dense(&p, &mut parts, field, layer, activation, params, *range)
            }
            Stage::Elementwise {
                field,
                units,
                kind,
                settings,
            } => {
                let post = range.1.params();
                parts.bytes += 256;
                let t = table(params, post, |x| activation_f64::layer(kind, settings, x));
                let doc = format!("{kind}, by table.");
                let ty = quote!(#p::LutQ<#units>);
                parts.push(field, &doc, ty, quote!(#p::LutQ::from_table(#t)));
                post
            }
        };
    }
    let (in_params, out_params) = (input.tokens(&p), params.tokens(&p));
    let read = if let [_, cols] = model.input_shape()[..] {
        quote!(x[(i / #cols, i % #cols)])
    } else {
        quote!(x[i])
    };
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
    Ok(quote! {
        #[doc = #doc]
        #vis struct #ident {
            #(#fields)*
        }

        impl #ident {
            /// The quantised weights and tables, computed at compile time.
            #vis const WEIGHTS: #ident = #ident { #(#inits)* };
            /// The quantisation of the input (calibrated on the sample).
            #vis const INPUT: #p::QuantParams = #in_params;
            /// The quantisation of the output.
            #vis const OUTPUT: #p::QuantParams = #out_params;

            /// One sample through the network in integers only: the input
            /// quantised by [`Self::INPUT`] (row-major), the output by
            /// [`Self::OUTPUT`].
            #vis fn predict_q(&self, x: &[i8; #input_len]) -> [i8; #out_len] {
                let x = *x;
                #(#steps)*
                x
            }

            /// The input quantised by [`Self::INPUT`], row-major (Keras's
            /// order).
            #vis fn quantize_input(x: &<#name as #p::Network>::Input) -> [i8; #input_len] {
                #p::core::array::from_fn(|i| Self::INPUT.quantize(#read))
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
        }
    })
}
