#!/usr/bin/env python3
"""Writes the fuzz seed corpora in seeds/<target>/ from the repository's real files.

Run from fuzz/: python3 seeds.py. Every seed is cut from, or is, a real file:
- idx: the real t10k labels file as shipped, and the first 3 t10k images and
  first 50 labels re-gzipped with their header's count set to match;
- csv: the header and first 20 rows of data/california-housing/california_housing.csv;
- weights_file: tests/fixtures/weights/tiny.safetensors as is;
- set_weights: tiny.safetensors' four arrays in the target's encoding;
- weights_check: tiny.safetensors, and the book's Fashion-MNIST classifier's
  weights as Keras wrote them (tests/fixtures/keras-fashion-mlp/weights.safetensors);
- npy: the housing fixture's input_0.npy and output_0.npy (Keras 3.15.1's
  float32 arrays, tests/fixtures/keras-files/housing_sequential/) as they are;
- onnx_file: the PyTorch fixtures' model.onnx and model.safetensors of
  housing_torch_bn and wide_deep_torch (tests/fixtures/torch-files/) as they are.
The seeds of state_file are training-state files the library itself writes:
`cargo test --test checkpoint_state -- --ignored write_fuzz_seeds`.
"""
import gzip, json, os, struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "fuzz", "seeds")
FM = os.path.join(ROOT, "data", "fashion-mnist")


def out(target, name, data):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def gz(raw):
    return gzip.compress(raw, mtime=0)


out("idx", "t10k-labels-idx1-ubyte.gz", open(os.path.join(FM, "t10k-labels-idx1-ubyte.gz"), "rb").read())
images = gzip.open(os.path.join(FM, "t10k-images-idx3-ubyte.gz")).read()
out("idx", "t10k-images-first3.gz", gz(images[:4] + struct.pack(">I", 3) + images[8:16] + images[16:16 + 3 * 784]))
labels = gzip.open(os.path.join(FM, "t10k-labels-idx1-ubyte.gz")).read()
out("idx", "t10k-labels-first50.gz", gz(labels[:4] + struct.pack(">I", 50) + labels[8:8 + 50]))

with open(os.path.join(ROOT, "data", "california-housing", "california_housing.csv"), "rb") as f:
    lines = f.read().splitlines(keepends=True)
out("csv", "first20.csv", b"".join(lines[:21]))

for name in ["input_0.npy", "output_0.npy"]:
    out("npy", name, open(os.path.join(ROOT, "tests", "fixtures", "keras-files", "housing_sequential", name), "rb").read())

tiny = open(os.path.join(ROOT, "tests", "fixtures", "weights", "tiny.safetensors"), "rb").read()
out("weights_file", "tiny.safetensors", tiny)
out("weights_check", "tiny.safetensors", tiny)
book = open(os.path.join(ROOT, "tests", "fixtures", "keras-fashion-mlp", "weights.safetensors"), "rb").read()
out("weights_check", "keras-fashion-mlp.safetensors", book)
for model in ["housing_torch_bn", "wide_deep_torch"]:
    for ext in ["onnx", "safetensors"]:
        path = os.path.join(ROOT, "tests", "fixtures", "torch-files", model, "model." + ext)
        out("onnx_file", model + "." + ext, open(path, "rb").read())

n = struct.unpack("<Q", tiny[:8])[0]
header = json.loads(tiny[8:8 + n])
body = tiny[8 + n:]
enc = bytes([4])
for name in ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]:
    t = header[name]
    enc += bytes([len(t["shape"])]) + bytes(t["shape"])
    a, b = t["data_offsets"]
    enc += struct.pack("<H", (b - a) // 4) + body[a:b]
out("set_weights", "tiny.bin", enc)
