//! `#[weights("file.safetensors", quantize = "int8")]`: beside the f32
//! `WEIGHTS`, a second type `<Name>Int8` whose Dense layers hold int8 weights
//! with one scale per unit (TensorFlow Lite's symmetric per-channel scheme:
//! `scale = max |w| / 127`, `q = round(w / scale)`, half away from zero),
//! f32 biases, and its own `WEIGHTS` and `predict_one` (the runtime is
//! `mlp_core::quant`). The quantised kernels are written as one byte string
//! per layer, which compiles far faster than a literal per weight. A
//! graph's `<Name>Int8` is wired as the graph: `predict_one` takes
//! `<Name>Inputs` and returns `<Name>Outputs`.

use crate::model::{LayerModel, LayerModelKind, Model};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use safetensors::SafeTensors;

/// One unit's weights quantised: the scale and the int8 values. Must agree
/// with `mlp_core::quant::quantize_unit` (a test of `mlp-embedded` compares
/// the baked model with it).
pub fn quantize_unit(weights: &[f32]) -> (f32, Vec<i8>) {
    let max = weights.iter().fold(0.0_f32, |m, w| m.max(w.abs()));
    let scale = max / 127.0;
    let q = weights
        .iter()
        .map(|w| {
            if scale > 0.0 {
                (w / scale).round().clamp(-127.0, 127.0) as i8
            } else {
                0
            }
        })
        .collect();
    (scale, q)
}

/// Reads a tensor whose dtype and shape `bake` has already checked.
pub fn floats(file: &SafeTensors<'_>, name: &str) -> Vec<f32> {
    file.tensor(name).map_or_else(
        |_| Vec::new(),
        |t| {
            t.data()
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        },
    )
}

/// A layer that the int8 network keeps in f32: its type, its value from
/// `file` and its forward step.
fn f32_layer(
    p: &TokenStream,
    layer: &LayerModel,
    file: &SafeTensors<'_>,
) -> (TokenStream, TokenStream, TokenStream) {
    let field = &layer.field;
    let array = |w: &str| {
        let v = floats(file, &format!("{field}/{w}"))
            .into_iter()
            .map(Literal::f32_suffixed);
        quote!([#(#v),*])
    };
    match &layer.kind {
        LayerModelKind::BatchNormalization { units, epsilon, .. } => {
            let (g, b, m, v) = (
                array("gamma"),
                array("beta"),
                array("moving_mean"),
                array("moving_variance"),
            );
            (
                quote!(#p::BatchNormalization<#units>),
                quote!(#p::BatchNormalization::from_arrays(#g, #b, #m, #v)),
                quote!(let x = self.#field.forward_one(&x, #epsilon);),
            )
        }
        LayerModelKind::Normalization { units } => {
            let (m, v) = (array("mean"), array("variance"));
            let count = floats(file, &format!("{field}/count"));
            let c = Literal::f32_suffixed(count.first().copied().unwrap_or(0.0));
            (
                quote!(#p::Normalization<#units>),
                quote!(#p::Normalization::from_arrays(#m, #v, #c)),
                quote!(let x = self.#field.forward_one(&x);),
            )
        }
        LayerModelKind::PReLU { units, .. } => {
            let a = array("alpha");
            (
                quote!(#p::PReLU<#units>),
                quote!(#p::PReLU::from_array(#a)),
                quote!(let x = self.#field.forward_one(&x);),
            )
        }
        LayerModelKind::Activation {
            units,
            function: (kind, settings),
        } => {
            let f = crate::expand::elementwise(p, kind, settings);
            (
                quote!(#p::ActivationLayer<#units>),
                quote!(#p::ActivationLayer),
                quote!(let x = self.#field.forward_one(&x, #f);),
            )
        }
        _ => unreachable!("Flatten, Dropout and Dense are written by `int8`"),
    }
}

/// One layer of `<Name>Int8`: its field, its value, its forward step (as
/// the float network's: it turns `x` into the layer's output) and the
/// bytes of its int8 weights, scales and biases.
struct Int8Layer {
    field: TokenStream,
    init: TokenStream,
    step: TokenStream,
    bytes: usize,
}

/// `layer` in the int8 network, its weights from `file`.
fn int8_layer(p: &TokenStream, layer: &LayerModel, file: &SafeTensors<'_>) -> Int8Layer {
    let field = &layer.field;
    let kept = |doc: &str, ty: TokenStream, init: TokenStream, step: TokenStream| Int8Layer {
        field: quote!(#[doc = #doc] pub #field: #ty,),
        init: quote!(#field: #init,),
        step,
        bytes: 0,
    };
    match layer.kind {
        LayerModelKind::Flatten { rows, cols } => {
            let n = rows * cols;
            kept(
                "Flatten.",
                quote!(#p::Flatten<#rows, #cols>),
                quote!(#p::Flatten),
                quote!(let x = self.#field.forward_one::<#n>(&x);),
            )
        }
        // The other kinds keep their f32 form.
        LayerModelKind::Dropout { units, .. } => kept(
            "Dropout (the identity).",
            quote!(#p::Dropout<#units>),
            quote!(#p::Dropout),
            quote!(let x = self.#field.forward_one(&x);),
        ),
        LayerModelKind::Activation { .. }
        | LayerModelKind::BatchNormalization { .. }
        | LayerModelKind::PReLU { .. }
        | LayerModelKind::Normalization { .. } => {
            let (ty, init, step) = f32_layer(p, layer, file);
            kept("As in the f32 network.", ty, init, step)
        }
        LayerModelKind::Dense {
            inputs,
            units,
            activation,
            ..
        } => {
            let kernel = floats(file, &format!("{field}/kernel"));
            let bias = floats(file, &format!("{field}/bias"));
            let mut q = Vec::with_capacity(inputs * units);
            let mut scales = Vec::with_capacity(units);
            for u in 0..units {
                // The file is row-major (inputs, units): unit u's weights
                // are column u.
                let column: Vec<f32> = (0..inputs)
                    .map(|i| kernel.get(i * units + u).copied().unwrap_or(0.0))
                    .collect();
                let (scale, qs) = quantize_unit(&column);
                scales.push(Literal::f32_suffixed(scale));
                q.extend(qs.iter().map(|&v| v as u8));
            }
            let n = q.len();
            let bytes = n + 8 * units;
            let q = Literal::byte_string(&q);
            let bias = bias.iter().map(|b| Literal::f32_suffixed(*b));
            let act = format_ident!("{}", activation.variant);
            let doc = format!(
                "Dense, {inputs} -> {units}, {}: int8 weights.",
                activation.name
            );
            Int8Layer {
                field: quote!(
                    #[doc = #doc]
                    pub #field: #p::DenseI8<#inputs, #units, #p::activation::#act>,
                ),
                init: quote!(
                    #field: #p::DenseI8::from_parts(
                        // SAFETY: `[u8; IN * OUT]` and `[[i8; IN]; OUT]` have
                        // the same size and alignment, and every byte is a valid i8.
                        unsafe { #p::core::mem::transmute::<[u8; #n], [[i8; #inputs]; #units]>(*#q) },
                        [#(#scales),*],
                        [#(#bias),*],
                    ),
                ),
                step: quote!(let x = self.#field.forward_one(&x);),
                bytes,
            }
        }
    }
}

/// The `<Name>Int8` struct of the model's layers with their weights from
/// `file`, its `WEIGHTS`, and `predict_one`, wired as the float model (the
/// same `expand::forward`, with the int8 layers' steps): from the chain's
/// input to its output, or from `<Name>Inputs` to `<Name>Outputs`.
pub fn int8(krate: &TokenStream, model: &Model, file: &SafeTensors<'_>, rel: &str) -> TokenStream {
    let p = quote!(#krate::__private);
    let (name, vis) = (&model.ident, &model.vis);
    let layers: Vec<Int8Layer> = model
        .layers
        .iter()
        .map(|l| int8_layer(&p, l, file))
        .collect();
    let steps: Vec<TokenStream> = layers.iter().map(|l| l.step.clone()).collect();
    let forward = crate::expand::forward(&p, model, &steps);
    let ident = format_ident!("{}Int8", name);
    let fields = layers.iter().map(|l| &l.field);
    let inits = layers.iter().map(|l| &l.init);
    let bytes_total: usize = layers.iter().map(|l| l.bytes).sum();
    let doc = format!(
        "`{name}` with the int8 weights of `{rel}`, one scale per unit (TensorFlow Lite's \
         per-channel scheme), f32 biases and activations: {bytes_total} bytes. Baked by \
         `#[weights(\"{rel}\", quantize = \"int8\")]`; `static MODEL: {ident} = {ident}::WEIGHTS;` \
         keeps it in read-only memory."
    );
    let doc_weights = format!("The weights of `{rel}`, quantised to int8 at compile time.");
    let doc_predict = format!(
        "One sample through the network, as `{name}::predict_one` but with the int8 weights."
    );
    quote! {
        #[doc = #doc]
        #vis struct #ident {
            #(#fields)*
        }

        impl #ident {
            #[doc = #doc_weights]
            #vis const WEIGHTS: #ident = #ident { #(#inits)* };

            #[doc = #doc_predict]
            #vis fn predict_one(
                &self,
                x: &<#name as #p::Model>::Inputs,
            ) -> <#name as #p::Model>::Outputs {
                #forward
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_unit_scales_and_rounding() {
        let (s, q) = quantize_unit(&[0.3, -0.6, 0.05, 0.6]);
        assert_eq!(s, 0.6 / 127.0);
        assert_eq!(q, [64, -127, 11, 127]);
        assert_eq!(quantize_unit(&[0.0, 0.0]), (0.0, vec![0, 0]));
    }
}
