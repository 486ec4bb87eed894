//! Compile errors of baked weights (`#[weights("file")]`) and of
//! compile-time budgets, pinned with their exact messages.
//!
//! trybuild compiles each case in its own crate under
//! `target/tests/trybuild/mlp/`, whose `CARGO_MANIFEST_DIR` is that folder: the
//! cases reach this package's files with `../../../../` (the default target
//! directory, `<workspace>/target`).

#[test]
fn ui_weights() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/weights/*.rs");
}
