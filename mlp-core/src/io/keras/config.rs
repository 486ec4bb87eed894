//! `config.json` of a `.keras` archive, read by the parse the
//! `#[weights("model.keras")]` bake shares (`mlp_spec::keras_config`):
//! the architecture Keras saved, reduced to what a model here declares.
//! `check.rs` compares it with a model.

use crate::Result;
pub(crate) use mlp_spec::keras_config::{KerasLayer, KerasModel};

/// Keras's own spelling of a shape: `(28, 28)`, `(8,)`.
pub(crate) fn shape_text(dims: &[usize]) -> String {
    crate::error::shape(dims)
}

/// Parses `config.json` (`source_name` names it in errors).
pub(crate) fn parse_config(text: &str, source_name: &str) -> Result<KerasModel> {
    mlp_spec::keras_config::parse_config(text)
        .map_err(|message| crate::error::data(source_name, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_parse_s_errors_name_the_file() {
        // The parse itself is tested in `mlp_spec::keras_config`.
        let err = parse_config("[]", "m.keras").unwrap_err().to_string();
        assert_eq!(err, "m.keras: config.json has no `class_name`");
    }
}
