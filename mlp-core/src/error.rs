//! The error type of every fallible operation.

use alloc::string::String;
use alloc::vec::Vec;

/// What went wrong, with the thing at fault and both sizes where sizes disagree.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `get_layer` with a name the network does not have.
    #[error("no layer named `{name}`; the layers are: {}", known.join(", "))]
    UnknownLayer {
        /// The name asked for.
        name: String,
        /// The names the network has.
        known: Vec<&'static str>,
    },
    /// An array whose shape differs from what the network declares.
    #[error("{what}: expected shape {}, found {}", shape(expected), shape(found))]
    Shape {
        /// The layer or tensor, such as `dense/kernel`.
        what: String,
        /// The declared shape.
        expected: Vec<usize>,
        /// The shape given.
        found: Vec<usize>,
    },
    /// Two things whose counts or lengths must agree and do not.
    #[error("{what}: expected {expected}, found {found}")]
    Length {
        /// What was counted, such as `y (labels) for 60000 samples of x`.
        what: String,
        /// The count required.
        expected: usize,
        /// The count given.
        found: usize,
    },
    /// An argument outside its allowed range.
    #[error("invalid argument `{name}`: {message}")]
    InvalidArgument {
        /// The argument, such as `batch_size`.
        name: &'static str,
        /// Why it is wrong, with the value given.
        message: String,
    },
    /// A value that is NaN or infinite where finite data is needed.
    #[error("{what} holds a non-finite value ({value}) at {position}")]
    NonFinite {
        /// What holds it, such as `x`.
        what: String,
        /// Where (a sample index, or a position).
        position: String,
        /// The value found.
        value: f32,
    },
    /// A data or weights file that cannot be used as it is.
    #[error("{source_name}: {message}")]
    Data {
        /// The file or data set.
        source_name: String,
        /// What was found wrong.
        message: String,
    },
    /// Training produced a loss, gradient or update that is NaN or
    /// infinite. That step was not applied: the model keeps the parameters of the last
    /// finite step. Epoch and batch are 0-based (as in the history and the
    /// callbacks); the message counts from 1, as the progress bar.
    #[cfg(feature = "std")]
    #[error(
        "training diverged at epoch {}/{}, batch {}/{}: the {quantity} is not finite{}; the step \
         was not applied, so the model keeps the weights of its last finite step, and this \
         error carries the history of the {} completed epoch(s)",
        epoch + 1, history.params.epochs, batch + 1, history.params.steps,
        if *quantity == "loss" { format!(" ({value})") } else { format!(" (the loss was {value})") },
        history.len()
    )]
    Diverged {
        /// The epoch (0-based).
        epoch: usize,
        /// The batch within the epoch (0-based).
        batch: usize,
        /// `"loss"`, `"gradient"`, `"update"` (the gradients were finite
        /// but the optimizer's update would have made a weight or its state
        /// NaN or infinite; it was rolled back), or `"learning_rate"` (a
        /// schedule returned a non-finite rate; no weight was touched).
        quantity: &'static str,
        /// The batch loss.
        value: f64,
        /// The history of the epochs completed before.
        history: Box<crate::history::History>,
    },
    /// The operating system refused to start a thread the engine asked for
    /// (too many threads or processes, no memory for its stack).
    #[cfg(feature = "std")]
    #[error(
        "cannot start {requested} threads: the operating system refused thread {} ({source})",
        started + 1
    )]
    Threads {
        /// The threads asked for, the calling one included.
        requested: usize,
        /// The threads running when the next one was refused, the calling
        /// one included (all of them are stopped again).
        started: usize,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// An I/O error on a named path.
    #[cfg(feature = "std")]
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Keras prints shapes as tuples: `(784, 300)`, `(10,)`.
pub(crate) fn shape(dims: &[usize]) -> String {
    use core::fmt::Write;
    let mut s = String::from("(");
    for (i, d) in dims.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{d}");
    }
    if dims.len() == 1 {
        s.push(',');
    }
    s.push(')');
    s
}

/// At most this many bytes of a message about a file: what a file holds
/// (names, lists of layers) never makes an error message long.
#[cfg(feature = "std")]
const MAX_MESSAGE: usize = 4000;

/// [`Error::Data`] about `source_name`, its message cut to 4,000 bytes
/// (at a character boundary, saying how much was cut).
#[cfg(feature = "std")]
pub(crate) fn data(source_name: &str, message: String) -> Error {
    let message = if message.len() > MAX_MESSAGE {
        let mut at = MAX_MESSAGE;
        while !message.is_char_boundary(at) {
            at -= 1;
        }
        alloc::format!(
            "{} ... ({} more bytes cut)",
            &message[..at],
            message.len() - at
        )
    } else {
        message
    };
    Error::Data {
        source_name: source_name.into(),
        message,
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn messages_name_both_shapes() {
        let e = Error::Shape {
            what: "dense/kernel".into(),
            expected: vec![784, 300],
            found: vec![300],
        };
        assert_eq!(
            e.to_string(),
            "dense/kernel: expected shape (784, 300), found (300,)"
        );
        let e = Error::UnknownLayer {
            name: "dens".into(),
            known: vec!["flatten", "dense"],
        };
        assert_eq!(
            e.to_string(),
            "no layer named `dens`; the layers are: flatten, dense"
        );
    }
}
