"""Keras 3 side of `examples/regularization.rs`: chapter 11's three
Fashion-MNIST recipes (BatchNormalization, Dropout 0.2, l2(0.01); Flatten,
Dense 300 and 100 elu he_normal, Dense 10 softmax; SGD 0.01, batch 32, the
55,000 / 5,000 split), timed per epoch with validation included (Keras's
verbose 2 `Ns/epoch`). (The recipes' accuracies as Keras 3.15 reached them
are in issue 11 and the README.)

Not run by CI. Run beside ours, in the same minutes:

    $VENV_TF/bin/python benches/keras_regularization.py --recipe batchnorm --epochs 3
    cargo run --release --example regularization -- --recipe batchnorm --epochs 3

`--bench-dir` is the folder of the shared bench scripts (`common.py` loads
Fashion-MNIST from `data/` or `FASHION_MNIST_DIR`).
"""
import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

p = argparse.ArgumentParser()
p.add_argument("--recipe", choices=["batchnorm", "dropout", "l2"], default="batchnorm")
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--seed", type=int, default=42)
p.add_argument("--bench-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "bench"))
args = p.parse_args()
sys.path.insert(0, args.bench_dir)

import numpy as np  # noqa: E402
import keras  # noqa: E402
import common  # noqa: E402

keras.utils.set_random_seed(args.seed)
X_train, y_train, X_valid, y_valid, source = common.load_data()


def dense(units, **kw):
    return keras.layers.Dense(units, activation="elu", kernel_initializer="he_normal", **kw)


layers = [keras.layers.Input(shape=[28, 28]), keras.layers.Flatten()]
if args.recipe == "batchnorm":
    layers += [keras.layers.BatchNormalization(), dense(300), keras.layers.BatchNormalization(),
               dense(100), keras.layers.BatchNormalization()]
    out = keras.layers.Dense(10, activation="softmax")
elif args.recipe == "dropout":
    layers += [keras.layers.Dropout(0.2), dense(300), keras.layers.Dropout(0.2), dense(100),
               keras.layers.Dropout(0.2)]
    out = keras.layers.Dense(10, activation="softmax")
else:
    reg = keras.regularizers.l2(0.01)
    layers += [dense(300, kernel_regularizer=reg), dense(100, kernel_regularizer=reg)]
    out = keras.layers.Dense(10, activation="softmax", kernel_regularizer=reg)
model = keras.Sequential(layers + [out])
model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.SGD(0.01),
              metrics=["accuracy"])


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.t0)


timer = EpochTimer()
model.fit(X_train, y_train, epochs=args.epochs, batch_size=32, validation_data=(X_valid, y_valid),
          callbacks=[timer], verbose=2)
later = sorted(timer.seconds[1:] or timer.seconds)
print(f"keras {keras.__version__} recipe {args.recipe}: epoch seconds (validation included) "
      f"median {later[len(later) // 2]:.3f} over epochs 2..{args.epochs}, all {[round(s, 3) for s in timer.seconds]}")
