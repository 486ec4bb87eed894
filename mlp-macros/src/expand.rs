//! Writes the struct, its `Model` implementation and what its form adds: a
//! chain's `Network` implementation, or a graph's inputs and outputs
//! structs (`<Name>Inputs`, `<Name>Outputs`, a field per declared input and
//! output) and `Graph` implementation. A chain is expanded as the graph it
//! is lowered to (`model.rs`); only its input and output types differ: its
//! one input's (`SMatrix` after `Flatten[28, 28]`, else `SVector`) and its
//! one output's, in place of the structs. Every path goes through the
//! runtime's hidden `__private` module, named by the path the wrapper macro
//! passed in.

use crate::model::{Init, LayerModel, LayerModelKind, Merge, Model, NodeModelKind};
use mlp_spec::Field;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn expand(krate: &TokenStream, model: &Model) -> TokenStream {
    let p = quote!(#krate::__private);
    let Model {
        attrs,
        vis,
        ident,
        chain_input,
        nodes,
        layers,
        outputs,
    } = model;
    let name = ident.to_string();
    let Parts {
        fields,
        table,
        steps,
        params,
    } = Parts::of(&p, layers);
    let names = layers.iter().map(|layer| &layer.field);
    let field_strs = layers.iter().map(|layer| layer.field.to_string());
    let check = format_ident!("_MLP_LAYOUT_OF_{}", name.to_uppercase());
    let (inputs_ty, outputs_ty) = (
        format_ident!("{}Inputs", ident),
        format_ident!("{}Outputs", ident),
    );

    let mut input_fields = Vec::new();
    let mut input_ports = Vec::new();
    let mut input_types = Vec::new();
    let mut node_table = Vec::new();
    for node in nodes {
        let (width, node_name) = (node.width, &node.name);
        let source_names = node.sources.iter().map(|&s| nodes[s].name.as_str());
        let kind = match &node.kind {
            NodeModelKind::Input => {
                let field = &node.binding;
                let ty = match chain_input.as_deref() {
                    Some([rows, cols]) => quote!(#p::SMatrix<f32, #rows, #cols>),
                    _ => quote!(#p::SVector<f32, #width>),
                };
                let doc = format!("The input `{field}`: {width} features.");
                input_fields.push(quote!(#[doc = #doc] pub #field: #ty,));
                input_ports.push(
                    quote!(#p::PortInfo { name: #node_name, node: #node_name, size: #width },),
                );
                input_types.push(ty);
                quote!(#p::NodeKind::Input)
            }
            NodeModelKind::Layer(l) => quote!(#p::NodeKind::Layer(#l)),
            NodeModelKind::Merge(merge) => {
                let variant = format_ident!("{}", merge.class_name());
                quote!(#p::NodeKind::#variant)
            }
        };
        node_table.push(quote!(#p::NodeInfo {
            name: #node_name,
            kind: #kind,
            inputs: &[#(#source_names),*],
            size: #width,
        },));
    }
    let output_types: Vec<TokenStream> = outputs
        .iter()
        .map(|(_, n)| {
            let width = nodes[*n].width;
            quote!(#p::SVector<f32, #width>)
        })
        .collect();
    let output_ports = outputs.iter().map(|(field, n)| {
        let (field, node, size) = (field.to_string(), &nodes[*n].name, nodes[*n].width);
        quote!(#p::PortInfo { name: #field, node: #node, size: #size },)
    });
    let from_rows = outputs.iter().enumerate().map(|(k, (_, n))| {
        let w = nodes[*n].width;
        quote!(#p::SVector::<f32, #w>::from_column_slice(rows[#k]))
    });
    let from_rows = outputs_value(model, from_rows.collect());
    let forward = forward(&p, model, &steps);

    // What the form adds: a chain's typed input and output and `Network`;
    // a graph's structs of named inputs and outputs and `Graph`.
    let (inputs, outputs_one, form, items) = match chain_input {
        Some(input_shape) => {
            let (input_ty, output_ty) = (&input_types[0], &output_types[0]);
            let (input_size, out) = (nodes[0].width, nodes[outputs[0].1].width);
            let items = quote! {
                impl #p::Network for #ident {
                    type Input = #input_ty;
                    type Output = #output_ty;
                    const INPUT_SHAPE: &'static [usize] = &[#(#input_shape),*];
                    const INPUT_SIZE: usize = #input_size;
                    const OUTPUT_SIZE: usize = #out;
                }
            };
            (
                input_ty.clone(),
                output_ty.clone(),
                quote!(Sequential),
                items,
            )
        }
        None => {
            let output_fields = outputs.iter().zip(&output_types).map(|((field, n), ty)| {
                let width = nodes[*n].width;
                let doc = format!("The output `{field}`: {width} values.");
                quote!(#[doc = #doc] pub #field: #ty,)
            });
            let inputs_doc = format!("One sample of every input of [`{name}`], by name.");
            let outputs_doc = format!("What [`{name}`] computes for one sample, by output name.");
            let items = quote! {
                #[doc = #inputs_doc]
                #[derive(Clone, Copy, Debug, PartialEq)]
                #vis struct #inputs_ty {
                    #(#input_fields)*
                }

                #[doc = #outputs_doc]
                #[derive(Clone, Copy, Debug, PartialEq)]
                #vis struct #outputs_ty {
                    #(#output_fields)*
                }

                impl #p::Graph for #ident {}
            };
            (
                quote!(#inputs_ty),
                quote!(#outputs_ty),
                quote!(Functional),
                items,
            )
        }
    };

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
            const INPUTS: &'static [#p::PortInfo] = &[#(#input_ports)*];
            const OUTPUTS: &'static [#p::PortInfo] = &[#(#output_ports)*];
            const NODES: &'static [#p::NodeInfo] = &[#(#node_table)*];
            const LAYERS: &'static [#p::LayerInfo] = &[#(#table)*];
            const PARAMS: usize = #params;

            type Inputs = #inputs;
            type Outputs = #outputs_one;
            type InputSamples = (#(#input_types,)*);
            type OutputSamples = (#(#output_types,)*);

            #[inline]
            fn forward_one(&self, x: &Self::Inputs) -> Self::Outputs {
                #forward
            }

            fn outputs_from_rows(rows: &[&[f32]]) -> Self::Outputs {
                #from_rows
            }
        }

        impl #p::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut #p::core::fmt::Formatter<'_>) -> #p::core::fmt::Result {
                f.debug_struct(#name)
                    #(.field(#field_strs, &self.#names))*
                    .finish()
            }
        }

        #items
    }
}

/// What a model returns, from one value per declared output: a chain's one
/// value, or a graph's `<Name>Outputs` with a field per output.
fn outputs_value(model: &Model, values: Vec<TokenStream>) -> TokenStream {
    if model.chain_input.is_some() {
        return quote!(#(#values)*);
    }
    let outputs_ty = format_ident!("{}Outputs", model.ident);
    let fields = model.outputs.iter().map(|(field, _)| field);
    quote!(#outputs_ty { #(#fields: #values,)* })
}

/// The body of `forward_one(&self, x: &Inputs) -> Outputs`: one local per
/// node, each layer's node running `steps[layer]` (a step turns `x` into
/// the layer's output, reading `self.<field>`), merges written out, and the
/// outputs (`outputs_value`) from the output nodes. A chain's input is `x`
/// itself, a graph's a field of `x`. The float model and its int8 bake
/// (`quantize.rs`) share it.
pub fn forward(p: &TokenStream, model: &Model, steps: &[TokenStream]) -> TokenStream {
    let nodes = &model.nodes;
    let local = |i: usize| format_ident!("__node_{}", i);
    let mut forward = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let x = local(i);
        let width = node.width;
        let sources: Vec<_> = node.sources.iter().map(|&s| local(s)).collect();
        let value = match &node.kind {
            NodeModelKind::Input if model.chain_input.is_some() => quote!(*x),
            NodeModelKind::Input => {
                let field = &node.binding;
                quote!(x.#field)
            }
            NodeModelKind::Layer(l) => {
                let (step, source) = (&steps[*l], &sources[0]);
                quote!({ let x = #source; #step x })
            }
            NodeModelKind::Merge(Merge::Concatenate) => {
                let mut at = 0_usize;
                let copies: Vec<_> = node
                    .sources
                    .iter()
                    .zip(&sources)
                    .map(|(&s, src)| {
                        let (start, end) = (at, at + nodes[s].width);
                        at = end;
                        quote!(out.as_mut_slice()[#start..#end].copy_from_slice(#src.as_slice());)
                    })
                    .collect();
                quote!({
                    let mut out = #p::SVector::<f32, #width>::zeros();
                    #(#copies)*
                    out
                })
            }
            NodeModelKind::Merge(Merge::Add) => quote!(#(#sources)+*),
            NodeModelKind::Merge(Merge::Average) => {
                let n = sources.len() as f32;
                quote!((#(#sources)+*) / #n)
            }
        };
        forward.push(quote!(let #x = #value;));
    }
    let outputs = outputs_value(
        model,
        model
            .outputs
            .iter()
            .map(|(_, n)| {
                let x = local(*n);
                quote!(#x)
            })
            .collect(),
    );
    quote! {
        #(#forward)*
        #outputs
    }
}

/// Each layer's field, row of the layer table and forward step, and the
/// number of parameters.
#[derive(Default)]
struct Parts {
    fields: Vec<TokenStream>,
    table: Vec<TokenStream>,
    steps: Vec<TokenStream>,
    params: usize,
}

impl Parts {
    /// The parts of every layer, from its kind's fields: the struct field's
    /// type is the kind's typed layer with the kind's sizes and a Dense
    /// layer's activation as generics, in order; the table's `LayerKind` is
    /// the kind with every field; the step is `let x = ...;` from `x`.
    fn of(p: &TokenStream, layers: &[LayerModel]) -> Self {
        let mut parts = Self::default();
        for LayerModel { field, kind } in layers {
            let (name, offset) = (field.to_string(), parts.params);
            let doc = format!(
                "`{name}`: {}, {} -> {}",
                kind.declaration(),
                kind.inputs(),
                kind.units()
            );
            let mut generics = Vec::new();
            let mut values = Vec::new();
            for (key, value) in kind.fields() {
                let value = match value {
                    Field::Size(n) => {
                        generics.push(quote!(#n));
                        quote!(#n)
                    }
                    Field::Number(v) => float(p, v),
                    Field::Activation(activation) => {
                        let variant = format_ident!("{}", activation.variant);
                        generics.push(quote!(#p::activation::#variant));
                        quote!(#p::ActivationKind::#variant)
                    }
                    Field::Init(init) => function(p, quote!(Initializer), init),
                    Field::Options(options) => dense_options(p, kind, options),
                    Field::Function((f, settings)) => elementwise(p, f, settings),
                };
                let key = format_ident!("{key}");
                values.push(quote!(#key: #value));
            }
            let (ty, variant) = (
                format_ident!("{}", kind.type_name()),
                format_ident!("{}", kind.kind_name()),
            );
            parts
                .fields
                .push(quote!(#[doc = #doc] pub #field: #p::#ty<#(#generics),*>,));
            let kind_tokens = quote!(#p::LayerKind::#variant { #(#values),* });
            parts
                .table
                .push(quote!(#p::LayerInfo { name: #name, kind: #kind_tokens, offset: #offset },));
            let forward = forward_one(p, kind);
            parts.steps.push(quote!(let x = self.#field.#forward;));
            parts.params += kind.params();
        }
        parts
    }
}

/// A layer's `forward_one` call on `x`, with the settings its typed layer
/// does not hold (and Flatten's output size).
fn forward_one(p: &TokenStream, kind: &LayerModelKind) -> TokenStream {
    match kind {
        LayerModelKind::Flatten { rows, cols } => {
            let n = rows * cols;
            quote!(forward_one::<#n>(&x))
        }
        LayerModelKind::BatchNormalization { epsilon, .. } => {
            let epsilon = float(p, *epsilon);
            quote!(forward_one(&x, #epsilon))
        }
        LayerModelKind::Activation {
            function: (f, settings),
            ..
        } => {
            let f = elementwise(p, f, settings);
            quote!(forward_one(&x, #f))
        }
        _ => quote!(forward_one(&x)),
    }
}

/// `DenseOptions { kernel_regularizer: .., .. }`: the options of the Dense
/// row after its two initializers, in order.
fn dense_options(p: &TokenStream, kind: &LayerModelKind, options: &[Option<Init>]) -> TokenStream {
    let names = kind.row().map_or(&[][..], |row| &row.options[2..]);
    let each = options.iter().zip(names).map(|(option, name)| {
        let field = format_ident!("{name}");
        let value = match option {
            Some(f) if name.ends_with("regularizer") => function(p, quote!(Regularizer), f),
            Some(f) => function(p, quote!(Constraint), f),
            None => return quote!(#field: #p::core::option::Option::None),
        };
        quote!(#field: #p::core::option::Option::Some(#value))
    });
    quote!(#p::DenseOptions { #(#each),* })
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
