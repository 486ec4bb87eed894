"""Keras 3's own `model.summary()` for graphs declared in tests/graph_summary.rs.

Run with a Keras 3 virtualenv (the fixtures were written by Keras 3.15.1,
TensorFlow backend, CPU): `python scripts/keras_graph_summaries.py OUT_DIR`.
Each model is named as `network!` names it (the struct's name in snake case),
so the tables compare byte for byte. The terminal width is fixed at 80 columns,
as Keras sees it when its output is not a terminal (tables 76 wide).
"""

import os
import sys

os.environ["COLUMNS"] = "80"
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
from keras import layers  # noqa: E402


def merges():
    """`Merges` of tests/graph.rs: every merge, a named layer, two outputs."""
    a = keras.Input(shape=(2,), name="a")
    b = keras.Input(shape=(2,), name="b")
    s = layers.Add(name="add")([a, b])
    m = layers.Average(name="average")([a, b])
    joined = layers.Concatenate(name="concatenate")([s, m, a])
    y = layers.Dense(1, name="y")(joined)
    hidden = layers.Dense(2, activation="relu", name="hidden_layer")(b)
    return keras.Model([a, b], [y, hidden], name="merges")


def concat_input():
    """The book's first Wide & Deep: Concatenate([input, hidden2]) -> Dense(1)."""
    x = keras.Input(shape=(8,), name="input")
    h1 = layers.Dense(30, activation="relu", name="dense")(x)
    h2 = layers.Dense(30, activation="relu", name="dense_1")(h1)
    c = layers.Concatenate(name="concatenate")([x, h2])
    out = layers.Dense(1, name="dense_2")(c)
    return keras.Model(x, out, name="wide_deep_concat")


def chain():
    """A graph that is a chain: Keras prints the three-column table."""
    x = keras.Input(shape=(4,), name="features")
    h = layers.Dense(3, activation="relu", name="dense")(x)
    out = layers.Dense(2, name="dense_1")(h)
    return keras.Model(x, out, name="graph_chain")


def deep_branches():
    """Depth ties across two outputs, an output read by another layer."""
    x = keras.Input(shape=(3,), name="x")
    z = keras.Input(shape=(2,), name="z")
    a = layers.Dense(4, name="a")(x)
    b = layers.Dense(4, name="b")(a)
    c = layers.Dense(4, name="c")(b)
    s = layers.Add(name="add")([a, c])
    j = layers.Concatenate(name="concatenate")([z, s, b])
    out1 = layers.Dense(1, name="out1")(j)
    out2 = layers.Dense(2, name="out2")(a)
    return keras.Model([x, z], [out2, out1, b], name="deep_branches")


def main():
    out_dir = sys.argv[1]
    for make in (merges, concat_input, chain, deep_branches):
        model = make()
        lines = []
        model.summary(print_fn=lambda text, **_: lines.append(text))
        path = os.path.join(out_dir, f"{model.name}.txt")
        with open(path, "w") as f:
            f.write("".join(lines))
        print(path)


if __name__ == "__main__":
    main()
