"""MNIST for the course: the real dataset when Keras can get it, a bundled subset when not.

`load_mnist()` returns `(x_train, y_train), (x_test, y_test)` exactly like
`keras.datasets.mnist.load_data()`: uint8 images of shape `(N, 28, 28)` and uint8 labels
of shape `(N,)`.

Sources, in order:
1. `keras.datasets.mnist.load_data()` (the Keras cache, or a download).
2. The bundled subset `data/mnist_subset.npz`: 10,000 real MNIST digits (8,000 train,
   2,000 test, stratified), used when the download is impossible.

Set the environment variable `CALLBACKS_COURSE_OFFLINE=1` to skip step 1 (tests and CI do).
Every call that returns the subset prints a one-line notice on stdout, so that a notebook shows
under the cell which data its results come from (numbers differ on the full dataset).

Example:

```python
(x_train, y_train), (x_test, y_test) = load_mnist(n_train=2000, n_test=500)
x_train, x_test = normalize(x_train), normalize(x_test)
```
"""

import importlib.resources
import os

import numpy as np

OFFLINE_ENV = "CALLBACKS_COURSE_OFFLINE"
SUBSET_FILE = "mnist_subset.npz"
SUBSET_NOTICE = "Data: the bundled subset of 10,000 real MNIST digits (8,000 train, 2,000 test), not the full 70,000"


def offline_forced():
    """True when the environment asks for the bundled subset only."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def load_bundled_subset():
    """Load the bundled subset of real MNIST digits, in the `load_data()` layout."""
    with importlib.resources.files(__package__).joinpath("data", SUBSET_FILE).open("rb") as f:
        with np.load(f, allow_pickle=False) as arrays:
            return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_full_mnist():
    """The real dataset through Keras (its cache first, then a download)."""
    import keras

    return keras.datasets.mnist.load_data()


def subsample(x, y, n, seed):
    """A deterministic, class-stratified sample of `n` items (all of them when `n` is None)."""
    if n is None or n >= len(y):
        return x, y
    if n <= 0:
        raise ValueError(f"sample size must be positive, got {n}")
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    picked = []
    for rank, c in enumerate(classes):
        members = np.flatnonzero(y == c)
        share = n // len(classes) + (rank < n % len(classes))
        picked.append(rng.choice(members, size=min(share, len(members)), replace=False))
    order = rng.permutation(np.concatenate(picked))
    return x[order], y[order]


def load_mnist(n_train=None, n_test=None, seed=0):
    """Load MNIST like `keras.datasets.mnist.load_data()`, optionally subsampled.

    Args:
        n_train: number of training digits to keep (stratified by class); `None` keeps all.
        n_test: number of test digits to keep; `None` keeps all.
        seed: seed of the subsampling, so the same arguments give the same digits.

    Returns:
        `(x_train, y_train), (x_test, y_test)`, uint8, shapes `(N, 28, 28)` and `(N,)`. When they
        come from the bundled subset, a line starting with `SUBSET_NOTICE` is printed on stdout.
    """
    if offline_forced():
        (x_train, y_train), (x_test, y_test) = load_bundled_subset()
        print(f"{SUBSET_NOTICE} ({OFFLINE_ENV}=1).")
    else:
        try:
            (x_train, y_train), (x_test, y_test) = load_full_mnist()
        except Exception as error:  # no network, no cache, a proxy page: all end the same way
            (x_train, y_train), (x_test, y_test) = load_bundled_subset()
            print(f"{SUBSET_NOTICE}: the MNIST download is unavailable ({type(error).__name__}).")
    return subsample(x_train, y_train, n_train, seed), subsample(x_test, y_test, n_test, seed + 1)


def normalize(images):
    """Scale uint8 images to float32 in [0, 1]."""
    return np.asarray(images, dtype=np.float32) / 255.0
