//! Compile errors are part of the product: each case under `tests/ui/` is a
//! program that must not compile, with the exact message the compiler prints
//! next to it. Regenerate with `TRYBUILD=overwrite cargo test --test ui` and
//! read every message before committing it. The messages depend on the
//! compiler pinned in `rust-toolchain.toml`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
