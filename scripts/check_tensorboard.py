"""Loads the event files of a `TensorBoard` callback run with TensorBoard's
own EventAccumulator and checks every scalar against the run's History.

    python scripts/check_tensorboard.py RUN_DIR --update-freq N --histogram-freq K

RUN_DIR holds `train/`, `validation/` and `history.json` (written by
`examples/tensorboard.rs`). Checked: epoch_<metric> in train/ and
validation/ against the History (as float32), epoch_learning_rate, the
evaluation_<metric>_vs_iterations steps, the batch_<metric> steps (every
N-th batch of the run) and, at each epoch's last batch when N divides it,
the batch value against the epoch's; each weight histogram's counts sum to
its array's size at every K-th epoch. Exits 1 on the first mismatch.
"""

import argparse
import json
import os
import sys

import numpy as np
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util


def load(folder):
    acc = event_accumulator.EventAccumulator(
        folder, size_guidance={event_accumulator.TENSORS: 0}
    )
    acc.Reload()
    series = {}
    for tag in acc.Tags()["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        points = [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)]
        series[tag] = (plugin, points)
    return series


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("run_dir")
    parser.add_argument("--update-freq", type=int, default=0)
    parser.add_argument("--histogram-freq", type=int, default=0)
    parser.add_argument("--learning-rate", type=float, default=0.01)
    args = parser.parse_args()

    with open(os.path.join(args.run_dir, "history.json")) as f:
        doc = json.load(f)
    history, params = doc["history"], doc["params"]
    epochs, steps = len(history["loss"]), params["steps"]
    train = load(os.path.join(args.run_dir, "train"))
    validation = load(os.path.join(args.run_dir, "validation"))
    checked = 0

    def expect(cond, message):
        if not cond:
            sys.exit(f"check_tensorboard: {message}")

    def scalars(series, tag):
        expect(tag in series, f"no `{tag}`; tags: {sorted(series)}")
        plugin, points = series[tag]
        expect(plugin == "scalars", f"`{tag}` is shown by `{plugin}`, not `scalars`")
        for _, value in points:
            expect(value.shape == () and value.dtype == np.float32, f"`{tag}`: {value.dtype} {value.shape}")
        return [s for s, _ in points], [float(v) for _, v in points]

    for name, values in history.items():
        series, tag = (validation, name[4:]) if name.startswith("val_") else (train, name)
        got_steps, got = scalars(series, f"epoch_{tag}")
        expect(got_steps == list(range(epochs)), f"epoch_{tag} steps {got_steps}")
        want = [float(np.float32(v)) for v in values]
        expect(got == want, f"epoch_{tag} in {'validation' if series is validation else 'train'}: {got} != {want}")
        checked += len(got)
        if series is validation:
            got_steps, got = scalars(validation, f"evaluation_{tag}_vs_iterations")
            expect(got_steps == [steps * (e + 1) for e in range(epochs)], f"evaluation_{tag} steps {got_steps}")
            expect(got == want, f"evaluation_{tag}_vs_iterations {got} != {want}")
            checked += len(got)

    got_steps, got = scalars(train, "epoch_learning_rate")
    expect(got == [float(np.float32(args.learning_rate))] * epochs, f"epoch_learning_rate {got}")
    checked += len(got)

    batch_tags = [t for t in train if t.startswith("batch_")]
    if args.update_freq:
        want_steps = [s for s in range(1, steps * epochs + 1) if s % args.update_freq == 0]
        for tag in batch_tags:
            got_steps, got = scalars(train, tag)
            expect(got_steps == want_steps, f"{tag} steps {got_steps[:5]}... != {want_steps[:5]}...")
            expect(all(np.isfinite(got)), f"{tag} not finite")
            ends = history[tag[len("batch_"):]]
            for step, value in zip(got_steps, got):
                if step % steps == 0:
                    epoch_value = ends[step // steps - 1]
                    expect(abs(value - epoch_value) <= 1e-5 * abs(epoch_value),
                           f"{tag} at the end of epoch {step // steps - 1}: {value} != {epoch_value}")
            checked += len(got)
        expect(len(batch_tags) == len([n for n in history if not n.startswith("val_")]),
               f"batch tags {batch_tags}")
    else:
        expect(not batch_tags, f"batch scalars without update_freq: {batch_tags}")

    histograms = {t: v for t, v in train.items() if v[0] == "histograms"}
    if args.histogram_freq:
        expect(histograms, "no histogram")
        want_steps = [e for e in range(epochs) if e % args.histogram_freq == 0]
        for tag, (_, points) in histograms.items():
            expect([s for s, _ in points] == want_steps, f"{tag} steps")
            sizes = {int(v[:, 2].sum()) for _, v in points}
            expect(len(sizes) == 1 and points[0][1].shape == (30, 3), f"{tag}: counts {sizes}")
            for _, v in points:
                expect(np.all(v[:, 0] <= v[:, 1]), f"{tag}: edges out of order")
        print(f"{len(histograms)} weight histograms at epochs {want_steps}")
    else:
        expect(not histograms, "histograms without histogram_freq")
    print(f"check_tensorboard: {checked} scalars match the History ({epochs} epochs, {steps} steps each)")


if __name__ == "__main__":
    main()
