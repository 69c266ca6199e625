"""Run the same callbacks on another Keras backend, in a process of its own.

Keras reads `KERAS_BACKEND` once, when it is first imported: a notebook that runs on TensorFlow
cannot switch to JAX. `run_on(backend)` therefore starts `python -m callbacks_course.backends`
with `KERAS_BACKEND` set, which trains the same small MNIST classifier with the same callbacks and
prints what it saw as JSON; `run_on` returns that dictionary. `run_here()` runs the same
experiment in the calling process, on the backend it already loaded (no second import of it), and
returns the same dictionary. Run the backends one after the other: side by side on a small machine
they would disturb each other's timings.

What an experiment reports:

- `backend`: the backend Keras really loaded;
- `hooks`: the epoch- and run-level hook calls of a 2-epoch `fit` with validation, in order;
- `log_keys`: the keys of `logs` at `on_epoch_end`;
- `learning_rates`: the rates `LearningRateScheduler` set, as `History` logged them;
- `batch_end_threads`: the thread `on_train_batch_end` ran on at each batch, for a callback that
  overrides it with `async_safe = True`, for one that overrides it plainly, and for the
  `async_safe` one next to a plain one in the same `fit`;
- `ms_per_batch`: wall milliseconds from one batch's start to the next (the median over the epochs
  after the first) in a `fit` whose `on_train_batch_end` does nothing, and in one that reads
  `self.model`;
- `self_model_us`: microseconds one read of `self.model` takes in `on_train_batch_end` (median), and
  `state_variables`: how many variables the JAX sync copies back (weights, optimizer, metrics);
- `jit_compile`: whether Keras compiled the training step with XLA (`jit_compile="auto"`);
- `first_batch_ms`, `later_batch_ms`: in the first epoch of a new model's first `fit`, the first
  batch's time and the median of the others.

Example:

```python
results = {"tensorflow": run_here(), "jax": run_on("jax")}   # a TensorFlow kernel: JAX in a child
results["jax"]["batch_end_threads"]["async_safe"][:1]          # ['ThreadPoolExecutor-1_0']
results["tensorflow"]["batch_end_threads"]["async_safe"][:1]   # ['MainThread']
```
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time

import matplotlib.pyplot as plt

BACKENDS = ("tensorflow", "jax")
COLORS = {"tensorflow": "tab:orange", "jax": "tab:blue"}
MARK = "CALLBACKS_COURSE_RESULT "


def run_on(backend, n_train=2048, epochs=3, timeout=300):
    """Run the experiment on `backend` in a new Python process; return its results.

    Args:
        backend: a Keras backend name, e.g. `"tensorflow"` or `"jax"`.
        n_train: training digits (batches of 32).
        epochs: epochs of each timed `fit` (at least 2: the first one is left out).
        timeout: seconds allowed for the process.

    Returns:
        The dictionary described in the module docstring. The process's other stdout lines (the
        data loader's notice) are printed here, each after `"<backend> process: "`.

    Raises:
        RuntimeError: the process failed; the message carries its stderr.
    """
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-m", __name__, str(n_train), str(epochs)], env=env,
                          capture_output=True, text=True, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    for line in done.stdout.splitlines():
        if not line.startswith(MARK):
            print(f"{backend} process: {line}")  # the child's own output, such as the data loader's notice
    if done.returncode != 0 or len(lines) != 1:
        raise RuntimeError(f"the {backend} run failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[0].removeprefix(MARK))


def run_here(n_train=2048, epochs=3):
    """Run the experiment in this process, on the backend Keras loaded here; return what `run_on` would.

    The results pass through JSON as `run_on`'s do, so both compare equal where they agree (pairs
    are lists either way).

    Example:

    ```python
    run_here(n_train=1024)["backend"]   # 'tensorflow' in a notebook on TensorFlow
    ```
    """
    return json.loads(json.dumps(_experiment(n_train, epochs)))


def plot_batch_costs(results, ax=None, title="Milliseconds per batch"):
    """Bars of `ms_per_batch` for each backend: a batch-end hook that does nothing, one that reads `self.model`.

    Args:
        results: `{backend: run_on(backend)}`.
        ax: the matplotlib axes to draw on; a new figure when None.
        title: the axes title.

    Returns:
        The matplotlib axes.

    Example:

    ```python
    plot_batch_costs({backend: run_on(backend) for backend in BACKENDS})
    ```
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3))
    styles = ("does_nothing", "reads_self_model")
    width = 0.8 / len(results)
    for offset, (backend, result) in enumerate(results.items()):
        values = [result["ms_per_batch"][style] for style in styles]
        bars = ax.bar([i + offset * width for i in range(len(styles))], values, width, label=backend,
                      color=COLORS.get(backend))
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.set_xticks([i + width * (len(results) - 1) / 2 for i in range(len(styles))],
                  ["on_train_batch_end does nothing", "on_train_batch_end reads self.model"])
    ax.set_ylabel("ms per batch")
    ax.set_title(title)
    ax.legend()
    return ax


def _experiment(n_train, epochs):
    """Train with the course's callbacks on the backend this process loaded (runs in the child)."""
    import callbacks_course.quiet  # noqa: F401  (before keras: TensorFlow's start-up lines)
    import keras

    from callbacks_course.mnist import load_mnist, normalize
    from callbacks_course.models import make_classifier
    from callbacks_course.recorder import EventRecorder, RUN_HOOKS, EPOCH_HOOKS

    (x, y), (x_val, y_val) = load_mnist(n_train=n_train, n_test=128)
    x, x_val = normalize(x), normalize(x_val)

    class Threads(keras.callbacks.Callback):
        def __init__(self, async_safe):
            super().__init__()
            self.async_safe = async_safe
            self.names = []

        def on_train_batch_end(self, batch, logs=None):
            self.names.append(threading.current_thread().name)

    class BatchClock(keras.callbacks.Callback):
        """The start time of every batch, by epoch (from `on_train_batch_begin`: always synchronous)."""

        def __init__(self, read_model):
            super().__init__()
            self.read_model = read_model
            self.starts, self.property_us = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self.starts.append([])

        def on_train_batch_begin(self, batch, logs=None):
            self.starts[-1].append(time.perf_counter())

        def on_train_batch_end(self, batch, logs=None):
            if self.read_model:
                start = time.perf_counter()
                self.model  # noqa: B018  (the property: on JAX it syncs the model's state)
                self.property_us.append(1e6 * (time.perf_counter() - start))

        def gaps_ms(self, epochs):
            """Milliseconds from one batch's start to the next's, within the epochs `epochs`."""
            return [1000 * (b - a) for epoch in epochs for a, b in zip(self.starts[epoch], self.starts[epoch][1:])]

    recorder = EventRecorder(hooks=RUN_HOOKS + EPOCH_HOOKS)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, rate: 1e-3 * (epoch + 1))
    first_fit = BatchClock(False)
    model = make_classifier()  # one model for every fit: its training step is compiled once, in this first fit
    history = model.fit(x, y, batch_size=32, epochs=2, validation_data=(x_val, y_val),
                        callbacks=[recorder, schedule, first_fit], verbose=0)
    threads = {}
    for style, watchers in (("async_safe", [Threads(True)]), ("plain", [Threads(False)]),
                            ("async_safe_next_to_plain", [Threads(True), Threads(False)])):
        model.fit(x, y, batch_size=32, epochs=1, callbacks=watchers, verbose=0)
        threads[style] = watchers[0].names

    clocks = {"does_nothing": BatchClock(False), "reads_self_model": BatchClock(True)}
    for clock in clocks.values():
        model.fit(x, y, batch_size=32, epochs=epochs, callbacks=[clock], verbose=0)
    first_epoch = first_fit.gaps_ms([0])
    return {
        "backend": keras.backend.backend(),
        "hooks": [(event.hook, event.index) for event in recorder.events],
        "log_keys": sorted(recorder.events[-2].logs),
        "learning_rates": [float(rate) for rate in history.history["learning_rate"]],
        "batch_end_threads": threads,
        "ms_per_batch": {name: statistics.median(clock.gaps_ms(range(1, epochs))) for name, clock in clocks.items()},
        "self_model_us": statistics.median(clocks["reads_self_model"].property_us),
        "state_variables": len(model.trainable_variables + model.non_trainable_variables + model.optimizer.variables
                               + model.metrics_variables),
        "jit_compile": bool(model.jit_compile),
        "first_batch_ms": first_epoch[0],
        "later_batch_ms": statistics.median(first_epoch[1:]),
    }


if __name__ == "__main__":
    print(MARK + json.dumps(_experiment(int(sys.argv[1]), int(sys.argv[2]))))
