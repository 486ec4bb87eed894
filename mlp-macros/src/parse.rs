//! Syntax: one struct per node, each implementing `syn::parse::Parse`.
//!
//! ```text
//! MacroInput := "(" runtime-path ")" Network
//! Network    := Attribute* Visibility "struct" Ident "{" Chain "}"
//! Chain      := Layer ("->" Layer)*
//! Layer      := (Ident ":")? Ident (Shape | Args)?
//! Shape      := "[" LitInt ("," LitInt)* ","? "]"
//! Args       := "<" Arg ("," Arg)* ","? ">"
//! Arg        := LitInt | Ident | Ident "=" InitExpr
//! InitExpr   := Ident ("(" (Ident "=")? Number ("," ...)* ")")?
//! ```

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitInt, Token, Visibility, braced, bracketed, parenthesized};

/// What the `network!` wrappers pass: the runtime's path, then the network.
pub struct MacroInput {
    /// `$crate` of `mlp-core`, re-emitted verbatim.
    pub krate: TokenStream,
    /// The user's declaration.
    pub network: Network,
}

impl Parse for MacroInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let content;
        syn::parenthesized!(content in input);
        let krate = content.parse()?;
        Ok(Self {
            krate,
            network: input.parse()?,
        })
    }
}

/// `#[attrs] pub struct Name { chain }`
pub struct Network {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub chain: Vec<Layer>,
    pub brace_span: Span,
}

impl Parse for Network {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let lookahead = input.lookahead1();
        if !lookahead.peek(Token![struct]) {
            return Err(lookahead.error());
        }
        input.parse::<Token![struct]>()?;
        let ident = input.parse()?;
        let content;
        let brace = braced!(content in input);
        if content.is_empty() {
            return Err(syn::Error::new(
                brace.span.join(),
                "a network needs layers: write `Flatten[28, 28] -> Dense<10, softmax>` or `Input[8] -> Dense<1>`",
            ));
        }
        let mut chain = vec![content.parse::<Layer>()?];
        while !content.is_empty() {
            if !content.peek(Token![->]) {
                return Err(
                    content.error("expected `->` between layers, or the end of the network")
                );
            }
            content.parse::<Token![->]>()?;
            if content.is_empty() {
                return Err(content.error("expected a layer after `->`"));
            }
            chain.push(content.parse()?);
        }
        if !input.is_empty() {
            return Err(input.error(
                "unexpected tokens after the network's braces: declare one network per `network!`",
            ));
        }
        Ok(Self {
            attrs,
            vis,
            ident,
            chain,
            brace_span: brace.span.join(),
        })
    }
}

/// `name: Kind[...]` or `Kind<...>`.
pub struct Layer {
    pub name: Option<Ident>,
    pub kind: Ident,
    pub body: LayerBody,
}

/// What follows a layer's kind.
pub enum LayerBody {
    /// `[28, 28]`
    Shape { span: Span, dims: Vec<LitInt> },
    /// `<300, relu, kernel_initializer = he_normal>`
    Args { span: Span, args: Vec<Arg> },
    /// Nothing (an error for every kind, reported by validation).
    Empty,
}

impl Parse for Layer {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if !lookahead.peek(Ident) {
            return Err(syn::Error::new(
                input.span(),
                "expected a layer: `Flatten[28, 28]`, `Input[8]` or `Dense<units, activation>`",
            ));
        }
        let first: Ident = input.parse()?;
        let (name, kind) = if input.peek(Token![:]) && !input.peek(Token![::]) {
            input.parse::<Token![:]>()?;
            let lookahead = input.lookahead1();
            if !lookahead.peek(Ident) {
                return Err(syn::Error::new(
                    input.span(),
                    "expected a layer after its name, such as `Dense<300, relu>`",
                ));
            }
            (Some(first), input.parse()?)
        } else {
            (None, first)
        };
        let body = if input.peek(syn::token::Bracket) {
            let content;
            let bracket = bracketed!(content in input);
            let dims = Punctuated::<LitInt, Token![,]>::parse_terminated(&content)?;
            LayerBody::Shape {
                span: bracket.span.join(),
                dims: dims.into_iter().collect(),
            }
        } else if input.peek(Token![<]) {
            let lt: Token![<] = input.parse()?;
            let mut args = Vec::new();
            loop {
                if input.peek(Token![>]) {
                    break;
                }
                args.push(input.parse()?);
                if input.peek(Token![,]) {
                    input.parse::<Token![,]>()?;
                } else if !input.peek(Token![>]) {
                    return Err(input.error("expected `,` or `>` in the layer's arguments"));
                }
            }
            let gt: Token![>] = input.parse()?;
            let span = lt.span.join(gt.span).unwrap_or(lt.span);
            LayerBody::Args { span, args }
        } else {
            LayerBody::Empty
        };
        Ok(Self { name, kind, body })
    }
}

/// One argument between `<` and `>`.
pub enum Arg {
    /// `300`
    Int(LitInt),
    /// `relu`
    Ident(Ident),
    /// `kernel_initializer = he_normal`
    Option { key: Ident, value: InitExpr },
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if lookahead.peek(LitInt) {
            Ok(Self::Int(input.parse()?))
        } else if lookahead.peek(Ident) {
            let ident: Ident = input.parse()?;
            if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                Ok(Self::Option {
                    key: ident,
                    value: input.parse()?,
                })
            } else {
                Ok(Self::Ident(ident))
            }
        } else {
            Err(syn::Error::new(
                input.span(),
                "expected the number of units, an activation such as `relu`, or an option such as `kernel_initializer = he_normal`",
            ))
        }
    }
}

/// `he_normal`, `constant(0.1)`, `random_normal(mean = 0.0, stddev = 0.05)`.
pub struct InitExpr {
    pub name: Ident,
    pub args: Vec<InitArg>,
    pub span: Span,
}

impl Parse for InitExpr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if !lookahead.peek(Ident) {
            return Err(syn::Error::new(
                input.span(),
                "expected an initializer such as `glorot_uniform` or `zeros`",
            ));
        }
        let name: Ident = input.parse()?;
        let mut span = name.span();
        let mut args = Vec::new();
        if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            span = span.join(paren.span.join()).unwrap_or(span);
            args = Punctuated::<InitArg, Token![,]>::parse_terminated(&content)?
                .into_iter()
                .collect();
        }
        Ok(Self { name, args, span })
    }
}

/// `0.1`, `-0.05` or `stddev = 0.01`.
pub struct InitArg {
    pub key: Option<Ident>,
    pub value: f32,
    pub span: Span,
}

impl Parse for InitArg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let key = if input.peek(Ident) && input.peek2(Token![=]) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Some(key)
        } else {
            None
        };
        let neg: Option<Token![-]> = input.parse()?;
        let lookahead = input.lookahead1();
        let (value, lit_span) = if lookahead.peek(syn::LitFloat) {
            let lit: syn::LitFloat = input.parse()?;
            (lit.base10_parse::<f32>()?, lit.span())
        } else if lookahead.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            (lit.base10_parse::<f32>()?, lit.span())
        } else {
            return Err(lookahead.error());
        };
        let start = key
            .as_ref()
            .map(|k| k.span())
            .or(neg.map(|n| n.span()))
            .unwrap_or(lit_span);
        let span = start.join(lit_span).unwrap_or(lit_span);
        Ok(Self {
            key,
            value: if neg.is_some() { -value } else { value },
            span,
        })
    }
}
