//! The first difference between a Keras model's layers and the layers a
//! model here declares, as one sentence: which layer (counted from 0, the
//! `InputLayer`s not counted, as Keras's `model.layers` of a Sequential
//! model), what the file has there and what the declaration has, and
//! whether the file has a layer the declaration lacks or the other way
//! round. Not two full lists.

use super::config::KerasLayer;

/// How layers are numbered in these messages.
pub(crate) const COUNTING: &str = "counting from 0, InputLayers not counted";

/// The sentence naming the first difference between `theirs` (the layers of
/// the Keras model `keras_model`, in its order) and `ours` (how `network`,
/// "the network `Housing`" or "the graph `WideDeep`", declares each of its layers, in the same order), or `None` if
/// they are the same. `same(i, j)` says whether the file's layer `i` is the
/// declared layer `j`; `order` follows the layer number (`""`, or `", in
/// Keras's order"` for a graph).
pub(crate) fn first_difference(
    keras_model: &str,
    theirs: &[KerasLayer],
    network: &str,
    ours: &[String],
    same: impl Fn(usize, usize) -> bool,
    order: &str,
) -> Option<String> {
    let i = (0..theirs.len().min(ours.len()))
        .find(|&i| !same(i, i))
        .unwrap_or(theirs.len().min(ours.len()));
    if i == theirs.len() && i == ours.len() {
        return None;
    }
    let file = |i: usize| format!("`{}`: {}", theirs[i].name, theirs[i].describe());
    let counts = if theirs.len() == ours.len() {
        String::new()
    } else {
        format!(
            "; the Keras model has {} layers, {network} declares {}",
            theirs.len(),
            ours.len()
        )
    };
    let at = format!("layer {i} ({COUNTING}{order})");
    let sentence = if i == ours.len() {
        format!(
            "{at}: the Keras model `{keras_model}` has {}, after the last layer that {network} \
             declares",
            file(i)
        )
    } else if i == theirs.len() {
        format!(
            "{at}: {network} declares {}, after the last layer of the Keras model \
             `{keras_model}`",
            ours[i]
        )
    } else if theirs.len() > ours.len() && same(i + 1, i) {
        format!(
            "{at}: the Keras model `{keras_model}` has {}, which {network} does \
             not declare: its layer {i}, {}, is the file's layer {}",
            file(i),
            ours[i],
            i + 1
        )
    } else if ours.len() > theirs.len() && i + 1 < ours.len() && same(i, i + 1) {
        format!(
            "{at}: {network} declares {}, which the Keras model `{keras_model}` \
             does not have: its layer {i}, {}, is the network's layer {}",
            ours[i],
            file(i),
            i + 1
        )
    } else {
        format!(
            "{at}: the Keras model `{keras_model}` has {}, {network} declares {}",
            file(i),
            ours[i]
        )
    };
    Some(sentence + &counts)
}
