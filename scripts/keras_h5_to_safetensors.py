"""A Keras 3 `.weights.h5` file's layer weights as a safetensors file with
this project's tensor names (`<layer name>/kernel`, `<layer name>/bias`, F32,
Keras's shapes and row-major layout), written with h5py, json and struct.

    python scripts/keras_h5_to_safetensors.py IN.weights.h5 OUT.safetensors

Each group `layers/<kind>[_k]/vars` gives its layer's name (the `name`
attribute) and its variables `0`, `1` (a Dense layer's kernel and bias).
Only Dense layers are written (the layers tests/fixtures/weights needs).
"""

import json
import struct
import sys

import h5py
import numpy as np


def main():
    src, dst = sys.argv[1], sys.argv[2]
    header, data = {}, b""
    with h5py.File(src, "r") as f:
        for key in sorted(f["layers"].keys()):
            group = f["layers"][key]["vars"]
            if not key.startswith("dense"):
                continue
            name = group.attrs["name"]
            for i, weight in enumerate(["kernel", "bias"]):
                array = np.asarray(group[str(i)], dtype="<f4")
                raw = array.tobytes(order="C")
                header[f"{name}/{weight}"] = {
                    "dtype": "F32",
                    "shape": list(array.shape),
                    "data_offsets": [len(data), len(data) + len(raw)],
                }
                data += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(dst, "wb") as out:
        out.write(struct.pack("<Q", len(h)) + h + data)


if __name__ == "__main__":
    main()
