//! Empty: the benchmark is `benches/kernels_vs_crates.rs`.
