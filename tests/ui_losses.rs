//! Targets of the wrong kind for a loss are compile errors, in our words.

#[test]
fn wrong_targets_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/losses/*.rs");
}
