//! Writes a graph's struct (one field per layer, as a chain's), its inputs
//! and outputs structs (`<Name>Inputs`, `<Name>Outputs`, a field per
//! declared input and output), and its `Model` and `Graph` implementations.

use crate::expand::{Parts, Ports, model_items};
use crate::validate_graph::{GraphModel, Merge, NodeModelKind};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

pub fn expand(krate: &TokenStream, model: &GraphModel) -> TokenStream {
    let p = quote!(#krate::__private);
    let GraphModel {
        attrs,
        vis,
        ident,
        nodes,
        layers,
        outputs,
    } = model;
    let name = ident.to_string();
    let inputs_ty = format_ident!("{}Inputs", ident);
    let outputs_ty = format_ident!("{}Outputs", ident);

    let parts = Parts::of(&p, layers);
    let steps = &parts.steps;

    let mut input_fields = Vec::new();
    let mut input_ports = Vec::new();
    let mut node_table = Vec::new();
    for node in nodes {
        let (width, node_name) = (node.width, &node.name);
        let source_names = node.sources.iter().map(|&s| nodes[s].name.as_str());
        let kind = match &node.kind {
            NodeModelKind::Input => {
                let field = &node.binding;
                let doc = format!("The input `{field}`: {width} features.");
                input_fields.push(quote!(#[doc = #doc] pub #field: #p::SVector<f32, #width>,));
                input_ports.push(
                    quote!(#p::PortInfo { name: #node_name, node: #node_name, size: #width },),
                );
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
    let output_fields = outputs.iter().map(|(field, n)| {
        let width = nodes[*n].width;
        let doc = format!("The output `{field}`: {width} values.");
        quote!(#[doc = #doc] pub #field: #p::SVector<f32, #width>,)
    });
    let output_ports = outputs.iter().map(|(field, n)| {
        let (field, node, size) = (field.to_string(), &nodes[*n].name, nodes[*n].width);
        quote!(#p::PortInfo { name: #field, node: #node, size: #size },)
    });
    let inputs_doc = format!("One sample of every input of [`{name}`], by name.");
    let outputs_doc = format!("What [`{name}`] computes for one sample, by output name.");
    let input_samples = nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeModelKind::Input))
        .map(|n| {
            let w = n.width;
            quote!(#p::SVector<f32, #w>,)
        });
    let output_samples = outputs.iter().map(|(_, n)| {
        let w = nodes[*n].width;
        quote!(#p::SVector<f32, #w>,)
    });
    let from_rows = outputs.iter().enumerate().map(|(k, (field, n))| {
        let w = nodes[*n].width;
        quote!(#field: #p::SVector::<f32, #w>::from_column_slice(rows[#k]),)
    });
    let forward = forward(&p, model, steps, &outputs_ty);
    let ports = Ports {
        body: quote! {
            type Inputs = #inputs_ty;
            type Outputs = #outputs_ty;
            type InputSamples = (#(#input_samples)*);
            type OutputSamples = (#(#output_samples)*);

            #[inline]
            fn forward_one(&self, x: &Self::Inputs) -> Self::Outputs {
                #forward
            }

            fn outputs_from_rows(rows: &[&[f32]]) -> Self::Outputs {
                #outputs_ty { #(#from_rows)* }
            }
        },
        form: quote!(Functional),
        inputs: input_ports,
        outputs: output_ports.collect(),
        nodes: node_table,
    };
    let model_impl = model_items(&p, (attrs, vis, ident), &parts, &ports);

    quote! {
        #model_impl

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
    }
}

/// The body of a graph's `forward_one(&self, x: &Inputs) -> Outputs`: one
/// local per node, each layer's node running `steps[layer]` (a step turns
/// `x` into the layer's output, reading `self.<field>`), merges written out,
/// and the outputs struct `outputs_ty` built from the output nodes. The
/// float graph and its int8 bake (`quantize.rs`) share it.
pub fn forward(
    p: &TokenStream,
    model: &GraphModel,
    steps: &[TokenStream],
    outputs_ty: &Ident,
) -> TokenStream {
    let nodes = &model.nodes;
    let local = |i: usize| format_ident!("__node_{}", i);
    let mut forward = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let x = local(i);
        let width = node.width;
        let sources: Vec<_> = node.sources.iter().map(|&s| local(s)).collect();
        let value = match &node.kind {
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
    let output_values = model.outputs.iter().map(|(field, n)| {
        let x = local(*n);
        quote!(#field: #x,)
    });
    quote! {
        #(#forward)*
        #outputs_ty { #(#output_values)* }
    }
}
