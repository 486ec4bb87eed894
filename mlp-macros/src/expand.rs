//! Writes the struct and its `Network` implementation. Every path goes through
//! the runtime's hidden `__private` module, named by the path the wrapper
//! macro passed in.

use crate::validate::{Init, LayerModel, LayerModelKind, Model};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn expand(krate: &TokenStream, model: &Model) -> TokenStream {
    let p = quote!(#krate::__private);
    let Model {
        attrs,
        vis,
        ident,
        input_shape,
        layers,
    } = model;
    let name = ident.to_string();

    let mut offset = 0_usize;
    let mut fields = Vec::new();
    let mut table = Vec::new();
    let mut steps = Vec::new();
    for layer in layers {
        let field = &layer.field;
        let layer_name = field.to_string();
        let (ty, kind, step, doc) = layer_parts(&p, layer);
        fields.push(quote!(#[doc = #doc] pub #field: #ty,));
        table.push(quote!(#p::LayerInfo { name: #layer_name, kind: #kind, offset: #offset },));
        steps.push(step);
        offset += layer.params();
    }
    let params = offset;
    let out = layers.last().map_or(0, LayerModel::output_size);
    let input_size: usize = input_shape.iter().product();
    let input_ty = match input_shape.as_slice() {
        [rows, cols] => quote!(#p::SMatrix<f32, #rows, #cols>),
        _ => quote!(#p::SVector<f32, #input_size>),
    };
    let field_names = layers.iter().map(|l| &l.field);
    let field_strs = layers.iter().map(|l| l.field.to_string());
    let check = format_ident!("_MLP_LAYOUT_OF_{}", name.to_uppercase());

    quote! {
        #(#attrs)*
        #[repr(C)]
        #vis struct #ident {
            #(#fields)*
        }

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        const #check: () = {
            // The `Network` contract: exactly PARAMS f32s, nothing else.
            #p::core::assert!(#p::core::mem::size_of::<#ident>() == #params * 4);
            #p::core::assert!(#p::core::mem::align_of::<#ident>() <= #p::core::mem::align_of::<f32>());
        };

        // SAFETY: #[repr(C)] of zero-sized layers and layers that are
        // #[repr(C)] f32 arrays: PARAMS f32s at the table's offsets, valid
        // when zeroed; the size is asserted above.
        unsafe impl #p::Network for #ident {
            type Input = #input_ty;
            type Output = #p::SVector<f32, #out>;
            const NAME: &'static str = #name;
            const INPUT_SHAPE: &'static [usize] = &[#(#input_shape),*];
            const INPUT_SIZE: usize = #input_size;
            const OUTPUT_SIZE: usize = #out;
            const PARAMS: usize = #params;
            const LAYERS: &'static [#p::LayerInfo] = &[#(#table)*];

            #[inline]
            fn predict_one(&self, x: &Self::Input) -> Self::Output {
                let x = *x;
                #(#steps)*
                x
            }
        }

        impl #p::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut #p::core::fmt::Formatter<'_>) -> #p::core::fmt::Result {
                f.debug_struct(#name)
                    #(.field(#field_strs, &self.#field_names))*
                    .finish()
            }
        }
    }
}

/// The struct field's type, the layer table's `LayerKind`, the forward step
/// (`let x = ...;` from `x`) and the field's doc line of one layer; shared
/// with the graph form.
pub(crate) fn layer_parts(
    p: &TokenStream,
    layer: &LayerModel,
) -> (TokenStream, TokenStream, TokenStream, String) {
    let field = &layer.field;
    let layer_name = field.to_string();
    match &layer.kind {
        LayerModelKind::Flatten { rows, cols } => {
            let n = rows * cols;
            (
                quote!(#p::Flatten<#rows, #cols>),
                quote!(#p::LayerKind::Flatten { rows: #rows, cols: #cols }),
                quote!(let x = self.#field.forward_one::<#n>(&x);),
                format!("`{layer_name}`: Flatten, ({rows}, {cols}) -> {n}"),
            )
        }
        LayerModelKind::Dense {
            inputs,
            units,
            activation,
            kernel,
            bias,
            extras,
        } => {
            let act_ty = format_ident!("{}", activation.variant);
            let act_kind = act_ty.clone();
            let activation = activation.name;
            let (k, b) = (
                function(p, quote!(Initializer), kernel),
                function(p, quote!(Initializer), bias),
            );
            let extra = |i: usize, ty: TokenStream| match &extras[i] {
                Some(f) => {
                    let f = function(p, ty, f);
                    quote!(#p::core::option::Option::Some(#f))
                }
                None => quote!(#p::core::option::Option::None),
            };
            let (kr, br) = (extra(0, quote!(Regularizer)), extra(1, quote!(Regularizer)));
            let (kc, bc) = (extra(2, quote!(Constraint)), extra(3, quote!(Constraint)));
            (
                quote!(#p::Dense<#inputs, #units, #p::activation::#act_ty>),
                quote!(#p::LayerKind::Dense {
                    inputs: #inputs,
                    units: #units,
                    activation: #p::ActivationKind::#act_kind,
                    kernel_initializer: #k,
                    bias_initializer: #b,
                    options: #p::DenseOptions {
                        kernel_regularizer: #kr,
                        bias_regularizer: #br,
                        kernel_constraint: #kc,
                        bias_constraint: #bc,
                    },
                }),
                quote!(let x = self.#field.forward_one(&x);),
                format!("`{layer_name}`: Dense, {inputs} -> {units}, {activation}"),
            )
        }
        LayerModelKind::Dropout { units, rate } => {
            let r = float(p, *rate);
            (
                quote!(#p::Dropout<#units>),
                quote!(#p::LayerKind::Dropout { units: #units, rate: #r }),
                quote!(let x = self.#field.forward_one(&x);),
                format!("`{layer_name}`: Dropout, rate {rate}"),
            )
        }
        LayerModelKind::BatchNormalization {
            units,
            momentum,
            epsilon,
        } => {
            let (m, e) = (float(p, *momentum), float(p, *epsilon));
            (
                quote!(#p::BatchNormalization<#units>),
                quote!(#p::LayerKind::BatchNormalization {
                    units: #units,
                    momentum: #m,
                    epsilon: #e,
                }),
                quote!(let x = self.#field.forward_one(&x, #e);),
                format!("`{layer_name}`: BatchNormalization, {units} features"),
            )
        }
        LayerModelKind::Activation {
            units,
            kind,
            settings,
        } => {
            let function = elementwise(p, kind, settings);
            (
                quote!(#p::ActivationLayer<#units>),
                quote!(#p::LayerKind::Activation { units: #units, function: #function }),
                quote!(let x = self.#field.forward_one(&x, #function);),
                format!("`{layer_name}`: {kind}"),
            )
        }
        LayerModelKind::PReLU { units, alpha } => {
            let a = function(p, quote!(Initializer), alpha);
            (
                quote!(#p::PReLU<#units>),
                quote!(#p::LayerKind::PReLU { units: #units, alpha_initializer: #a }),
                quote!(let x = self.#field.forward_one(&x);),
                format!("`{layer_name}`: PReLU, {units} slopes"),
            )
        }
        LayerModelKind::Normalization { units } => (
            quote!(#p::Normalization<#units>),
            quote!(#p::LayerKind::Normalization { units: #units }),
            quote!(let x = self.#field.forward_one(&x);),
            format!("`{layer_name}`: Normalization, {units} features"),
        ),
    }
}

/// `Elementwise::ReLU { max_value: .., .. }` for an activation layer of
/// kind `kind` with its settings in the shared table's order.
pub fn elementwise(p: &TokenStream, kind: &str, settings: &[f32]) -> TokenStream {
    let variant = format_ident!("{}", kind);
    let fields = mlp_spec::settings(kind)
        .iter()
        .zip(settings)
        .map(|((name, _), v)| {
            let name = format_ident!("{}", name);
            let v = float(p, *v);
            quote!(#name: #v)
        });
    quote!(#p::Elementwise::#variant { #(#fields),* })
}

/// An `f32` literal, or the constant for infinity (Keras's `None` bound).
fn float(p: &TokenStream, v: f32) -> TokenStream {
    if v == f32::INFINITY {
        quote!(#p::core::f32::INFINITY)
    } else {
        quote!(#v)
    }
}

/// `Initializer::Variant { param: value, ... }` (or a `Regularizer`, a
/// `Constraint`), from the shared table: the validated name always has a
/// variant, so nothing falls back.
fn function(p: &TokenStream, ty: TokenStream, init: &Init) -> TokenStream {
    let variant = format_ident!("{}", init.spec.variant);
    if init.spec.params.is_empty() {
        return quote!(#p::#ty::#variant);
    }
    let fields = init
        .spec
        .params
        .iter()
        .zip(&init.args)
        .map(|((param, _), value)| {
            let param = format_ident!("{}", param);
            quote!(#param: #value)
        });
    quote!(#p::#ty::#variant { #(#fields),* })
}
