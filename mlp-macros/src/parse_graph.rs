//! Syntax of the graph form (Keras's Functional API), the other body of
//! `parse`'s `Network`:
//!
//! ```text
//! Graph     := Statement+
//! Statement := "output"? Ident "=" Layer Sources? ";"   // a node
//!            | "output" Ident ";"                        // an existing node as an output
//! Sources   := "(" Ident ("," Ident)* ","? ")"
//! ```
//!
//! `Layer` is the chain form's (`Input[5]`, `Dense<30, relu>`,
//! `Concatenate`), with one more option, `name = ident`, Keras's `name=`.
//! A body is in the graph form when its first statement starts with
//! `output` or with `name =`, which a chain never does.

use crate::parse::{Arg, Layer, LayerBody, expected};
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, Token, parenthesized};

/// Whether a network's body (what is between its braces) is in the graph
/// form.
pub fn is_graph(body: &TokenStream) -> bool {
    let mut tokens = body.clone().into_iter();
    match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Ident(first)), _) if first == "output" => true,
        (Some(TokenTree::Ident(_)), Some(TokenTree::Punct(p))) => p.as_char() == '=',
        _ => false,
    }
}

/// One statement: `[output] name = Layer(sources);` or `output name;`.
pub struct Statement {
    /// The `output` keyword, if written.
    pub output: Option<Ident>,
    /// The node's name in the declaration.
    pub binding: Ident,
    /// What it computes; `None` for `output name;`.
    pub def: Option<Def>,
}

/// The right-hand side of `name = Layer(sources)`.
pub struct Def {
    /// The layer as in a chain, without its `name = ...` option.
    pub layer: Layer,
    /// Keras's `name=`: `Dense<30, relu, name = hidden>`.
    pub name: Option<Ident>,
    /// The nodes it reads.
    pub sources: Vec<Ident>,
    /// The parentheses around the sources, if written.
    pub paren: Option<Span>,
}

impl Parse for Statement {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let output = if input.peek(Ident) && input.peek2(Ident) {
            let keyword: Ident = input.parse()?;
            if keyword != "output" {
                return Err(syn::Error::new(
                    keyword.span(),
                    format!(
                        "unexpected `{keyword}`: a node is written `name = Layer(sources);`, \
                         an output `output name = Layer(sources);`"
                    ),
                ));
            }
            Some(keyword)
        } else {
            None
        };
        if !input.peek(Ident) {
            return Err(expected(
                input,
                "a node such as `hidden = Dense<30, relu>(input);`",
            ));
        }
        let binding: Ident = input.parse()?;
        if output.is_some() && input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            return Ok(Self {
                output,
                binding,
                def: None,
            });
        }
        if !input.peek(Token![=]) {
            return Err(expected(
                input,
                &format!("`=` after `{binding}`, as in `{binding} = Dense<30, relu>(input);`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let mut layer: Layer = input.parse()?;
        let mut name = None;
        if let LayerBody::Args { args, .. } = &mut layer.body {
            let mut kept = Vec::with_capacity(args.len());
            for arg in args.drain(..) {
                match arg {
                    Arg::Option { key, value } if key == "name" && value.args.is_empty() => {
                        name = Some(value.name);
                    }
                    other => kept.push(other),
                }
            }
            *args = kept;
        }
        let (sources, paren) = if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            let mut sources = Vec::new();
            while !content.is_empty() {
                if !content.peek(Ident) {
                    return Err(expected(&content, "the name of a node"));
                }
                sources.push(content.parse()?);
                if content.is_empty() {
                    break;
                }
                if !content.peek(Token![,]) {
                    return Err(expected(&content, "`,` between nodes"));
                }
                content.parse::<Token![,]>()?;
            }
            (sources, Some(paren.span.join()))
        } else {
            (Vec::new(), None)
        };
        if !input.peek(Token![;]) {
            return Err(expected(input, &format!("`;` after the node `{binding}`")));
        }
        input.parse::<Token![;]>()?;
        Ok(Self {
            output,
            binding,
            def: Some(Def {
                layer,
                name,
                sources,
                paren,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn tells_graphs_from_chains() {
        assert!(is_graph(&quote!(x = Input[2]; output y = Dense<1>(x);)));
        assert!(is_graph(&quote!(output y;)));
        assert!(!is_graph(&quote!(Input[2] -> Dense<1>)));
        assert!(!is_graph(&quote!(input: Flatten[2, 2] -> Dense<1>)));
        assert!(!is_graph(&quote!()));
    }

    #[test]
    fn takes_keras_name_option_out_of_the_layer() {
        let st: Statement = syn::parse2(quote!(h = Dense<30, relu, name = hidden>(x, y);)).unwrap();
        let def = st.def.unwrap();
        assert_eq!(def.name.unwrap(), "hidden");
        assert_eq!(def.sources.len(), 2);
        let LayerBody::Args { args, .. } = &def.layer.body else {
            panic!("angle brackets")
        };
        assert_eq!(args.len(), 2);
        let st: Statement = syn::parse2(quote!(output h;)).unwrap();
        assert!(st.output.is_some() && st.def.is_none());
        assert!(syn::parse2::<Statement>(quote!(h = Dense<1>(x))).is_err());
    }
}
