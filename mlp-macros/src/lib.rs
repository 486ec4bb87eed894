//! The `network!` macro of the `mlp` crate. Use it through `mlp::network!` or
//! `mlp_core::network!`: those wrappers pass this macro the path of the runtime
//! crate, so the expansion works from either crate and in `#![no_std]` crates.
//!
//! The work is split as in serde_derive: `parse` turns tokens into one struct
//! per syntax node (a chain's `Layer -> Layer` or, in `parse_graph`, a
//! graph's `name = Layer(sources);` statements, Keras's Functional API),
//! `validate` checks every rule and collects every error (each spanned on the
//! token at fault) and turns either form into one `model::Model`, a chain
//! being a graph with one input, one output and a straight plan
//! (`validate_graph` holds the graph's own rules: sources, merges, outputs);
//! `expand` writes the struct and its `Model` implementation, with a chain's
//! `Network` or a graph's `<Name>Inputs`/`<Name>Outputs`, through absolute
//! paths into the runtime's hidden `__private` module. `bake` writes the
//! weights of `#[weights("file")]` into a `const` at compile time.

#![warn(missing_docs)]

mod activation_f64;
mod bake;
mod bake_keras;
mod bake_onnx;
mod expand;
mod model;
mod names;
mod parse;
mod parse_graph;
mod quantize;
mod quantize_int;
#[cfg(test)]
mod tests;
mod validate;
mod validate_graph;

use proc_macro::TokenStream;

/// Implementation of `network!`; called by the `network!` wrappers with the
/// runtime crate's path in parentheses first.
#[doc(hidden)]
#[proc_macro]
pub fn network_impl(input: TokenStream) -> TokenStream {
    let mut input = syn::parse_macro_input!(input as parse::MacroInput);
    // `#[weights("file.safetensors")]` is the macro's own attribute.
    let weights = bake::take_attr(&mut input.network.attrs);
    let output = match (validate::validate(&input.network), weights) {
        (Ok(model), Ok(weights)) => {
            let mut output = expand::expand(&input.krate, &model);
            if let Some(weights) = weights {
                output.extend(bake::bake(&input.krate, &model, &weights));
            }
            Ok(output)
        }
        (Err(mut e), Err(more)) => {
            e.combine(more);
            Err(e)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    output.unwrap_or_else(syn::Error::into_compile_error).into()
}
