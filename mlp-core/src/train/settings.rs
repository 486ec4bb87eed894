//! Every setting of a layer, a loss or an optimizer as one line of text, and
//! the first difference between two such lines, named by its path: what a
//! training-state file records of the run and checks on load.
//!
//! The line is the value's `Debug` form (a layer's [`LayerKind`] from the
//! layer table, the loss's and the optimizer's own structs), so a setting
//! added to any of them is recorded and compared with no list to extend.
//! Fields named `*_initializer` are left out: they only decide the first
//! weights, which a resumed run replaces.
//! `Huber { delta: 1.0, .. }` saved and `Huber { delta: 5.0, .. }` here
//! differ at `delta`, 1.0 against 5.0; `Dense { .., options: DenseOptions {
//! kernel_regularizer: None, .. } }` and one with `Some(L2 { l2: 0.01 })`
//! at `options.kernel_regularizer`.
//!
//! [`LayerKind`]: crate::layer::LayerKind

use core::fmt::Debug;

/// A value in `Debug`'s compact form, parsed.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// A number, a unit variant, a string.
    Atom(String),
    /// `Name { field: value, .. }`.
    Struct(String, Vec<(String, Node)>),
    /// `Name(value, ..)`.
    Tuple(String, Vec<Node>),
    /// `[value, ..]`.
    List(Vec<Node>),
}

impl Node {
    fn write(&self, out: &mut String) {
        let list = |out: &mut String, items: &[Node]| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                item.write(out);
            }
        };
        match self {
            Node::Atom(a) => out.push_str(a),
            Node::Struct(name, fields) => {
                out.push_str(name);
                out.push_str(" {");
                for (i, (field, value)) in fields.iter().enumerate() {
                    out.push_str(if i == 0 { " " } else { ", " });
                    out.push_str(field);
                    out.push_str(": ");
                    value.write(out);
                }
                out.push_str(" }");
            }
            Node::Tuple(name, items) => {
                out.push_str(name);
                out.push('(');
                list(out, items);
                out.push(')');
            }
            Node::List(items) => {
                out.push('[');
                list(out, items);
                out.push(']');
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// The node without the fields named `*_initializer`, at any depth.
    fn without_initializers(self) -> Node {
        match self {
            Node::Struct(name, fields) => Node::Struct(
                name,
                fields
                    .into_iter()
                    .filter(|(f, _)| !f.ends_with("_initializer"))
                    .map(|(f, v)| (f, v.without_initializers()))
                    .collect(),
            ),
            Node::Tuple(name, items) => Node::Tuple(
                name,
                items.into_iter().map(Node::without_initializers).collect(),
            ),
            Node::List(items) => {
                Node::List(items.into_iter().map(Node::without_initializers).collect())
            }
            atom => atom,
        }
    }
}

/// Splits `Debug` text into tokens: punctuation, quoted strings, and runs
/// of anything else.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b"{}()[],:".contains(&c) {
            out.push(&text[i..i + 1]);
            i += 1;
        } else if c == b'"' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
            out.push(&text[start..i]);
        } else {
            let start = i;
            while i < bytes.len()
                && !bytes[i].is_ascii_whitespace()
                && !b"{}()[],:\"".contains(&bytes[i])
            {
                i += 1;
            }
            out.push(&text[start..i]);
        }
    }
    out
}

/// A recursive-descent parser over [`tokens`]; `None` on anything that is
/// not `Debug`'s form.
struct Parser<'a> {
    tokens: Vec<&'a str>,
    at: usize,
}

/// Deeper than any setting; bounds the recursion on a hostile file.
const MAX_DEPTH: usize = 32;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.at).copied()
    }

    fn eat(&mut self, token: &str) -> Option<()> {
        (self.peek()? == token).then(|| self.at += 1)
    }

    /// Values separated by commas up to `close` (a trailing comma allowed).
    fn items(&mut self, close: &str, depth: usize) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        while self.peek()? != close {
            items.push(self.value(depth + 1)?);
            if self.eat(",").is_none() {
                break;
            }
        }
        self.eat(close)?;
        Some(items)
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        let token = self.peek()?;
        if token == "[" {
            self.at += 1;
            return Some(Node::List(self.items("]", depth)?));
        }
        if token == "(" {
            // A tuple (one loss per output).
            self.at += 1;
            return Some(Node::Tuple(String::new(), self.items(")", depth)?));
        }
        if "{}()[],:".contains(token) {
            return None;
        }
        self.at += 1;
        let name = token.to_string();
        match self.peek() {
            Some("{") => {
                self.at += 1;
                let mut fields = Vec::new();
                while self.peek()? != "}" {
                    let field = self.peek()?;
                    self.at += 1;
                    self.eat(":")?;
                    fields.push((field.to_string(), self.value(depth + 1)?));
                    if self.eat(",").is_none() {
                        break;
                    }
                }
                self.eat("}")?;
                Some(Node::Struct(name, fields))
            }
            Some("(") => {
                self.at += 1;
                Some(Node::Tuple(name, self.items(")", depth)?))
            }
            _ => Some(Node::Atom(name)),
        }
    }
}

fn parse(text: &str) -> Option<Node> {
    let mut parser = Parser {
        tokens: tokens(text),
        at: 0,
    };
    let node = parser.value(0)?;
    (parser.at == parser.tokens.len()).then_some(node)
}

/// `value`'s settings in one line: its `Debug` form, without the fields
/// named `*_initializer`.
pub(crate) fn describe(value: &(impl Debug + ?Sized)) -> String {
    let text = format!("{value:?}");
    match parse(&text) {
        Some(node) => node.without_initializers().text(),
        None => text,
    }
}

/// Where two descriptions first differ.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Difference {
    /// The setting, as a path of field names (`options.kernel_regularizer`),
    /// empty where the values differ as a whole (another kind).
    pub(crate) path: String,
    /// Its value in the saved description.
    pub(crate) saved: String,
    /// Its value in ours.
    pub(crate) ours: String,
}

impl Difference {
    /// `{what}: `{path}` is {saved} in the saved run, {ours} in {here}`, or
    /// where the values differ as a whole, `{what} is `{saved}` in the saved
    /// run, `{ours}` in {here}`.
    pub(crate) fn describe(&self, what: &str, here: &str) -> String {
        if self.path.is_empty() {
            format!(
                "{what} is `{}` in the saved run, `{}` in {here}",
                self.saved, self.ours
            )
        } else {
            format!(
                "{what}: `{}` is {} in the saved run, {} in {here}",
                self.path, self.saved, self.ours
            )
        }
    }
}

/// The first difference between the descriptions `saved` and `ours` (as
/// [`describe`] writes them), or `None` if they are the same text.
pub(crate) fn first_difference(saved: &str, ours: &str) -> Option<Difference> {
    if saved == ours {
        return None;
    }
    let whole = || Difference {
        path: String::new(),
        saved: saved.to_string(),
        ours: ours.to_string(),
    };
    match (parse(saved), parse(ours)) {
        (Some(a), Some(b)) => Some(diff(&a, &b, String::new()).unwrap_or_else(whole)),
        _ => Some(whole()),
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn diff(a: &Node, b: &Node, path: String) -> Option<Difference> {
    let here = |path: String| Difference {
        path,
        saved: a.text(),
        ours: b.text(),
    };
    match (a, b) {
        _ if a == b => None,
        (Node::Struct(x, fa), Node::Struct(y, fb))
            if x == y && fa.iter().map(|f| &f.0).eq(fb.iter().map(|f| &f.0)) =>
        {
            fa.iter()
                .zip(fb)
                .find_map(|((f, va), (_, vb))| diff(va, vb, join(&path, f)))
        }
        (Node::Tuple(x, ia), Node::Tuple(y, ib)) if x == y && ia.len() == ib.len() => {
            ia.iter().zip(ib).enumerate().find_map(|(i, (va, vb))| {
                let path = if ia.len() == 1 {
                    path.clone()
                } else {
                    join(&path, &i.to_string())
                };
                diff(va, vb, path)
            })
        }
        (Node::List(ia), Node::List(ib)) if ia.len() == ib.len() => ia
            .iter()
            .zip(ib)
            .enumerate()
            .find_map(|(i, (va, vb))| diff(va, vb, format!("{path}[{i}]"))),
        _ => Some(here(path)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::{Huber, SparseCategoricalCrossentropy};

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Kind {
        Dense {
            units: usize,
            kernel_initializer: Init,
            options: Options,
        },
        Dropout {
            rate: f32,
        },
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Init {
        Constant { value: f32 },
        GlorotUniform,
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Options {
        kernel_regularizer: Option<Reg>,
        names: [&'static str; 2],
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    enum Reg {
        L2 { l2: f32 },
        L1L2 { l1: f32, l2: f32 },
    }

    fn dense(init: Init, reg: Option<Reg>) -> String {
        describe(&Kind::Dense {
            units: 3,
            kernel_initializer: init,
            options: Options {
                kernel_regularizer: reg,
                names: ["a, b", "c"],
            },
        })
    }

    #[test]
    fn initializers_are_left_out_and_the_text_is_compact() {
        assert_eq!(
            dense(Init::Constant { value: 0.5 }, None),
            "Dense { units: 3, options: Options { kernel_regularizer: None, names: [\"a, b\", \"c\"] } }"
        );
        assert_eq!(
            dense(Init::GlorotUniform, None),
            dense(Init::Constant { value: 1.0 }, None)
        );
    }

    #[test]
    fn the_first_difference_is_named_by_its_path() {
        let d = |a: &str, b: &str| first_difference(a, b).unwrap();
        let l2 = |v| Some(Reg::L2 { l2: v });
        let found = d(
            &dense(Init::GlorotUniform, l2(0.01)),
            &dense(Init::GlorotUniform, l2(0.1)),
        );
        assert_eq!(found.path, "options.kernel_regularizer.l2");
        assert_eq!((found.saved.as_str(), found.ours.as_str()), ("0.01", "0.1"));
        let found = d(
            &dense(Init::GlorotUniform, None),
            &dense(Init::GlorotUniform, l2(0.1)),
        );
        assert_eq!(found.path, "options.kernel_regularizer");
        assert_eq!(
            (found.saved.as_str(), found.ours.as_str()),
            ("None", "Some(L2 { l2: 0.1 })")
        );
        let found = d(
            &dense(Init::GlorotUniform, l2(0.1)),
            &dense(Init::GlorotUniform, Some(Reg::L1L2 { l1: 0.0, l2: 0.1 })),
        );
        assert_eq!(found.path, "options.kernel_regularizer");
        // Another kind differs as a whole.
        let found = d(
            &describe(&Kind::Dropout { rate: 0.5 }),
            &dense(Init::GlorotUniform, None),
        );
        assert_eq!(found.path, "");
        assert_eq!(
            found.describe("layer 1 (`x`)", "`Net`"),
            "layer 1 (`x`) is `Dropout { rate: 0.5 }` in the saved run, `Dense { units: 3, \
             options: Options { kernel_regularizer: None, names: [\"a, b\", \"c\"] } }` in `Net`"
        );
        assert_eq!(first_difference("same", "same"), None);
    }

    #[test]
    fn losses_differ_by_their_options() {
        let found =
            first_difference(&describe(&Huber::new(1.0)), &describe(&Huber::new(5.0))).unwrap();
        assert_eq!(
            found.describe("the loss", "this trainer"),
            "the loss: `delta` is 1.0 in the saved run, 5.0 in this trainer"
        );
        let a = describe(&SparseCategoricalCrossentropy::default());
        let b = describe(&SparseCategoricalCrossentropy::default().from_logits(true));
        assert_eq!(first_difference(&a, &b).unwrap().path, "from_logits");
    }

    #[test]
    fn a_loss_per_output_differs_at_its_output() {
        let scce = SparseCategoricalCrossentropy::default();
        let saved = describe(&(Huber::default(), scce));
        let ours = describe(&(Huber::default(), scce.from_logits(true)));
        assert!(saved.starts_with("(Huber {"), "{saved}");
        let found = first_difference(&saved, &ours).unwrap();
        assert_eq!(found.path, "1.from_logits");
        assert_eq!(
            (found.saved.as_str(), found.ours.as_str()),
            ("false", "true")
        );
    }

    #[test]
    fn text_that_is_not_debug_differs_as_a_whole() {
        for (a, b) in [("Dense {", "Dense { }"), ("a b", "a"), ("(((", ")")] {
            let found = first_difference(a, b).unwrap();
            assert_eq!((found.path.as_str(), found.saved.as_str()), ("", a));
        }
        let deep = "A(".repeat(100) + &")".repeat(100);
        assert_eq!(first_difference(&deep, "x").unwrap().path, "");
    }
}
