"""Chapter 10's three Functional-API models in Keras 3, for a side-by-side
run with `cargo run --release --example wide_and_deep`.

The same data and splits as the example: California housing from the
repository's CSV, `train_test_split(..., test_size=0.25, random_state=seed)`
twice, a StandardScaler fitted on the training set; then the book's recipes
(20 epochs, batch 32): one input with `Concatenate([input, hidden2])`,
SGD 1e-3; a wide input (features 0-4) and a deep input (features 2-7),
SGD 1e-3; the same with an auxiliary output, `loss_weights=[0.9, 0.1]`,
`optimizer="sgd"`. Prints one line per model as the example does, the
History keys, and the seconds per epoch.

    python benches/keras_wide_and_deep.py --seed 42 [--epochs 20]
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import keras
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))


def load():
    path = os.path.join(HERE, "..", "data", "california-housing", "california_housing.csv")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    return data[:, :8], data[:, 8]


class EpochTimes(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()

    x, y = load()
    x_train_full, x_test, y_train_full, y_test = train_test_split(
        x, y, test_size=0.25, random_state=args.seed)
    x_train, x_valid, y_train, y_valid = train_test_split(
        x_train_full, y_train_full, test_size=0.25, random_state=args.seed)
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid, x_test = (scaler.transform(a).astype("float32")
                                for a in (x_train, x_valid, x_test))
    y_train, y_valid, y_test = (a.astype("float32") for a in (y_train, y_valid, y_test))
    fit = dict(epochs=args.epochs, batch_size=32, verbose=0)

    # 1. One input, Concatenate([input, hidden2]).
    keras.utils.set_random_seed(args.seed)
    input_ = keras.layers.Input(shape=(8,))
    hidden1 = keras.layers.Dense(30, activation="relu")(input_)
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.Concatenate()([input_, hidden2])
    output = keras.layers.Dense(1)(concat)
    model = keras.Model(inputs=[input_], outputs=[output])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=1e-3))
    times = EpochTimes()
    history = model.fit(x_train, y_train, validation_data=(x_valid, y_valid),
                        callbacks=[times], **fit)
    mse = model.evaluate(x_test, y_test, verbose=0)
    print(f"history keys: {sorted(history.history)}")
    print(f"epoch seconds: {' '.join(f'{t:.3f}' for t in times.times)}")
    print(f"concat: test MSE {mse:.4f}")

    # 2. Wide input (features 0-4), deep input (features 2-7).
    keras.utils.set_random_seed(args.seed)
    input_wide = keras.layers.Input(shape=[5], name="wide_input")
    input_deep = keras.layers.Input(shape=[6], name="deep_input")
    hidden1 = keras.layers.Dense(30, activation="relu")(input_deep)
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.concatenate([input_wide, hidden2])
    output = keras.layers.Dense(1, name="output")(concat)
    model = keras.Model(inputs=[input_wide, input_deep], outputs=[output])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=1e-3))
    split = lambda a: (a[:, :5], a[:, 2:])
    times = EpochTimes()
    history = model.fit(split(x_train), y_train,
                        validation_data=(split(x_valid), y_valid),
                        callbacks=[times], **fit)
    mse = model.evaluate(split(x_test), y_test, verbose=0)
    print(f"history keys: {sorted(history.history)}")
    print(f"epoch seconds: {' '.join(f'{t:.3f}' for t in times.times)}")
    print(f"two_inputs: test MSE {mse:.4f}")

    # 3. Two outputs, loss_weights [0.9, 0.1], optimizer "sgd".
    keras.utils.set_random_seed(args.seed)
    input_wide = keras.layers.Input(shape=[5], name="wide_input")
    input_deep = keras.layers.Input(shape=[6], name="deep_input")
    hidden1 = keras.layers.Dense(30, activation="relu")(input_deep)
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.concatenate([input_wide, hidden2])
    output = keras.layers.Dense(1, name="main_output")(concat)
    aux_output = keras.layers.Dense(1, name="aux_output")(hidden2)
    model = keras.Model(inputs=[input_wide, input_deep], outputs=[output, aux_output])
    model.compile(loss=("mse", "mse"), loss_weights=(0.9, 0.1), optimizer="sgd")
    times = EpochTimes()
    history = model.fit(split(x_train), (y_train, y_train),
                        validation_data=(split(x_valid), (y_valid, y_valid)),
                        callbacks=[times], **fit)
    total, main_loss, aux_loss = model.evaluate(split(x_test), (y_test, y_test), verbose=0)
    print(f"history keys: {sorted(history.history)}")
    print(f"last epoch: " + ", ".join(f"{k} {v[-1]:.4f}" for k, v in history.history.items()))
    print(f"epoch seconds: {' '.join(f'{t:.3f}' for t in times.times)}")
    print(f"two_outputs: test MSE {main_loss:.4f} (total {total:.4f}, aux {aux_loss:.4f})")


if __name__ == "__main__":
    main()
