//! [`declaration`]: a chain written back as the `network!` declaration
//! that builds it, so a search's winner can be pasted into a program and
//! baked with `#[weights]`.

use crate::layer::LayerKind;
use crate::model::{Form, Model};
use crate::{Error, Result};

/// The `network!` declaration of chain `M` under the name `name`:
/// `Flatten[28, 28] -> Dense<75, relu> -> Dense<10, softmax>` in a
/// `pub struct`. It carries what inference needs (the layers, their widths
/// and activations, dropout rates); initializers and regularizers, which
/// only training reads, are left out. A graph, or a layer kind other than
/// `Flatten`, `Dense` and `Dropout`, is an error naming it.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::tune::declaration;
///
/// network! { struct Candidate { Flatten[28, 28] -> Dense<75, relu> -> Dense<10, softmax> } }
///
/// let text = declaration::<Candidate>("Best")?;
/// assert!(text.contains("pub struct Best { Flatten[28, 28] -> Dense<75, relu> -> Dense<10, softmax> }"));
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub fn declaration<M: Model>(name: &str) -> Result<String> {
    let unsupported = |what: String| Error::InvalidArgument {
        name: "declaration",
        message: format!("{} cannot be written as a declaration yet: {what}", M::NAME),
    };
    if M::FORM != Form::Sequential {
        return Err(unsupported("it is a graph".into()));
    }
    let mut parts = Vec::new();
    if !matches!(
        M::LAYERS.first().map(|l| l.kind),
        Some(LayerKind::Flatten { .. })
    ) {
        parts.push(format!("Input[{}]", M::INPUTS[0].size));
    }
    for layer in M::LAYERS {
        parts.push(match layer.kind {
            LayerKind::Flatten { rows, cols } => format!("Flatten[{rows}, {cols}]"),
            LayerKind::Dense {
                units, activation, ..
            } => format!("Dense<{units}, {}>", activation.name()),
            LayerKind::Dropout { rate, .. } => format!("Dropout<{rate}>"),
            _ => {
                return Err(unsupported(format!(
                    "layer `{}` is a {}",
                    layer.name,
                    layer.type_name()
                )));
            }
        });
    }
    Ok(format!(
        "network! {{\n    /// Found by a hyperparameter search.\n    pub struct {name} {{ {} }}\n}}\n",
        parts.join(" -> ")
    ))
}
