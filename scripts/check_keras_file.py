#!/usr/bin/env python3
"""Checks that `.keras` files written by mlp load in Keras 3 and predict what
mlp predicted. Not run by CI (it needs Keras and a backend).

Each FOLDER holds `model.keras`, `input_0.npy` (the inputs) and
`output_0.npy` (mlp's predictions), as `cargo run --release --example
save_keras -- --out DIR` writes them under DIR. For each folder this loads
the model with `keras.models.load_model`, prints its summary, predicts the
inputs, and prints the largest absolute difference from mlp's predictions;
it exits with status 1 if any is above the tolerance (1e-5).

Set up once, outside the repository:

    python3 -m venv /tmp/venv-keras
    /tmp/venv-keras/bin/pip install keras "jax[cpu]"

then:

    cargo run --release --example save_keras -- --out /tmp/mlp-keras
    KERAS_BACKEND=jax /tmp/venv-keras/bin/python scripts/check_keras_file.py /tmp/mlp-keras/*
"""

import sys

import keras
import numpy as np

TOLERANCE = 1e-5


def check(folder):
    model = keras.models.load_model(f"{folder}/model.keras")
    model.summary()
    x = np.load(f"{folder}/input_0.npy")
    expected = np.load(f"{folder}/output_0.npy")
    predicted = model.predict(x, verbose=0)
    diff = float(np.abs(predicted - expected).max())
    print(f"{folder}: Keras {keras.__version__} ({keras.backend.backend()}) loaded it; "
          f"max abs diff from mlp's predictions {diff:.3g} on {len(x)} samples")
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
