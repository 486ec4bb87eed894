//! `Graph::summary()` against Keras 3's own tables: the Keras-trained Wide &
//! Deep model (tests/fixtures/keras-files/wide_deep_two_outputs/summary.txt,
//! printed by Keras 3.15.1 for a compiled model), and four more graphs whose
//! tables `scripts/keras_graph_summaries.py` had Keras print
//! (tests/fixtures/keras-summaries).

use mlp::prelude::*;
use std::path::Path;

mod common {
    pub mod graphs;
}
use common::graphs::{Merges, WideDeep};

network! {
    /// The book's first Wide & Deep model.
    pub struct WideDeepConcat {
        input = Input[8];
        hidden1 = Dense<30, relu>(input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(input, hidden2);
        output out = Dense<1, name = dense_2>(concat);
    }
}

network! {
    /// A graph that is a chain.
    pub struct GraphChain {
        features = Input[4];
        hidden = Dense<3, relu>(features);
        output out = Dense<2, name = dense_1>(hidden);
    }
}

network! {
    /// Ties in depth, three outputs, an output that other layers read.
    pub struct DeepBranches {
        x = Input[3];
        z = Input[2];
        a = Dense<4, name = a>(x);
        b = Dense<4, name = b>(a);
        c = Dense<4, name = c>(b);
        s = Add(a, c);
        j = Concatenate(z, s, b);
        output out2 = Dense<2>(a);
        output out1 = Dense<1>(j);
        output b;
    }
}

/// The Wide & Deep fixture's table, less the first line (Keras auto-named
/// that model) and the empty line `print` added after Keras's text.
fn wide_deep_fixture() -> String {
    let keras = fixture("keras-files/wide_deep_two_outputs/summary.txt");
    let (name, table) = keras.split_once('\n').unwrap();
    assert_eq!(name, "Model: \"functional_1\"");
    table.strip_suffix('\n').unwrap().to_string()
}

fn fixture(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Line by line, so a failure shows the first line that differs.
fn assert_same_lines(ours: &str, keras: &str) {
    for (i, (a, b)) in ours.lines().zip(keras.lines()).enumerate() {
        assert_eq!(
            a,
            b,
            "line {} differs:\nours:\n{ours}\nKeras:\n{keras}",
            i + 1
        );
    }
    assert_eq!(
        ours.lines().count(),
        keras.lines().count(),
        "ours:\n{ours}\nKeras:\n{keras}"
    );
    assert_eq!(ours, keras);
}

#[test]
fn wide_deep_matches_keras_compiled_summary() {
    let keras_table = wide_deep_fixture();
    // The fixture is a compiled model's summary (SGD: a step counter and a
    // learning rate, 12 bytes), as the graph trainer's.
    let mut model = WideDeep::new(0);
    let trainer = model.compile(mlp::loss::MeanSquaredError, mlp::optim::Sgd::default(), []);
    let ours = trainer.summary().to_string();
    let (name, table) = ours.split_once('\n').unwrap();
    // Keras auto-named its model; ours carries the struct's name.
    assert_eq!(name, "Model: \"wide_deep\"");
    assert_same_lines(table, &keras_table);
}

#[test]
fn uncompiled_summary_has_no_optimizer_line() {
    let keras_table = wide_deep_fixture();
    let without = keras_table
        .strip_suffix(" Optimizer params: 2 (12.00 B)\n")
        .unwrap();
    // Keras's total counts the optimizer's 2 variables; the model alone has 1,207.
    let without = without.replace(
        " Total params: 1,209 (4.73 KB)",
        " Total params: 1,207 (4.71 KB)",
    );
    let ours = WideDeep::new(0).summary().to_string();
    assert_same_lines(ours.split_once('\n').unwrap().1, &without);
}

#[test]
fn merges_match_keras() {
    assert_same_lines(
        &Merges::new(0).summary().to_string(),
        &fixture("keras-summaries/merges.txt"),
    );
}

#[test]
fn concatenated_input_matches_keras() {
    assert_same_lines(
        &WideDeepConcat::new(0).summary().to_string(),
        &fixture("keras-summaries/wide_deep_concat.txt"),
    );
}

#[test]
fn chain_graph_prints_keras_sequential_table() {
    assert_same_lines(
        &GraphChain::new(0).summary().to_string(),
        &fixture("keras-summaries/graph_chain.txt"),
    );
}

#[test]
fn depth_ties_follow_keras_traversal_order() {
    assert_same_lines(
        &DeepBranches::new(0).summary().to_string(),
        &fixture("keras-summaries/deep_branches.txt"),
    );
}
