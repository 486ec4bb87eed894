#!/usr/bin/env python3
"""Checks that `.keras` files written by mlp load in Keras 3 and predict what
mlp predicted. Not run by CI (it needs Keras and a backend).

Each FOLDER holds `model.keras`, `input_0.npy`, `input_1.npy`, ... (one per
input of the model, in declaration order) and `output_0.npy`, ... (mlp's
predictions, one per output), as `cargo run --release --example save_keras
-- --out DIR` (and `--example torch_files -- --out DIR`, its `*_keras`
folders) write them under DIR: chains saved as Sequential models, graphs
(several inputs and outputs) as Functional ones. For each folder this loads
the model with `keras.models.load_model`, prints its summary, predicts the
inputs, and prints the largest absolute difference from mlp's predictions
over every output; it exits with status 1 if any is above the tolerance
(1e-5).

Set up once, outside the repository:

    python3 -m venv /tmp/venv-keras
    /tmp/venv-keras/bin/pip install keras "jax[cpu]"

then:

    cargo run --release --example save_keras -- --out /tmp/mlp-keras
    KERAS_BACKEND=jax /tmp/venv-keras/bin/python scripts/check_keras_file.py /tmp/mlp-keras/*
"""

import os
import sys

import keras
import numpy as np

TOLERANCE = 1e-5


def arrays(folder, stem):
    """`stem_0.npy`, `stem_1.npy`, ... of the folder, in order."""
    found = []
    while os.path.exists(f"{folder}/{stem}_{len(found)}.npy"):
        found.append(np.load(f"{folder}/{stem}_{len(found)}.npy"))
    return found


def check(folder):
    model = keras.models.load_model(f"{folder}/model.keras")
    model.summary()
    x = arrays(folder, "input")
    expected = arrays(folder, "output")
    predicted = model.predict(x if len(x) > 1 else x[0], verbose=0)
    if not isinstance(predicted, (list, tuple)):
        predicted = [predicted]
    if len(predicted) != len(expected):
        print(f"{folder}: Keras gives {len(predicted)} outputs, mlp {len(expected)}")
        return False
    diff = max(float(np.abs(p - e).max()) for p, e in zip(predicted, expected))
    print(f"{folder}: Keras {keras.__version__} ({keras.backend.backend()}) loaded a "
          f"{type(model).__name__} model with {len(x)} input(s), {len(expected)} output(s); "
          f"max abs diff from mlp's predictions {diff:.3g} on {len(x[0])} samples")
    return diff <= TOLERANCE


def main(folders):
    if not folders:
        print(__doc__)
        return 2
    results = [check(folder) for folder in folders]
    print("all matched" if all(results) else "MISMATCH")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
