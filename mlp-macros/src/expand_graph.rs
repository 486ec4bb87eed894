//! Writes a graph's struct (one field per layer, as a chain's), its inputs
//! and outputs structs (`<Name>Inputs`, `<Name>Outputs`, a field per
//! declared input and output), and its `Model` and `Graph` implementations.

use crate::expand::{Parts, Ports, model_items};
use crate::validate_graph::{GraphModel, Merge, NodeModelKind};
use proc_macro2::TokenStream;
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
    let local = |i: usize| format_ident!("__node_{}", i);

    let parts = Parts::of(&p, layers);
    let steps = &parts.steps;

    let mut input_fields = Vec::new();
    let mut input_ports = Vec::new();
    let mut node_table = Vec::new();
    let mut forward = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        let x = local(i);
        let (width, node_name) = (node.width, &node.name);
        let sources: Vec<_> = node.sources.iter().map(|&s| local(s)).collect();
        let source_names = node.sources.iter().map(|&s| nodes[s].name.as_str());
        let kind = match &node.kind {
            NodeModelKind::Input => {
                let field = &node.binding;
                let doc = format!("The input `{field}`: {width} features.");
                input_fields.push(quote!(#[doc = #doc] pub #field: #p::SVector<f32, #width>,));
                input_ports.push(
                    quote!(#p::PortInfo { name: #node_name, node: #node_name, size: #width },),
                );
                forward.push(quote!(let #x = x.#field;));
                quote!(#p::NodeKind::Input)
            }
            NodeModelKind::Layer(l) => {
                let step = &steps[*l];
                let source = &sources[0];
                forward.push(quote!(let #x = { let x = #source; #step x };));
                quote!(#p::NodeKind::Layer(#l))
            }
            NodeModelKind::Merge(merge) => {
                let n = sources.len() as f32;
                let value = match merge {
                    Merge::Concatenate => {
                        let mut at = 0_usize;
                        let copies = node.sources.iter().zip(&sources).map(|(&s, src)| {
                            let (start, end) = (at, at + nodes[s].width);
                            at = end;
                            quote!(out.as_mut_slice()[#start..#end].copy_from_slice(#src.as_slice());)
                        });
                        let copies: Vec<_> = copies.collect();
                        quote!({
                            let mut out = #p::SVector::<f32, #width>::zeros();
                            #(#copies)*
                            out
                        })
                    }
                    Merge::Add => quote!(#(#sources)+*),
                    Merge::Average => quote!((#(#sources)+*) / #n),
                };
                forward.push(quote!(let #x = #value;));
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
    let output_values = outputs.iter().map(|(field, n)| {
        let x = local(*n);
        quote!(#field: #x,)
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
    let ports = Ports {
        body: quote! {
            type Inputs = #inputs_ty;
            type Outputs = #outputs_ty;
            type InputSamples = (#(#input_samples)*);
            type OutputSamples = (#(#output_samples)*);

            #[inline]
            fn forward_one(&self, x: &Self::Inputs) -> Self::Outputs {
                #(#forward)*
                #outputs_ty { #(#output_values)* }
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
