#!/usr/bin/env python3
"""Writes a hostile Keras 3 `.weights.h5` file for the book's housing network
(`Input[8] -> Dense<30, relu> -> Dense<1>`): the layout Keras writes
(`layers/dense/vars/0` the kernel, ...), except that the first kernel
declares `--rows` x 30 values in chunks of `--chunk-rows` x 30, of which only
enough are written to make the file about `--file-mb` MB. HDF5 chunks never
written take no space, so the file declares far more values than it holds:
a reader that allocates what the file declares before checking it against
the network needs `rows * 30 * 4` bytes (503 MB for the default 4,194,304
rows) whatever the file's size.

    python3 -m venv venv && venv/bin/pip install h5py numpy
    venv/bin/python scripts/sparse_h5.py --file-mb 25 --out sparse-25mb.weights.h5
    venv/bin/python scripts/sparse_h5.py --chunk-rows 16 --chunks 1 \
        --out tests/fixtures/hostile/sparse_chunks.weights.h5

The small file (one chunk of 16 x 30 written) is the regression test's and
the fuzz target's seed.
"""

import argparse

import h5py
import numpy as np


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=4_194_304)
    p.add_argument("--chunk-rows", type=int, default=4096)
    p.add_argument("--file-mb", type=float, default=None, help="write chunks up to this size")
    p.add_argument("--chunks", type=int, default=1, help="chunks to write without --file-mb")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    chunk_bytes = a.chunk_rows * 30 * 4
    chunks = a.chunks
    if a.file_mb is not None:
        chunks = max(1, int(a.file_mb * 1e6 // chunk_bytes))
    rng = np.random.default_rng(0)
    with h5py.File(a.out, "w") as f:
        for key, shape in [("dense", (8, 30)), ("dense_1", (30, 1))]:
            group = f.create_group(f"layers/{key}/vars")
            group.attrs["name"] = key
            if key == "dense":
                kernel = group.create_dataset(
                    "0", shape=(a.rows, 30), dtype="<f4", chunks=(a.chunk_rows, 30)
                )
                for c in range(chunks):
                    rows = slice(c * a.chunk_rows, (c + 1) * a.chunk_rows)
                    kernel[rows] = rng.standard_normal((a.chunk_rows, 30), dtype=np.float32)
            else:
                group.create_dataset("0", data=rng.standard_normal(shape, dtype=np.float32))
            group.create_dataset("1", data=np.zeros(shape[1], dtype=np.float32))
        f.create_group("optimizer/vars").attrs["name"] = "sgd"
        f.create_group("vars").attrs["name"] = "sequential"
    print(f"{a.out}: kernel ({a.rows}, 30) in chunks of ({a.chunk_rows}, 30), {chunks} written")


if __name__ == "__main__":
    main()
