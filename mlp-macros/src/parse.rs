//! Syntax: one struct per node, each implementing `syn::parse::Parse`.
//!
//! ```text
//! MacroInput := "(" runtime-path ")" Network
//! Network    := Attribute* Visibility "struct" Ident "{" (Chain | Graph) "}"
//! Chain      := Layer ("->" Layer)*
//! Layer      := (Ident ":")? Ident (Shape | Args)?
//! Shape      := "[" LitInt ("," LitInt)* ","? "]"
//! Args       := "<" Arg ("," Arg)* ","? ">"
//! Arg        := LitInt | Number | Ident | Ident "=" (Number | InitExpr)
//! Number     := "-"? (LitFloat | LitInt)
//! InitExpr   := Ident ("(" (Ident "=")? Number ("," ...)* ")")?
//! ```
//!
//! The layer kinds (`mlp_spec::LAYERS`) and what each takes; numbers without
//! a name come first, in the order shown, then `name = value` in any order:
//!
//! ```text
//! Input[8]                      first layer only: a vector of 8 features
//! Flatten[28, 28]               first layer only: a 28x28 image, flattened
//! Dense<300, relu, kernel_initializer = he_normal, bias_initializer = zeros,
//!       kernel_regularizer = l2(0.01), bias_regularizer = l1(0.01),
//!       kernel_constraint = max_norm(2.0), bias_constraint = non_neg>
//!                               units first (required), then the activation
//!                               (default `linear`), then options; regularizers
//!                               `l1(l1)`, `l2(l2)`, `l1_l2(l1 = .., l2 = ..)`
//!                               with factors >= 0; constraints `max_norm(max_value)`
//!                               with max_value > 0, `non_neg`
//! Dropout<0.2>                  or `Dropout<rate = 0.2>`; rate in [0, 1), required
//! BatchNormalization            or `BatchNormalization<momentum = 0.9, epsilon = 0.001>`;
//!                               momentum in [0, 1] (default 0.99), epsilon > 0 (1e-3)
//! ReLU                          or `ReLU<max_value = 6.0, negative_slope = 0.0, threshold = 0.0>`,
//!                               each >= 0 (max_value unbounded by default)
//! LeakyReLU                     or `LeakyReLU<0.2>`, `LeakyReLU<negative_slope = 0.2>`;
//!                               >= 0, Keras 3's default 0.3
//! ELU                           or `ELU<alpha = 1.0>`
//! PReLU                         or `PReLU<alpha_initializer = constant(0.25)>`;
//!                               the slopes start at `zeros` by default
//! ```
//!
//! The last layer is a Dense layer (the loss reads its activation).
//!
//! A syntax error stops parsing (syn reports the first one); each says what
//! was expected and what was found, on the token at fault.

use crate::parse_graph::Statement;
use proc_macro2::{Delimiter, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitInt, Token, Visibility, braced, bracketed, parenthesized};

/// The first and last token of a run, so that an error underlines all of it
/// (`Span::join` is not available to proc macros on stable Rust; rustc joins
/// the two spans of a `compile_error!` itself).
#[derive(Clone, Copy, Debug)]
pub struct Spans {
    pub start: Span,
    pub end: Span,
}

impl Spans {
    pub fn new(start: Span, end: Span) -> Self {
        Self { start, end }
    }
}

impl From<Span> for Spans {
    fn from(span: Span) -> Self {
        Self::new(span, span)
    }
}

impl ToTokens for Spans {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        for span in [self.start, self.end] {
            let mut punct = Punct::new('.', Spacing::Alone);
            punct.set_span(span);
            tokens.append(punct);
        }
    }
}

/// What the next token is, for "expected ..., found ..." messages.
pub fn found(input: ParseStream) -> String {
    if input.peek(Token![->]) {
        return "`->`".into();
    }
    match input.cursor().token_tree() {
        None => "nothing".into(),
        Some((TokenTree::Group(group), _)) => match group.delimiter() {
            Delimiter::Parenthesis => "`(...)`".into(),
            Delimiter::Bracket => "`[...]`".into(),
            Delimiter::Brace => "`{...}`".into(),
            Delimiter::None => format!("`{}`", group.stream()),
        },
        Some((token, _)) => format!("`{token}`"),
    }
}

/// An error on the next token (or, at the end of a group, on its closing
/// delimiter): "expected ..., found ...".
pub fn expected(input: ParseStream, what: &str) -> syn::Error {
    if input.is_empty() {
        // syn says "unexpected end of input, " first.
        return input.error(format!("expected {what}"));
    }
    let found = found(input);
    input.error(format!("expected {what}, found {found}"))
}

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

/// `#[attrs] pub struct Name { body }`
pub struct Network {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub body: Body,
    pub brace_span: Span,
}

/// What is between the braces: a chain or a graph's statements
/// (`parse_graph.rs`).
pub enum Body {
    Chain(Vec<Layer>),
    Graph(Vec<Statement>),
}

impl Parse for Network {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        if !input.peek(Token![struct]) {
            return Err(expected(
                input,
                "`struct Name { ... }`, as in `pub struct FashionMlp { Flatten[28, 28] -> Dense<10, softmax> }`",
            ));
        }
        input.parse::<Token![struct]>()?;
        if !input.peek(Ident) {
            return Err(expected(input, "the network's name after `struct`"));
        }
        let ident = input.parse()?;
        if !input.peek(syn::token::Brace) {
            return Err(expected(
                input,
                "the layers in braces, as in `{ Input[8] -> Dense<1> }`",
            ));
        }
        let content;
        let brace = braced!(content in input);
        let body = if crate::parse_graph::is_graph(&content.fork().parse()?) {
            let mut statements = Vec::new();
            while !content.is_empty() {
                statements.push(content.parse()?);
            }
            Body::Graph(statements)
        } else {
            Body::Chain(chain(&content, brace.span.join())?)
        };
        if !input.is_empty() {
            return Err(input.error(
                "unexpected tokens after the network's braces: declare one network per `network!`",
            ));
        }
        Ok(Self {
            attrs,
            vis,
            ident,
            body,
            brace_span: brace.span.join(),
        })
    }
}

/// `Layer ("->" Layer)*`, the braces' `content` of a chain (`brace` their
/// span).
fn chain(content: ParseStream, brace: Span) -> syn::Result<Vec<Layer>> {
    if content.is_empty() {
        return Err(syn::Error::new(
            brace,
            "a network needs layers: write `Flatten[28, 28] -> Dense<10, softmax>` or `Input[8] -> Dense<1>`",
        ));
    }
    let mut chain = vec![content.parse::<Layer>()?];
    while !content.is_empty() {
        if content.peek(Token![;]) || content.peek(Token![,]) {
            let found = found(content);
            return Err(content.error(format!(
                "unexpected {found}: layers are joined with `->` and the chain ends at `}}`; remove the {found}"
            )));
        }
        if content.peek(Ident) {
            let found = found(content);
            return Err(content.error(format!(
                "expected `->` between layers, found {found}: write `->` before {found}"
            )));
        }
        if !content.peek(Token![->]) {
            return Err(expected(
                content,
                "`->` between layers, or the end of the network",
            ));
        }
        let arrow: Token![->] = content.parse()?;
        if content.is_empty() {
            return Err(syn::Error::new_spanned(
                arrow,
                "expected a layer after `->`, found the end of the network: remove the trailing `->`",
            ));
        }
        if content.peek(Token![->]) {
            let second: Token![->] = content.parse()?;
            return Err(syn::Error::new_spanned(
                second,
                "expected a layer after `->`, found another `->`: remove one of them",
            ));
        }
        chain.push(content.parse()?);
    }
    Ok(chain)
}

/// `name: Kind[...]` or `Kind<...>`.
pub struct Layer {
    pub name: Option<Ident>,
    pub kind: Ident,
    pub body: LayerBody,
    /// From the name (or kind) to the end of the body.
    pub span: Spans,
}

/// What follows a layer's kind.
pub enum LayerBody {
    /// `[28, 28]`
    Shape { span: Span, dims: Vec<LitInt> },
    /// `<300, relu, kernel_initializer = he_normal>`
    Args { span: Spans, args: Vec<Arg> },
    /// Nothing (an error for every kind, reported by validation).
    Empty,
}

impl Parse for Layer {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if !input.peek(Ident) {
            return Err(expected(
                input,
                "a layer such as `Flatten[28, 28]`, `Input[8]` or `Dense<300, relu>`",
            ));
        }
        let first: Ident = input.parse()?;
        let (name, kind) = if input.peek(Token![:]) && !input.peek(Token![::]) {
            input.parse::<Token![:]>()?;
            if !input.peek(Ident) {
                let what = format!(
                    "a layer after its name `{first}:`, such as `{first}: Dense<300, relu>`"
                );
                return Err(expected(input, &what));
            }
            (Some(first), input.parse()?)
        } else {
            (None, first)
        };
        let start = name.as_ref().unwrap_or(&kind).span();
        let (body, end) = if input.peek(syn::token::Bracket) {
            let content;
            let bracket = bracketed!(content in input);
            let mut dims = Vec::new();
            while !content.is_empty() {
                if !content.peek(LitInt) && kind != "Flatten" && kind != "Input" {
                    // `Dropout[0.2]`: arguments in the wrong brackets.
                    return Err(syn::Error::new(
                        bracket.span.join(),
                        format!(
                            "square brackets declare the input shape of `Flatten` or `Input`: \
                             `{kind}` takes its arguments in angle brackets, as in `{kind}<...>`"
                        ),
                    ));
                }
                if !content.peek(LitInt) {
                    return Err(expected(
                        &content,
                        "a dimension (a whole number such as `28`)",
                    ));
                }
                dims.push(content.parse()?);
                if content.is_empty() {
                    break;
                }
                if !content.peek(Token![,]) {
                    return Err(expected(
                        &content,
                        "`,` between dimensions, as in `[28, 28]`",
                    ));
                }
                content.parse::<Token![,]>()?;
            }
            let span = bracket.span.join();
            (LayerBody::Shape { span, dims }, span)
        } else if input.peek(Token![<]) {
            let lt: Token![<] = input.parse()?;
            let mut args = Vec::new();
            let unclosed = || {
                syn::Error::new_spanned(
                    lt,
                    format!("`{kind}<` is never closed: add `>` after its arguments"),
                )
            };
            loop {
                if input.peek(Token![>]) {
                    break;
                }
                if input.is_empty() {
                    return Err(unclosed());
                }
                args.push(input.parse()?);
                if input.peek(Token![,]) {
                    input.parse::<Token![,]>()?;
                } else if input.is_empty() {
                    return Err(unclosed());
                } else if !input.peek(Token![>]) {
                    let found = found(input);
                    return Err(input.error(format!(
                        "expected `,` or `>` in `{kind}<...>`, found {found}: separate the arguments with `,` and \
                         close them with `>`, as in `Dense<300, relu>`"
                    )));
                }
            }
            let gt: Token![>] = input.parse()?;
            (
                LayerBody::Args {
                    span: Spans::new(lt.span, gt.span),
                    args,
                },
                gt.span,
            )
        } else if let Some((inside, parens, _)) = input
            .cursor()
            .group(Delimiter::Parenthesis)
            // In a graph, `Concatenate(a, b);` names the layer's sources.
            .filter(|(_, _, after)| !matches!(after.punct(), Some((p, _)) if p.as_char() == ';'))
        {
            // Keras's call syntax: `Dropout(0.2)`, `Dense(300, activation="relu")`.
            // One literal is repeated in the fix; more is left to the user.
            let fix = match inside.literal() {
                Some((lit, rest)) if rest.eof() => format!("`{kind}<{lit}>`"),
                _ => format!("`{kind}<...>`, as in `Dense<300, relu>` or `Dropout<0.2>`"),
            };
            return Err(syn::Error::new(
                parens.join(),
                format!(
                    "`{kind}(...)` is Keras's call syntax: `network!` takes a layer's arguments in \
                     angle brackets: write {fix}"
                ),
            ));
        } else {
            (LayerBody::Empty, kind.span())
        };
        Ok(Self {
            name,
            kind,
            body,
            span: Spans::new(start, end),
        })
    }
}

/// One argument between `<` and `>`.
pub enum Arg {
    /// `300`
    Int(LitInt),
    /// `0.2`, `-1.5`
    Number { value: f32, span: Spans },
    /// `relu`
    Ident(Ident),
    /// `kernel_initializer = he_normal`
    Option { key: Ident, value: InitExpr },
    /// `momentum = 0.9`
    Setting { key: Ident, value: f32, span: Spans },
}

/// Whether a number (`0.2`, `-1`, `3`) comes next.
fn peek_number(input: ParseStream) -> bool {
    input.peek(syn::LitFloat) || (input.peek(Token![-]) && !input.peek(Token![->]))
}

/// `-`? then a float or integer literal; else an error saying `what` was
/// expected.
fn number(input: ParseStream, what: &str) -> syn::Result<(f32, Spans)> {
    let neg: Option<Token![-]> = input.parse()?;
    let (value, span) = if input.peek(syn::LitFloat) {
        let lit: syn::LitFloat = input.parse()?;
        (lit.base10_parse::<f32>()?, lit.span())
    } else if input.peek(LitInt) {
        let lit: LitInt = input.parse()?;
        (lit.base10_parse::<f32>()?, lit.span())
    } else {
        return Err(expected(input, what));
    };
    let start = neg.map_or(span, |n| n.span);
    Ok((
        if neg.is_some() { -value } else { value },
        Spans::new(start, span),
    ))
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitInt) {
            Ok(Self::Int(input.parse()?))
        } else if peek_number(input) {
            let (value, span) = number(input, "a number such as `0.2`")?;
            Ok(Self::Number { value, span })
        } else if input.peek(Ident) {
            let ident: Ident = input.parse()?;
            if input.peek(Token![=]) {
                let eq: Token![=] = input.parse()?;
                if ident == "units" || ident == "activation" {
                    // Keras's keyword arguments: `Dense(300, activation="relu")`.
                    let end = input
                        .cursor()
                        .token_tree()
                        .map_or(eq.span, |(tt, _)| tt.span());
                    return Err(syn::Error::new_spanned(
                        Spans::new(ident.span(), end),
                        format!(
                            "`{ident} =` is not needed: the units come first and the activation second, \
                             as in `Dense<300, relu>`"
                        ),
                    ));
                }
                if peek_number(input) || input.peek(LitInt) {
                    let (value, end) = number(input, "a number such as `0.2`")?;
                    return Ok(Self::Setting {
                        span: Spans::new(ident.span(), end.end),
                        key: ident,
                        value,
                    });
                }
                Ok(Self::Option {
                    key: ident,
                    value: input.parse()?,
                })
            } else {
                Ok(Self::Ident(ident))
            }
        } else {
            Err(expected(
                input,
                "the number of units, a number such as `0.2`, an activation such as `relu`, \
                 or an option such as `kernel_initializer = he_normal`",
            ))
        }
    }
}

/// `he_normal`, `constant(0.1)`, `random_normal(mean = 0.0, stddev = 0.05)`.
pub struct InitExpr {
    pub name: Ident,
    pub args: Vec<InitArg>,
    pub span: Spans,
}

impl Parse for InitExpr {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(syn::LitStr) {
            let lit: syn::LitStr = input.parse()?;
            return Err(syn::Error::new_spanned(
                &lit,
                format!("write the initializer without quotes: `{}`", lit.value()),
            ));
        }
        if !input.peek(Ident) {
            return Err(expected(
                input,
                "an initializer such as `glorot_uniform`, `zeros` or `constant(0.1)`",
            ));
        }
        let name: Ident = input.parse()?;
        let mut span = Spans::from(name.span());
        let mut args = Vec::new();
        if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            span.end = paren.span.close();
            while !content.is_empty() {
                args.push(content.parse()?);
                if content.is_empty() {
                    break;
                }
                if !content.peek(Token![,]) {
                    return Err(expected(
                        &content,
                        &format!("`,` between the arguments of `{name}`"),
                    ));
                }
                content.parse::<Token![,]>()?;
            }
        }
        Ok(Self { name, args, span })
    }
}

/// `0.1`, `-0.05` or `stddev = 0.01`.
pub struct InitArg {
    pub key: Option<Ident>,
    pub value: f32,
    pub span: Spans,
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
        let (value, span) = number(input, "a number such as `0.05`")?;
        let start = key.as_ref().map_or(span.start, Ident::span);
        Ok(Self {
            key,
            value,
            span: Spans::new(start, span.end),
        })
    }
}
