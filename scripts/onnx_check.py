#!/usr/bin/env python3
"""Runs ONNX models in onnxruntime and compares them with expected outputs.

Usage: onnx_check.py FOLDER...

Each FOLDER (or each sub-folder of it that holds a model.onnx) has
`model.onnx`, `input_<i>.npy` (fed to the model's inputs in order) and
`output_<i>.npy` (the outputs expected, in order). Given the PyTorch
fixtures (tests/fixtures/torch-files), it checks that onnxruntime
reproduces PyTorch; given the folder that
`cargo run --release --example torch_files -- --out DIR` writes, that it
reproduces this library's predictions from its own exports. Prints one line
per model and exits non-zero when a difference is over 1e-5.
"""
import os
import sys

import numpy as np
import onnxruntime as ort

TOLERANCE = 1e-5


def cases(folder):
    if os.path.exists(os.path.join(folder, "model.onnx")):
        yield folder
        return
    for name in sorted(os.listdir(folder)):
        sub = os.path.join(folder, name)
        if os.path.exists(os.path.join(sub, "model.onnx")):
            yield sub


def numbered(folder, stem):
    arrays = []
    while os.path.exists(os.path.join(folder, f"{stem}_{len(arrays)}.npy")):
        arrays.append(np.load(os.path.join(folder, f"{stem}_{len(arrays)}.npy")))
    return arrays


def check(folder):
    session = ort.InferenceSession(
        os.path.join(folder, "model.onnx"), providers=["CPUExecutionProvider"]
    )
    inputs = numbered(folder, "input")
    feed = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
    got = session.run(None, feed)
    expected = numbered(folder, "output")
    if len(got) != len(expected):
        print(f"{folder}: {len(got)} outputs, expected {len(expected)}")
        return False
    diff = max(float(np.max(np.abs(g.reshape(e.shape) - e))) for g, e in zip(got, expected))
    ok = diff <= TOLERANCE
    print(f"{folder}: onnxruntime {ort.__version__} max abs diff {diff:.3e}{'' if ok else ' (over 1e-5)'}")
    return ok


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    results = [check(c) for folder in sys.argv[1:] for c in cases(folder)]
    if not results:
        print("no model.onnx found")
        return 1
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
