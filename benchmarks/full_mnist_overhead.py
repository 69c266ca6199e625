"""What full MNIST adds to each lesson's run time, measured on a full-size stand-in (no download here).

Every lesson trains on a fixed-size sample (`load_mnist(n_train=..., n_test=...)`), so with the real
70,000 digits only loading changes: reading Keras's `mnist.npz` (60,000 + 10,000 digits) and drawing
the stratified sample from it. This script writes a stand-in of exactly that file (the bundled real
digits repeated to MNIST's shapes, saved like Keras's cache), times `np.load` plus `subsample` for
each `load_mnist` call of each lesson, and prints the extra seconds per lesson next to the same work
on the bundled subset. The one-time download (11.5 MB) is not included: it depends on the network.

Usage:

```bash
.venv/bin/python benchmarks/full_mnist_overhead.py
```
"""

import pathlib
import re
import tempfile
import time

import nbformat
import numpy as np

from callbacks_course.mnist import load_bundled_subset, subsample

COURSE = pathlib.Path(__file__).resolve().parents[1] / "course"
CALL = re.compile(r"load_mnist\(n_train=(\d+), n_test=(\d+)\)")
SIZES = {"train": 60_000, "test": 10_000}


def stand_in(folder):
    """A compressed file shaped like Keras's mnist.npz (x_train 60000x28x28 ...), of the bundled real digits."""
    (x_train, y_train), (x_test, y_test) = load_bundled_subset()
    reps = {"train": -(-SIZES["train"] // len(y_train)), "test": -(-SIZES["test"] // len(y_test))}
    path = folder / "mnist.npz"
    np.savez_compressed(path, x_train=np.tile(x_train, (reps["train"], 1, 1))[:SIZES["train"]],
             y_train=np.tile(y_train, reps["train"])[:SIZES["train"]],
             x_test=np.tile(x_test, (reps["test"], 1, 1))[:SIZES["test"]],
             y_test=np.tile(y_test, reps["test"])[:SIZES["test"]])
    return path


def full_load(path):
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def seconds(load, calls, repeats=5):
    """Best-of-`repeats` time of every `load_mnist` call of a lesson, with `load` as the data source."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for n_train, n_test in calls:
            (x, y), (xt, yt) = load()
            subsample(x, y, n_train, 0), subsample(xt, yt, n_test, 1)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    with tempfile.TemporaryDirectory() as folder:
        path = stand_in(pathlib.Path(folder))
        print("| lesson | load_mnist calls | subset s | full MNIST s | extra s |\n|---|---:|---:|---:|---:|")
        for notebook in sorted(COURSE.glob("*.ipynb")):
            code = "\n".join(c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code")
            calls = [(int(a), int(b)) for a, b in CALL.findall(code)]
            subset, full = seconds(load_bundled_subset, calls), seconds(lambda: full_load(path), calls)
            print(f"| {notebook.stem} | {len(calls)} | {subset:.2f} | {full:.2f} | {full - subset:+.2f} |")


if __name__ == "__main__":
    main()
