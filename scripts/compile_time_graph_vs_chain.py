"""Compile time of a 20-node graph against a 20-layer chain (issue 12).

Writes two tiny binary crates depending on this repository by path, one
declaring `Input[16]` then 20 `Dense<16, relu>` as a chain, the other the
same layers as a graph (`h1 = Dense<16, relu>(x); ...; output h20 = ...`),
each calling `new` and `predict_one`. Builds both once in release mode (the
dependencies, shared), then times `cargo build --release` of each after a
`touch` of its `main.rs`, alternating, RUNS times, and prints each run and
the medians.

    python scripts/compile_time_graph_vs_chain.py [WORK_DIR] [RUNS]
"""

import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def crate(work, kind):
    d = os.path.join(work, kind)
    write(
        os.path.join(d, "Cargo.toml"),
        f"""[package]
name = "ct_{kind}"
version = "0.1.0"
edition = "2024"

[dependencies]
mlp = {{ path = "{REPO}", default-features = false, features = ["std"] }}

[workspace]
""",
    )
    with open(os.path.join(REPO, "rust-toolchain.toml")) as f:
        write(os.path.join(d, "rust-toolchain.toml"), f.read())
    if kind == "chain":
        layers = " -> ".join(["Dense<16, relu>"] * 20)
        body = f"""network! {{ pub struct Net {{ Input[16] -> {layers} }} }}

fn main() {{
    let model = Net::new(1);
    let x = std::hint::black_box(SVector::<f32, 16>::repeat(0.5));
    println!("{{}}", model.predict_one(&x).sum());
}}
"""
    else:
        lines = ["        x = Input[16];"]
        for i in range(1, 21):
            src = "x" if i == 1 else f"h{i - 1}"
            out = "output " if i == 20 else ""
            lines.append(f"        {out}h{i} = Dense<16, relu>({src});")
        nodes = "\n".join(lines)
        body = f"""network! {{
    pub struct Net {{
{nodes}
    }}
}}

fn main() {{
    let model = Net::new(1);
    let x = std::hint::black_box(SVector::<f32, 16>::repeat(0.5));
    println!("{{}}", model.predict_one(&NetInputs {{ x }}).h20.sum());
}}
"""
    write(os.path.join(d, "src", "main.rs"), "use mlp::prelude::*;\n\n" + body)
    return d


def build(d, env):
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=d, env=env, check=True)


def main():
    work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mlp_compile_time"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(work, "target"))
    dirs = {kind: crate(work, kind) for kind in ("chain", "graph")}
    for d in dirs.values():
        build(d, env)  # dependencies, once
    times = {kind: [] for kind in dirs}
    for run in range(runs):
        for kind, d in dirs.items():
            os.utime(os.path.join(d, "src", "main.rs"))
            start = time.perf_counter()
            build(d, env)
            times[kind].append(time.perf_counter() - start)
            print(f"{kind} run {run + 1}: {times[kind][-1]:.3f} s", flush=True)
    for kind, t in times.items():
        print(f"{kind}: median {statistics.median(t):.3f} s of {runs}")


if __name__ == "__main__":
    main()
