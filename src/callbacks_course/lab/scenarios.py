"""Shared pieces of the lab's checks: tiny data, a reusable model, scripted logs, probes.

Every check trains a real Keras model on a few hundred offline MNIST digits. The probes here
are the grader's own callbacks: they watch the run (or script the numbers in `logs`)
independently of the student's callback.

Example:

```python
model = fresh_model()
script = ScriptedLogs(val_loss=[1.0, 0.8, 0.9])
trace = WeightTrace()
model.fit(batches(*train_data(64)), epochs=3, shuffle=False, validation_data=batches(*val_data(32)),
          callbacks=[script, student_callback, trace], verbose=0)
trace.matching_epoch(model.get_weights())   # the epoch whose weights the model ended with
```
"""

import contextlib
import functools
import os

import keras
import numpy as np
import tensorflow as tf

from callbacks_course.fresh import Rewind
from callbacks_course.grading import GradingError, Result
from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier
from callbacks_course.sandbox import limits
from callbacks_course.sandbox.host.remote import StudentError

BATCH_SIZE = 64
SEED = 0  # `fresh_model` seeds every run with it


@functools.lru_cache(maxsize=1)
def _digits():
    (x_train, y_train), (x_val, y_val) = load_mnist(n_train=512, n_test=128)
    return (normalize(x_train), y_train), (normalize(x_val), y_val)


_digits()  # loaded with the checks, so that grading sandboxes forked afterwards share it


def train_data(n):
    """The first `n` (at most 512) training digits as `(x, y)`, scaled to [0, 1]."""
    x, y = _digits()[0]
    return x[:n], y[:n]


def val_data(n):
    """The first `n` (at most 128) held-out digits as `(x, y)`, scaled to [0, 1]."""
    x, y = _digits()[1]
    return x[:n], y[:n]


def batches(x, y=None):
    """`x` (and labels `y`) as a `tf.data` pipeline of `BATCH_SIZE` batches, in order.

    Given NumPy arrays, Keras builds a pipeline that maps in parallel and prefetches with
    autotuning, starting and stopping its threads every epoch: in a fresh grading sandbox that
    costs more than the tiny training itself. This plain pipeline runs in the training thread;
    callbacks see the same hooks, `params` and logs. The batches come in order (fit with
    `shuffle=False`): no check depends on the order of the digits.

    Args:
        x: images.
        y: labels, or None for `predict`.

    Example:

    ```python
    model.fit(batches(*train_data(64)), epochs=3, shuffle=False, validation_data=batches(*val_data(32)))
    ```
    """
    dataset = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y)).batch(BATCH_SIZE)
    options = tf.data.Options()
    options.autotune.enabled = False
    options.experimental_optimization.apply_default_optimizations = False
    return dataset.with_options(options)


@functools.lru_cache(maxsize=None)
def _model(learning_rate):
    # Loss only: the checks never read a metric. Compiled (not run eagerly): the checks run in the
    # long-lived grading worker, which reuses this model for every item of every submission, so its
    # training and test steps are traced once per worker (a few seconds) instead of running op by op
    # in every fit; the callbacks see the same hooks and logs either way.
    model = make_classifier(hidden_units=16, learning_rate=learning_rate, seed=SEED, metrics=())
    return model, Rewind(model, SEED)  # its weights and Adam's step count, learning rate and moments


def fresh_model(learning_rate=1e-3):
    """A small classifier (loss only) with its initial weights and optimizer state, Adam at `learning_rate`.

    One model per learning rate is reused (built and traced once per process); each call restores
    its weights (those `make_classifier(seed=0)` starts with) and Adam's state (no moments, step
    count or changed learning rate from an earlier run) and seeds Python's, NumPy's and Keras's
    random generators, so that a scenario does not depend on what ran before it.
    """
    model, rewind = _model(learning_rate)
    rewind()
    model.stop_training = False
    return model


@contextlib.contextmanager
def working_directory(path):
    """Run the `with` block in the folder `path`, then return to the previous one."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def student_object(student, name, kind):
    """A factory for the student's `name`, reached through `student` (a `sandbox.host.remote.Student`).

    Calling the factory creates the student's callback (a `RemoteCallback`) or calls their
    function (its return value as data). Nothing is looked up until then: a missing name or a
    name of the wrong kind raises `GradingError` from the call, which `run_student` lets through.

    Args:
        student: the handle on the student's code.
        name: the name the contract asks for.
        kind: "callback class" or "function".

    Example:

    ```python
    timer_class = student_object(student, "BatchTimer", "callback class")
    timer, error = run_student(timer_class)   # a keras Callback that forwards to the student's
    ```
    """
    if kind == "callback class":
        return functools.partial(student.callback, name)
    return functools.partial(student.call, name)


def failure(error):
    """A one-line description of an exception raised by the student's code (`StudentError` unwrapped), truncated."""
    if isinstance(error, StudentError):
        return str(error)[:limits.MESSAGE_CHARS]
    return f"{type(error).__name__}: {error}"[:limits.MESSAGE_CHARS]


def run_student(action):
    """Run `action()`; return `(value, None)`, or `(None, "ExcType: message")` if it raised.

    A `GradingError` (a missing name, an unreadable value) is not the student's code failing:
    it ends the check with its message. `ItemAborted` (a BaseException) is never caught.
    """
    try:
        return action(), None
    except GradingError:
        raise
    except Exception as error:  # the student's code may raise anything; report it, don't crash
        return None, failure(error)


def floats(values):
    """`values` as a list of plain floats, or None when it is not a sequence of numbers."""
    try:
        return [float(value) for value in values]
    except (TypeError, ValueError):
        return None


def plain_number(value):
    """`value` as a plain float (ints stay ints), None stays None, anything else as its repr."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)[:80]


class ScriptedLogs(keras.callbacks.Callback):
    """Overwrites entries of the epoch-end `logs` with scripted values.

    Placed first in the callback list, it makes every later callback see the scripted
    numbers (Keras hands the same `logs` dict to each callback in turn).

    Args:
        **curves: one list of values per `logs` key, indexed by epoch.
    """

    def __init__(self, **curves):
        super().__init__()
        self.curves = curves

    def on_epoch_end(self, epoch, logs=None):
        for key, values in self.curves.items():
            logs[key] = float(values[epoch])


class WeightTrace(keras.callbacks.Callback):
    """Keeps a copy of the model's weights at the end of every epoch of the latest `fit`."""

    def __init__(self):
        super().__init__()
        self.weights = []  # none yet, also when a callback before this one ends `fit` before it begins

    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())

    def matching_epoch(self, weights):
        """The last epoch whose end-of-epoch weights equal `weights`, or None."""
        for epoch in reversed(range(len(self.weights))):
            if all(np.array_equal(a, b) for a, b in zip(self.weights[epoch], weights)):
                return epoch
        return None


class StopAfter(keras.callbacks.Callback):
    """Stops training at the end of epoch `epoch` (0-based), like an early-stopping callback would."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.epoch:
            self.model.stop_training = True


def fraction_and_message(checks):
    """Combine `(passed, message)` pairs into a `Result`: the share passed; failures listed first."""
    passed = [message for ok, message in checks if ok]
    failed = [message for ok, message in checks if not ok]
    lines = [f"✗ {message}" for message in failed] + [f"✓ {message}" for message in passed]
    return Result(len(passed) / len(checks), "\n".join(lines))
