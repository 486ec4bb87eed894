//! Writes `mlp-spec/src/onnx/proto.rs`: ONNX's `onnx.proto` compiled by
//! prost-build (through protox, so that no `protoc` is needed).

use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fds = protox::compile([here.join("onnx.proto")], [here])?;
    let out = tempfile_dir(here)?;
    prost_build::Config::new().out_dir(&out).compile_fds(fds)?;
    let target = here.join("../../mlp-spec/src/onnx/proto.rs");
    std::fs::copy(out.join("onnx.rs"), &target)?;
    std::fs::remove_dir_all(&out)?;
    println!("wrote {}", target.display());
    Ok(())
}

fn tempfile_dir(here: &Path) -> std::io::Result<std::path::PathBuf> {
    let dir = here.join("target").join("generated");
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
