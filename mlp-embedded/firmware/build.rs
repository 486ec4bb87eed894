//! Puts the target's `memory.x` where the runtime crate's `link.x` finds it.
use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    // AVR links through avr-gcc with avr-libc's own linker script.
    if target.starts_with("avr") {
        return;
    }
    let file = if target.starts_with("riscv32") {
        "memory-riscv32.x"
    } else if target.starts_with("thumbv6m") {
        "memory-thumbv6m.x"
    } else {
        "memory-thumbv7em.x"
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy(file, out.join("memory.x")).expect("copy memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={file}");
    println!("cargo:rerun-if-changed=build.rs");
}
