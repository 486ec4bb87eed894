//! Writes the struct, its `Model` and its `Network` implementations. Every path goes through
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
    let parts = Parts::of(&p, layers);
    let out = layers.last().map_or(0, LayerModel::output_size);
    let input_size: usize = input_shape.iter().product();
    let input_ty = match input_shape.as_slice() {
        [rows, cols] => quote!(#p::SMatrix<f32, #rows, #cols>),
        _ => quote!(#p::SVector<f32, #input_size>),
    };
    // A chain is a graph with one input, one output and a straight plan.
    let input = "input_layer";
    let mut nodes = vec![quote!(#p::NodeInfo {
        name: #input, kind: #p::NodeKind::Input, inputs: &[], size: #input_size,
    },)];
    let mut previous = input.to_string();
    for (l, layer) in layers.iter().enumerate() {
        let (name, size) = (layer.field.to_string(), layer.output_size());
        nodes.push(quote!(#p::NodeInfo {
            name: #name, kind: #p::NodeKind::Layer(#l), inputs: &[#previous], size: #size,
        },));
        previous = name;
    }
    let steps = &parts.steps;
    let ports = Ports {
        body: quote! {
            type Inputs = #input_ty;
            type Outputs = #p::SVector<f32, #out>;
            type InputSamples = (#input_ty,);
            type OutputSamples = (#p::SVector<f32, #out>,);

            #[inline]
            fn forward_one(&self, x: &Self::Inputs) -> Self::Outputs {
                let x = *x;
                #(#steps)*
                x
            }

            fn outputs_from_rows(rows: &[&[f32]]) -> Self::Outputs {
                #p::SVector::<f32, #out>::from_column_slice(rows[0])
            }
        },
        form: quote!(Sequential),
        inputs: vec![quote!(#p::PortInfo { name: #input, node: #input, size: #input_size },)],
        outputs: vec![quote!(#p::PortInfo { name: #previous, node: #previous, size: #out },)],
        nodes,
    };
    let model_impl = model_items(&p, (attrs, vis, ident), &parts, &ports);

    quote! {
        #model_impl

        impl #p::Network for #ident {
            type Input = #input_ty;
            type Output = #p::SVector<f32, #out>;
            const INPUT_SHAPE: &'static [usize] = &[#(#input_shape),*];
            const INPUT_SIZE: usize = #input_size;
            const OUTPUT_SIZE: usize = #out;
        }
    }
}

/// Each layer's field, row of the layer table and forward step, and the
/// number of parameters: what a chain and a graph expand alike.
pub(crate) struct Parts {
    fields: Vec<TokenStream>,
    table: Vec<TokenStream>,
    pub(crate) steps: Vec<TokenStream>,
    params: usize,
    names: Vec<syn::Ident>,
}

impl Parts {
    pub(crate) fn of(p: &TokenStream, layers: &[LayerModel]) -> Self {
        let mut parts = Self {
            fields: Vec::new(),
            table: Vec::new(),
            steps: Vec::new(),
            params: 0,
            names: Vec::new(),
        };
        for layer in layers {
            let field = &layer.field;
            let layer_name = field.to_string();
            let (ty, kind, step, doc) = layer_parts(p, layer);
            let offset = parts.params;
            parts.fields.push(quote!(#[doc = #doc] pub #field: #ty,));
            parts
                .table
                .push(quote!(#p::LayerInfo { name: #layer_name, kind: #kind, offset: #offset },));
            parts.steps.push(step);
            parts.names.push(field.clone());
            parts.params += layer.params();
        }
        parts
    }
}

/// A model's types and one-sample functions (`body`), form, ports and
/// nodes, as `Model`'s items.
pub(crate) struct Ports {
    pub(crate) body: TokenStream,
    pub(crate) form: TokenStream,
    pub(crate) inputs: Vec<TokenStream>,
    pub(crate) outputs: Vec<TokenStream>,
    pub(crate) nodes: Vec<TokenStream>,
}

/// The struct, its layout check, its `Model` implementation and its
/// `Debug`: the same for a chain and a graph.
pub(crate) fn model_items(
    p: &TokenStream,
    (attrs, vis, ident): (&[syn::Attribute], &syn::Visibility, &syn::Ident),
    parts: &Parts,
    ports: &Ports,
) -> TokenStream {
    let name = ident.to_string();
    let Parts {
        fields,
        table,
        params,
        names,
        ..
    } = parts;
    let Ports {
        body,
        form,
        inputs,
        outputs,
        nodes,
    } = ports;
    let field_strs = names.iter().map(ToString::to_string);
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
            // The `Model` contract: exactly PARAMS f32s, nothing else.
            #p::core::assert!(#p::core::mem::size_of::<#ident>() == #params * 4);
            #p::core::assert!(#p::core::mem::align_of::<#ident>() <= #p::core::mem::align_of::<f32>());
        };

        // SAFETY: #[repr(C)] of zero-sized layers and layers that are
        // #[repr(C)] f32 arrays: PARAMS f32s at the table's offsets, valid
        // when zeroed; the size is asserted above.
        unsafe impl #p::Model for #ident {
            const NAME: &'static str = #name;
            const FORM: #p::Form = #p::Form::#form;
            const INPUTS: &'static [#p::PortInfo] = &[#(#inputs)*];
            const OUTPUTS: &'static [#p::PortInfo] = &[#(#outputs)*];
            const NODES: &'static [#p::NodeInfo] = &[#(#nodes)*];
            const LAYERS: &'static [#p::LayerInfo] = &[#(#table)*];
            const PARAMS: usize = #params;

            #body
        }

        impl #p::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut #p::core::fmt::Formatter<'_>) -> #p::core::fmt::Result {
                f.debug_struct(#name)
                    #(.field(#field_strs, &self.#names))*
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
