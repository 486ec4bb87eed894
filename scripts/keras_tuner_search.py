"""The book's Keras Tuner searches (chapter 10), run with real Keras Tuner
1.4.8, as the reference for `examples/tuning.rs`: the same space, data split
(first 5,000 training images validate, the other 55,000 train, pixels / 255),
epochs and seed. Prints one line per trial, the best hyperparameters with
their val_accuracy and the test accuracy of the best model, and the search's
wall time.

    python scripts/keras_tuner_search.py --tuner random|hyperband|bayesian --seed 42 [--dir DIR]

Needs tensorflow-cpu and keras-tuner (with scikit-learn for `--tuner bayesian`:
`keras-tuner[bayesian]`) in the interpreter's environment;
reads data/fashion-mnist/ (or $FASHION_MNIST_DIR).
"""

import argparse
import gzip
import os
import struct
import tempfile
import time

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    _, _, ndim = struct.unpack(">HBB", data[:4])
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tuner", choices=["random", "hyperband", "bayesian"], default="random")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", default=None, help="project folder (default: a temporary one)")
    args = parser.parse_args()

    import keras
    import keras_tuner as kt

    root = os.environ.get("FASHION_MNIST_DIR",
                          os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "fashion-mnist"))
    x_full = read_idx(os.path.join(root, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y_full = read_idx(os.path.join(root, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    x_test = read_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y_test = read_idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    x_valid, x_train = x_full[:5000], x_full[5000:]
    y_valid, y_train = y_full[:5000], y_full[5000:]

    def build_model(hp):
        n_hidden = hp.Int("n_hidden", min_value=0, max_value=8, default=2)
        n_neurons = hp.Int("n_neurons", min_value=16, max_value=256)
        learning_rate = hp.Float("learning_rate", min_value=1e-4, max_value=1e-2, sampling="log")
        optimizer = hp.Choice("optimizer", values=["sgd", "adam"])
        if optimizer == "sgd":
            optimizer = keras.optimizers.SGD(learning_rate=learning_rate)
        else:
            optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
        model = keras.Sequential()
        model.add(keras.layers.Flatten())
        for _ in range(n_hidden):
            model.add(keras.layers.Dense(n_neurons, activation="relu"))
        model.add(keras.layers.Dense(10, activation="softmax"))
        model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
        return model

    class MyClassificationHyperModel(kt.HyperModel):
        def build(self, hp):
            return build_model(hp)

        def fit(self, hp, model, X, y, **kwargs):
            if hp.Boolean("normalize"):
                norm_layer = keras.layers.Normalization()
                X = norm_layer(X)
            return model.fit(X, y, **kwargs)

    directory = args.dir or tempfile.mkdtemp(prefix="kt-")
    common = dict(objective="val_accuracy", seed=args.seed, overwrite=True, directory=directory)
    callbacks = []
    if args.tuner == "random":
        tuner = kt.RandomSearch(build_model, max_trials=5, project_name="my_rnd_search", **common)
    elif args.tuner == "hyperband":
        tuner = kt.Hyperband(MyClassificationHyperModel(), max_epochs=10, factor=3, hyperband_iterations=2,
                             project_name="hyperband", **common)
        callbacks = [keras.callbacks.EarlyStopping(patience=2)]
    else:
        tuner = kt.BayesianOptimization(MyClassificationHyperModel(), max_trials=10, alpha=1e-4, beta=2.6,
                                        project_name="bayesian_opt", **common)
        callbacks = [keras.callbacks.EarlyStopping(patience=2)]

    started = time.time()
    tuner.search(x_train, y_train, epochs=10, validation_data=(x_valid, y_valid), callbacks=callbacks, verbose=0)
    elapsed = time.time() - started

    for trial in sorted(tuner.oracle.trials.values(), key=lambda t: int(t.trial_id)):
        print(f"trial {trial.trial_id}: {trial.hyperparameters.values} val_accuracy {trial.score}")
    best_hp = tuner.get_best_hyperparameters()[0]
    best_trial = tuner.oracle.get_best_trials(1)[0]
    best_model = tuner.get_best_models(1)[0]
    test_accuracy = best_model.evaluate(x_test, y_test, verbose=0)[1]
    print(f"best: {best_hp.values} val_accuracy {best_trial.score:.4f} test_accuracy {test_accuracy:.4f}")
    print(f"search time: {elapsed:.1f} s ({len(tuner.oracle.trials)} trials)")


if __name__ == "__main__":
    main()
