"""Answers to the lab's exercises for the fairness tests: correct ones written differently, and wrong ones.

`CORRECT[exercise]` holds alternatives to the reference solution (which the tests take from
the solutions notebook); `WRONG[exercise]` maps a plausible mistake to its answer-cell source
and the fraction each of the exercise's checks must give it. Sources run after the
notebook's setup cell, like a student's answer cell.
"""

import pathlib

import nbformat

SOURCE = pathlib.Path(__file__).resolve().parents[2] / "solutions" / "callbacks_lab" / "callbacks_lab.ipynb"


def nbgrader_meta(cell):
    """A cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def setup_source():
    """The notebook's setup cells (locked code cells that are neither answers nor tests), joined."""
    nb = nbformat.read(SOURCE, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code" and nbgrader_meta(c).get("locked")
                     and not nbgrader_meta(c).get("grade"))


def reference_answers():
    """The solution cells of the instructor notebook, by exercise ("ex1" ... "ex7")."""
    nb = nbformat.read(SOURCE, as_version=4)
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if nbgrader_meta(c).get("solution")}


CORRECT = {
    "ex1": {
        "tf.timestamp, and the optimizer's step count checked every batch": '''
import tensorflow as tf


class BatchTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.durations = []
        self.first_step = int(self.model.optimizer.iterations.numpy())

    def on_train_batch_begin(self, batch, logs=None):
        self.began = tf.timestamp()

    def on_train_batch_end(self, batch, logs=None):
        took = keras.ops.convert_to_numpy(tf.timestamp() - self.began)
        if int(self.model.optimizer.iterations) != self.first_step + len(self.durations) + 1:
            raise RuntimeError("the optimizer did not take one step per batch")
        self.durations.append(float(took))
''',
        "monotonic_ns and the old batch-hook aliases": '''
class BatchTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.durations = []

    def on_batch_begin(self, batch, logs=None):
        self.start_ns = time.monotonic_ns()

    def on_batch_end(self, batch, logs=None):
        self.durations.append((time.monotonic_ns() - self.start_ns) / 1e9)
''',
        "datetime, a dict of start times, list cleared in place": '''
import datetime


class BatchTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.durations = []
        self.starts = {}

    def on_train_batch_end(self, batch, logs=None):
        took = datetime.datetime.now() - self.starts.pop(batch)
        self.durations.append(took.total_seconds())

    def on_train_batch_begin(self, batch, logs=None):
        self.starts[batch] = datetime.datetime.now()

    def on_train_begin(self, logs=None):
        self.durations.clear()
        self.starts.clear()
''',
    },
    "ex2": {
        "keras.ops.divide, the model kept from set_model": '''
class DetectOverfittingCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def set_model(self, model):
        super().set_model(model)
        self.trained_model = model

    def on_train_begin(self, logs=None):
        self.ratios, self.stopped_epoch = [], None

    def on_epoch_end(self, epoch, logs=None):
        if "val_loss" not in logs:
            raise ValueError("validation data is needed: the logs have no val_loss")
        ratio = float(keras.ops.convert_to_numpy(keras.ops.divide(logs["val_loss"], logs["loss"])))
        self.ratios.append(ratio)
        if self.stopped_epoch is None and ratio > self.threshold:
            self.stopped_epoch = epoch
            self.trained_model.stop_training = True
''',
        "a fired flag, logs.get, numpy division": '''
class DetectOverfittingCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.limit = float(threshold)

    def on_train_begin(self, logs=None):
        self.fired = False
        self.stopped_epoch = None
        self.ratios = list()

    def on_epoch_end(self, epoch, logs=None):
        val_loss = (logs or {}).get("val_loss")
        if val_loss is None:
            raise ValueError("no val_loss in the logs: fit needs validation data (validation_data=...)")
        ratio = float(np.divide(val_loss, logs["loss"]))
        self.ratios.append(ratio)
        if not self.fired and ratio > self.limit:
            self.fired = True
            self.model.stop_training = True
            self.stopped_epoch = epoch
''',
    },
    "ex3": {
        "model.weights copied with keras.ops, restored with variable.assign": '''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_epoch = 0, 0, None, 0
        self.snapshot = None

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get(self.monitor)
        if current is None:
            return
        self.wait += 1
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.snapshot = [keras.ops.copy(variable) for variable in self.model.weights]
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.snapshot is not None:
            for variable, value in zip(self.model.weights, self.snapshot):
                variable.assign(value)
''',
        "save_weights to a file, load_weights at the end": '''
import os
import tempfile


class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.path = os.path.join(tempfile.mkdtemp(), "best.weights.h5")

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best, self.best_epoch = 0, 0, None, 0
        self.saved = False

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get(self.monitor)
        if current is None:
            return
        self.wait += 1
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.model.save_weights(self.path)
                self.saved = True
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.saved:
            self.model.load_weights(self.path)
''',
        "infinite start, difference test, copied arrays": '''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience = monitor, patience
        self.min_delta, self.restore_best_weights = abs(min_delta), restore_best_weights

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.stopped_epoch = None, 0, 0, 0
        self.saved = None

    def on_train_end(self, logs=None):
        if self.saved is not None and self.restore_best_weights:
            self.model.set_weights(self.saved)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            return
        value = logs[self.monitor]
        reference = float("inf") if self.best is None else self.best
        if reference - value > self.min_delta:
            self.best = value
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.saved = [w.copy() for w in self.model.get_weights()]
        else:
            self.wait = self.wait + 1
            if epoch > 0 and self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
''',
    },
    "ex4": {
        "f-strings and keyword arguments": '''
def make_callbacks(run_dir):
    return [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(filepath=f"{run_dir}/ckpt-{{epoch:02d}}-{{val_loss:.4f}}.keras",
                                        monitor="val_loss", save_best_only=True),
        keras.callbacks.TensorBoard(log_dir=f"{run_dir}/tensorboard"),
        keras.callbacks.CSVLogger(filename=f"{run_dir}/history.csv"),
    ]
''',
        "os.path strings, another order, explicit defaults": '''
import os


def make_callbacks(run_dir):
    folder = os.fspath(run_dir)
    return [
        keras.callbacks.TensorBoard(os.path.join(folder, "tensorboard")),
        keras.callbacks.CSVLogger(os.path.join(folder, "history.csv"), append=False),
        keras.callbacks.EarlyStopping("val_loss", patience=2, mode="min", restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(os.path.join(folder, "ckpt-{epoch:02d}-{val_loss:.4f}.keras"),
                                        monitor="val_loss", mode="min", save_best_only=True,
                                        save_weights_only=False),
    ]
''',
        "pathlib, a table of (class, kwargs) built in a loop, zero-padded specs, explicit per-epoch logging": '''
import pathlib


def make_callbacks(run_dir):
    run_dir = pathlib.Path(run_dir)
    plan = [
        (keras.callbacks.ModelCheckpoint, {"filepath": str(run_dir / "ckpt-{epoch:002d}-{val_loss:06.4f}.keras"),
                                           "save_best_only": True, "save_freq": "epoch", "verbose": 0}),
        (keras.callbacks.EarlyStopping, {"patience": 2, "min_delta": 0.0, "baseline": None,
                                         "restore_best_weights": True, "start_from_epoch": 0}),
        (keras.callbacks.CSVLogger, {"filename": str(run_dir.joinpath("history.csv")), "separator": ","}),
        (keras.callbacks.TensorBoard, {"log_dir": str(run_dir / "tensorboard"), "update_freq": "epoch",
                                       "histogram_freq": 0, "write_graph": False}),
    ]
    callbacks = []
    for cls, kwargs in plan:
        callbacks.append(cls(**kwargs))
    return callbacks
''',
    },
    "ex5": {
        "calling the model, .numpy() and argmax": '''
class PredictionGallery(keras.callbacks.Callback):
    def __init__(self, images, labels, n_samples=8, gif_path="training_progress.gif"):
        super().__init__()
        self.images, self.labels, self.n_samples, self.gif_path = images, labels, n_samples, gif_path

    def on_train_begin(self, logs=None):
        self.sample_indices = np.random.choice(len(self.images), self.n_samples, replace=False)
        self.frames, self.predictions = [], []

    def on_epoch_end(self, epoch, logs=None):
        samples = self.images[self.sample_indices]
        predicted = self.model(samples, training=False).numpy().argmax(axis=-1)
        self.predictions.append(predicted)
        fig, axes = plt.subplots(1, self.n_samples, figsize=(self.n_samples, 1.5))
        for ax, image, guess in zip(np.atleast_1d(axes), samples, predicted):
            ax.imshow(image, cmap="gray")
            ax.set_title(str(guess))
            ax.axis("off")
        fig.canvas.draw()
        self.frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
        plt.close(fig)

    def on_train_end(self, logs=None):
        imageio.mimsave(self.gif_path, self.frames, duration=300)
''',
        "keras.ops.argmax of predict_on_batch": '''
class PredictionGallery(keras.callbacks.Callback):
    def __init__(self, images, labels, n_samples=8, gif_path="training_progress.gif"):
        super().__init__()
        self.images, self.labels, self.n_samples, self.gif_path = images, labels, n_samples, gif_path

    def on_train_begin(self, logs=None):
        self.sample_indices = np.random.permutation(len(self.images))[: self.n_samples]
        self.frames, self.predictions = [], []

    def on_epoch_end(self, epoch, logs=None):
        samples = self.images[self.sample_indices]
        scores = self.model.predict_on_batch(samples)
        predicted = keras.ops.convert_to_numpy(keras.ops.argmax(scores, axis=-1))
        self.predictions.append(predicted)
        fig, axes = plt.subplots(1, self.n_samples)
        for ax, image, guess, truth in zip(np.atleast_1d(axes), samples, predicted, self.labels[self.sample_indices]):
            ax.imshow(image, cmap="gray")
            ax.set_title(f"{guess}/{truth}")
        fig.canvas.draw()
        self.frames.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        plt.close(fig)

    def on_train_end(self, logs=None):
        imageio.mimsave(self.gif_path, self.frames)
''',
        "pyplot figures left open (asked against, but no check can see it)": '''
class PredictionGallery(keras.callbacks.Callback):
    def __init__(self, images, labels, n_samples=8, gif_path="training_progress.gif"):
        super().__init__()
        self.images, self.labels, self.n_samples, self.gif_path = images, labels, n_samples, gif_path

    def on_train_begin(self, logs=None):
        self.sample_indices = np.random.choice(len(self.images), self.n_samples, replace=False)
        self.frames, self.predictions = [], []

    def on_epoch_end(self, epoch, logs=None):
        predicted = np.argmax(self.model.predict(self.images[self.sample_indices], verbose=0), axis=1)
        self.predictions.append(predicted)
        fig = plt.figure(figsize=(8, 2))
        for k, index in enumerate(self.sample_indices):
            ax = fig.add_subplot(1, self.n_samples, k + 1)
            ax.imshow(self.images[index], cmap="gray")
            ax.set_title(f"{predicted[k]} / {self.labels[index]}")
        fig.canvas.draw()
        self.frames.append(np.asarray(fig.canvas.buffer_rgba()).copy())

    def on_train_end(self, logs=None):
        imageio.mimsave(self.gif_path, self.frames)
''',
        "object-oriented matplotlib, a permutation, Pillow for the GIF": '''
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage


class PredictionGallery(keras.callbacks.Callback):
    def __init__(self, images, labels, n_samples=8, gif_path="training_progress.gif"):
        super().__init__()
        self.images, self.labels, self.n_samples, self.gif_path = images, labels, n_samples, gif_path

    def on_train_begin(self, logs=None):
        rng = np.random.default_rng(7)
        self.sample_indices = rng.permutation(len(self.images))[: self.n_samples]
        self.frames = []
        self.predictions = []

    def on_epoch_end(self, epoch, logs=None):
        picked = self.images[self.sample_indices]
        guesses = np.asarray(self.model(picked, training=False)).argmax(axis=1)
        self.predictions.append(guesses)
        figure = Figure(figsize=(8, 2))
        FigureCanvasAgg(figure)
        for k, index in enumerate(self.sample_indices):
            ax = figure.add_subplot(1, self.n_samples, k + 1)
            ax.imshow(self.images[index], cmap="gray")
            ax.set_title(f"pred {guesses[k]} / true {self.labels[index]}", fontsize=6)
            ax.set_axis_off()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        self.frames.append(np.array(PILImage.open(buffer).convert("RGB")))

    def on_train_end(self, logs=None):
        first, *rest = [PILImage.fromarray(frame) for frame in self.frames]
        first.save(self.gif_path, save_all=True, append_images=rest, duration=400, loop=0)
''',
    },
    "ex6": {
        "hooks set in a loop, a Counter behind a counts property": '''
import collections


class PhaseCounter(keras.callbacks.Callback):
    KEYS = {"on_train_batch_begin": "train_batches", "on_test_batch_begin": "test_batches",
            "on_predict_batch_begin": "predict_batches", "on_epoch_begin": "epochs",
            "on_train_begin": "train_runs", "on_test_begin": "test_runs", "on_predict_begin": "predict_runs"}

    def __init__(self):
        super().__init__()
        self.tally = collections.Counter()

    @property
    def counts(self):
        return {key: self.tally[key] for key in self.KEYS.values()}


for _hook, _key in PhaseCounter.KEYS.items():
    setattr(PhaseCounter, _hook, lambda self, *args, _key=_key, **kwargs: self.tally.update([_key]))
''',
        "end hooks, a dict comprehension, a shared helper": '''
class PhaseCounter(keras.callbacks.Callback):
    KEYS = ("train_batches", "test_batches", "predict_batches", "epochs",
            "train_runs", "test_runs", "predict_runs")

    def __init__(self):
        super().__init__()
        self.counts = {key: 0 for key in self.KEYS}

    def bump(self, key):
        self.counts[key] = self.counts[key] + 1

    def on_train_batch_end(self, batch, logs=None):
        self.bump("train_batches")

    def on_test_batch_end(self, batch, logs=None):
        self.bump("test_batches")

    def on_predict_batch_end(self, batch, logs=None):
        self.bump("predict_batches")

    def on_epoch_end(self, epoch, logs=None):
        self.bump("epochs")

    def on_train_begin(self, logs=None):
        self.bump("train_runs")

    def on_test_begin(self, logs=None):
        self.bump("test_runs")

    def on_predict_begin(self, logs=None):
        self.bump("predict_runs")
''',
    },
    "ex7": {
        "learning_rate arithmetic (lr * factor), keras.ops.maximum": '''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("factor must be below 1.0")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        lr = self.model.optimizer.learning_rate
        logs["learning_rate"] = float(lr.numpy())
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and float(lr.numpy()) > np.float32(self.min_lr):
                self.model.optimizer.learning_rate = keras.ops.maximum(lr * self.factor, self.min_lr)
                self.cooldown_counter = self.cooldown
                self.wait = 0
''',
        "the learning-rate variable found among optimizer.variables": '''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("factor must be below 1.0")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0
        self.rate = next(v for v in self.model.optimizer.variables if v.path.endswith("learning_rate"))

    def on_epoch_end(self, epoch, logs=None):
        old = float(keras.ops.convert_to_numpy(self.rate))
        logs["learning_rate"] = old
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and old > np.float32(self.min_lr):
                self.rate.assign(max(old * self.factor, self.min_lr))
                self.cooldown_counter = self.cooldown
                self.wait = 0
''',
        "Keras variable assign, np.less, cooldown as a countdown flag": '''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        if not factor < 1.0:
            raise ValueError("ReduceLROnPlateauFromScratch needs factor < 1.0")
        super().__init__()
        self.monitor, self.factor, self.patience = monitor, float(factor), patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, float(min_lr)

    def on_train_begin(self, logs=None):
        self.wait = self.cooldown_counter = 0
        self.best = None

    def on_epoch_end(self, epoch, logs=None):
        variable = self.model.optimizer.learning_rate
        rate = float(np.asarray(variable))
        logs["learning_rate"] = rate
        if self.monitor not in logs:
            return
        value = logs[self.monitor]
        cooling = self.cooldown_counter > 0
        if cooling:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or np.less(value + self.min_delta, self.best):
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait < self.patience or rate <= np.float32(self.min_lr):
            return
        variable.assign(max(rate * self.factor, self.min_lr))
        self.cooldown_counter, self.wait = self.cooldown, 0
''',
    },
}

WRONG = {
    "ex1": {
        "never resets the list": ('''
class BatchTimer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.durations = []

    def on_train_batch_begin(self, batch, logs=None):
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.durations.append(time.perf_counter() - self.t0)
''', {"ex1_fit": 1.0, "ex1_phases": 2 / 3}),
        "times from one batch end to the next": ('''
class BatchTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.durations = []
        self.last = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        self.durations.append(now - self.last)
        self.last = now
''', {"ex1_fit": 0.0, "ex1_phases": 2 / 3}),
        "also times the validation and evaluate batches": ('''
class BatchTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.durations = []

    def on_train_batch_begin(self, batch, logs=None):
        self.t0 = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.durations.append(time.perf_counter() - self.t0)

    on_test_batch_begin = on_train_batch_begin
    on_test_batch_end = on_train_batch_end
''', {"ex1_fit": 0.0, "ex1_phases": 1 / 3}),
        "a CPU clock (time.process_time)": ('''
class BatchTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.durations = []

    def on_train_batch_begin(self, batch, logs=None):
        self.t0 = time.process_time()

    def on_train_batch_end(self, batch, logs=None):
        self.durations.append(time.process_time() - self.t0)
''', {"ex1_fit": 0.0, "ex1_phases": 2 / 3}),
    },
    "ex2": {
        "fires when the ratio equals the threshold (>=)": ('''
class DetectOverfittingCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def on_train_begin(self, logs=None):
        self.ratios, self.stopped_epoch = [], None

    def on_epoch_end(self, epoch, logs=None):
        if "val_loss" not in logs:
            raise ValueError("validation data is needed")
        ratio = logs["val_loss"] / logs["loss"]
        self.ratios.append(ratio)
        if ratio >= self.threshold and self.stopped_epoch is None:
            self.stopped_epoch = epoch
            self.model.stop_training = True
''', {"ex2_fit": 1.0, "ex2_cases": 11 / 13}),
        "never resets between fits": ('''
class DetectOverfittingCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold
        self.ratios, self.stopped_epoch = [], None

    def on_epoch_end(self, epoch, logs=None):
        if "val_loss" not in logs:
            raise ValueError("validation data is needed")
        ratio = logs["val_loss"] / logs["loss"]
        self.ratios.append(ratio)
        if ratio > self.threshold and self.stopped_epoch is None:
            self.stopped_epoch = epoch
            self.model.stop_training = True
''', {"ex2_fit": 1.0, "ex2_cases": 11 / 13}),
        "stopped_epoch counted from 1": ('''
class DetectOverfittingCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def on_train_begin(self, logs=None):
        self.ratios, self.stopped_epoch = [], None

    def on_epoch_end(self, epoch, logs=None):
        if "val_loss" not in logs:
            raise ValueError("validation data is needed")
        ratio = logs["val_loss"] / logs["loss"]
        self.ratios.append(ratio)
        if ratio > self.threshold and self.stopped_epoch is None:
            self.stopped_epoch = epoch + 1
            self.model.stop_training = True
''', {"ex2_fit": 2 / 3, "ex2_cases": 11 / 13}),
        "no check for missing validation data": ('''
class DetectOverfittingCallback(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold

    def on_train_begin(self, logs=None):
        self.ratios, self.stopped_epoch = [], None

    def on_epoch_end(self, epoch, logs=None):
        ratio = logs["val_loss"] / logs["loss"]
        self.ratios.append(ratio)
        if ratio > self.threshold and self.stopped_epoch is None:
            self.stopped_epoch = epoch
            self.model.stop_training = True
''', {"ex2_fit": 1.0, "ex2_cases": 12 / 13}),
    },
    "ex3": {
        "subclasses Keras's EarlyStopping": ('''
class EarlyStoppingFromScratch(keras.callbacks.EarlyStopping):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__(monitor=monitor, patience=patience, min_delta=min_delta, mode="min",
                         restore_best_weights=restore_best_weights)
''', {"ex3_basics": 0.0, "ex3_stop": 0.0, "ex3_restore": 0.0}),
        "hands every hook to a hidden keras.callbacks.EarlyStopping": ('''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, **kwargs):
        super().__init__()
        self.inner = keras.callbacks.EarlyStopping(mode="min", **kwargs)

    def on_train_begin(self, logs=None):
        self.inner.set_model(self.model)
        self.inner.on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        self.inner.on_epoch_end(epoch, logs)
        self.stopped_epoch, self.best, self.wait = self.inner.stopped_epoch, self.inner.best, self.inner.wait
        self.best_epoch = self.inner.best_epoch

    def on_train_end(self, logs=None):
        self.inner.on_train_end(logs)
''', {"ex3_basics": 0.0, "ex3_stop": 0.0, "ex3_restore": 0.0}),
        "restores only after an early stop (Keras 2)": ('''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.stopped_epoch, self.best_weights = None, 0, 0, 0, None

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get(self.monitor)
        if current is None:
            return
        self.wait += 1
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.stopped_epoch > 0:
            self.model.set_weights(self.best_weights)
''', {"ex3_basics": 1.0, "ex3_stop": 1.0, "ex3_restore": 14 / 15}),
        "waits one epoch too long (wait > patience)": ('''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.stopped_epoch, self.best_weights = None, 0, 0, 0, None

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
''', {"ex3_basics": 1 / 6, "ex3_stop": 9 / 24, "ex3_restore": 5 / 15}),
        "state set once in __init__, never reset": ('''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.best, self.best_epoch, self.wait, self.stopped_epoch, self.best_weights = None, 0, 0, 0, None

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get(self.monitor)
        if current is None:
            return
        self.wait += 1
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
''', {"ex3_basics": 1.0, "ex3_stop": 21 / 24, "ex3_restore": 1.0}),
        "counts a drop of exactly min_delta as an improvement": ('''
class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", patience=0, min_delta=0.0, restore_best_weights=False):
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.wait, self.stopped_epoch, self.best_weights = None, 0, 0, 0, None

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get(self.monitor)
        if current is None:
            return
        self.wait += 1
        if self.best is None or self.best - current >= self.min_delta:
            self.best, self.best_epoch, self.wait = current, epoch, 0
            self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
''', {"ex3_basics": 1.0, "ex3_stop": 15 / 24, "ex3_restore": 12 / 15}),
    },
    "ex4": {
        "checkpoints every epoch (no save_best_only)": ('''
def make_callbacks(run_dir):
    run_dir = pathlib.Path(run_dir)
    return [
        keras.callbacks.ModelCheckpoint(run_dir / "ckpt-{epoch:02d}-{val_loss:.4f}.keras"),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger(run_dir / "history.csv"),
        keras.callbacks.TensorBoard(log_dir=run_dir / "tensorboard"),
    ]
''', {"ex4_short": 5 / 6, "ex4_run": 7 / 8}),
        "forgets restore_best_weights": ('''
def make_callbacks(run_dir):
    run_dir = pathlib.Path(run_dir)
    return [
        keras.callbacks.ModelCheckpoint(run_dir / "ckpt-{epoch:02d}-{val_loss:.4f}.keras", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2),
        keras.callbacks.CSVLogger(run_dir / "history.csv"),
        keras.callbacks.TensorBoard(log_dir=run_dir / "tensorboard"),
    ]
''', {"ex4_short": 1.0, "ex4_run": 7 / 8}),
        "TensorBoard per batch, CSV in the working folder": ('''
def make_callbacks(run_dir):
    run_dir = pathlib.Path(run_dir)
    return [
        keras.callbacks.ModelCheckpoint(run_dir / "ckpt-{epoch:02d}-{val_loss:.4f}.keras", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger("history.csv"),
        keras.callbacks.TensorBoard(log_dir=run_dir / "tensorboard", update_freq="batch"),
    ]
''', {"ex4_short": 3 / 6, "ex4_run": 5 / 8}),
        "string concatenation (fails for a pathlib.Path)": ('''
def make_callbacks(run_dir):
    return [
        keras.callbacks.ModelCheckpoint(run_dir + "/ckpt-{epoch:02d}-{val_loss:.4f}.keras", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger(run_dir + "/history.csv"),
        keras.callbacks.TensorBoard(log_dir=run_dir + "/tensorboard"),
    ]
''', {"ex4_short": 1.0, "ex4_run": 0.0}),
    },
    "ex5": {
        "samples with replacement (duplicate indices)": ('''
class PredictionGallery(keras.callbacks.Callback):
    def __init__(self, images, labels, n_samples=8, gif_path="training_progress.gif"):
        super().__init__()
        self.images, self.labels, self.n_samples, self.gif_path = images, labels, n_samples, gif_path

    def on_train_begin(self, logs=None):
        self.sample_indices = np.random.randint(0, len(self.images), self.n_samples)
        self.frames, self.predictions = [], []

    def on_epoch_end(self, epoch, logs=None):
        predicted = np.argmax(self.model.predict(self.images[self.sample_indices], verbose=0), axis=1)
        self.predictions.append(predicted)
        fig, axes = plt.subplots(1, self.n_samples)
        for ax, index, guess in zip(axes, self.sample_indices, predicted):
            ax.imshow(self.images[index], cmap="gray")
            ax.set_title(f"{guess} / {self.labels[index]}")
        fig.canvas.draw()
        self.frames.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        plt.close(fig)

    def on_train_end(self, logs=None):
        imageio.mimsave(self.gif_path, self.frames)
''', {"ex5_fit": 3 / 4, "ex5_life": 9 / 12}),
        "keeps frames from the previous fit": ('''
class PredictionGallery(keras.callbacks.Callback):
    def __init__(self, images, labels, n_samples=8, gif_path="training_progress.gif"):
        super().__init__()
        self.images, self.labels, self.n_samples, self.gif_path = images, labels, n_samples, gif_path
        self.frames, self.predictions = [], []

    def on_train_begin(self, logs=None):
        self.sample_indices = np.random.choice(len(self.images), self.n_samples, replace=False)

    def on_epoch_end(self, epoch, logs=None):
        predicted = np.argmax(self.model.predict(self.images[self.sample_indices], verbose=0), axis=1)
        self.predictions.append(predicted)
        fig, axes = plt.subplots(1, self.n_samples)
        for ax, index, guess in zip(axes, self.sample_indices, predicted):
            ax.imshow(self.images[index], cmap="gray")
            ax.set_title(f"{guess} / {self.labels[index]}")
        fig.canvas.draw()
        self.frames.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        plt.close(fig)

    def on_train_end(self, logs=None):
        imageio.mimsave(self.gif_path, self.frames)
''', {"ex5_fit": 1.0, "ex5_life": 10 / 12}),
        "writes the GIF at the last planned epoch": ('''
class PredictionGallery(keras.callbacks.Callback):
    def __init__(self, images, labels, n_samples=8, gif_path="training_progress.gif"):
        super().__init__()
        self.images, self.labels, self.n_samples, self.gif_path = images, labels, n_samples, gif_path

    def on_train_begin(self, logs=None):
        self.sample_indices = np.random.choice(len(self.images), self.n_samples, replace=False)
        self.frames, self.predictions = [], []

    def on_epoch_end(self, epoch, logs=None):
        predicted = np.argmax(self.model.predict(self.images[self.sample_indices], verbose=0), axis=1)
        self.predictions.append(predicted)
        fig, axes = plt.subplots(1, self.n_samples)
        for ax, index, guess in zip(axes, self.sample_indices, predicted):
            ax.imshow(self.images[index], cmap="gray")
            ax.set_title(f"{guess} / {self.labels[index]}")
        fig.canvas.draw()
        self.frames.append(np.asarray(fig.canvas.buffer_rgba()).copy())
        plt.close(fig)
        if epoch == self.params["epochs"] - 1:
            imageio.mimsave(self.gif_path, self.frames)
''', {"ex5_fit": 1.0, "ex5_life": 11 / 12}),
    },
    "ex6": {
        "resets the counts when fit begins": ('''
class PhaseCounter(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.counts = dict(train_batches=0, test_batches=0, predict_batches=0, epochs=0,
                           train_runs=1, test_runs=0, predict_runs=0)

    def on_train_batch_begin(self, batch, logs=None):
        self.counts["train_batches"] += 1

    def on_test_batch_begin(self, batch, logs=None):
        self.counts["test_batches"] += 1

    def on_predict_batch_begin(self, batch, logs=None):
        self.counts["predict_batches"] += 1

    def on_epoch_begin(self, epoch, logs=None):
        self.counts["epochs"] += 1

    def on_test_begin(self, logs=None):
        self.counts["test_runs"] += 1

    def on_predict_begin(self, logs=None):
        self.counts["predict_runs"] += 1
''', {"ex6_fit": 1.0, "ex6_life": 3 / 4}),
        "counts both the begin and the end hook of each batch": ('''
class PhaseCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.counts = dict.fromkeys(["train_batches", "test_batches", "predict_batches", "epochs",
                                     "train_runs", "test_runs", "predict_runs"], 0)

    def on_train_batch_begin(self, batch, logs=None):
        self.counts["train_batches"] += 1

    on_train_batch_end = on_train_batch_begin

    def on_test_batch_begin(self, batch, logs=None):
        self.counts["test_batches"] += 1

    on_test_batch_end = on_test_batch_begin

    def on_predict_batch_begin(self, batch, logs=None):
        self.counts["predict_batches"] += 1

    on_predict_batch_end = on_predict_batch_begin

    def on_epoch_begin(self, epoch, logs=None):
        self.counts["epochs"] += 1

    def on_train_begin(self, logs=None):
        self.counts["train_runs"] += 1

    def on_test_begin(self, logs=None):
        self.counts["test_runs"] += 1

    def on_predict_begin(self, logs=None):
        self.counts["predict_runs"] += 1
''', {"ex6_fit": 0.0, "ex6_life": 0.0}),
        "counts evaluate only as a test run (skips validation)": ('''
class PhaseCounter(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.counts = dict.fromkeys(["train_batches", "test_batches", "predict_batches", "epochs",
                                     "train_runs", "test_runs", "predict_runs"], 0)
        self.training = False

    def on_train_begin(self, logs=None):
        self.counts["train_runs"] += 1
        self.training = True

    def on_train_end(self, logs=None):
        self.training = False

    def on_epoch_begin(self, epoch, logs=None):
        self.counts["epochs"] += 1

    def on_train_batch_begin(self, batch, logs=None):
        self.counts["train_batches"] += 1

    def on_test_begin(self, logs=None):
        if not self.training:
            self.counts["test_runs"] += 1

    def on_test_batch_begin(self, batch, logs=None):
        if not self.training:
            self.counts["test_batches"] += 1

    def on_predict_begin(self, logs=None):
        self.counts["predict_runs"] += 1

    def on_predict_batch_begin(self, batch, logs=None):
        self.counts["predict_batches"] += 1
''', {"ex6_fit": 0.0, "ex6_life": 0.0}),
    },
    "ex7": {
        "no min_lr floor": ('''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("factor must be below 1")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        lr = float(self.model.optimizer.learning_rate)
        logs["learning_rate"] = lr
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience:
                self.model.optimizer.learning_rate = lr * self.factor
                self.cooldown_counter, self.wait = self.cooldown, 0
''', {"ex7_basics": 1.0, "ex7_plateaus": 11 / 12, "ex7_real": 1.0}),
        "cooldown epochs still count towards patience": ('''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("factor must be below 1")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        lr = float(self.model.optimizer.learning_rate)
        logs["learning_rate"] = lr
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.wait = current, 0
            return
        self.wait += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
        elif self.wait >= self.patience and lr > np.float32(self.min_lr):
            self.model.optimizer.learning_rate = max(lr * self.factor, self.min_lr)
            self.cooldown_counter, self.wait = self.cooldown, 0
''', {"ex7_basics": 7 / 12, "ex7_plateaus": 11 / 12, "ex7_real": 2 / 7}),
        "any drop counts as an improvement (min_delta ignored), no logs entry": ('''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("factor must be below 1")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        lr = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or current < self.best:
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and lr > np.float32(self.min_lr):
                self.model.optimizer.learning_rate = max(lr * self.factor, self.min_lr)
                self.cooldown_counter, self.wait = self.cooldown, 0
''', {"ex7_basics": 5 / 6, "ex7_plateaus": 37 / 48, "ex7_real": 2 / 7}),
        "state set once in __init__, no ValueError": ('''
class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr
        self.best, self.wait, self.cooldown_counter = None, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        lr = float(self.model.optimizer.learning_rate)
        logs["learning_rate"] = lr
        current = logs.get(self.monitor)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or current + self.min_delta < self.best:
            self.best, self.wait = current, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and lr > np.float32(self.min_lr):
                self.model.optimizer.learning_rate = max(lr * self.factor, self.min_lr)
                self.cooldown_counter, self.wait = self.cooldown, 0
''', {"ex7_basics": 1.0, "ex7_plateaus": 23 / 24, "ex7_real": 6 / 7}),
        "subclasses Keras's ReduceLROnPlateau": ('''
class ReduceLROnPlateauFromScratch(keras.callbacks.ReduceLROnPlateau):
    def __init__(self, monitor="val_loss", factor=0.1, patience=10, min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__(monitor=monitor, factor=factor, patience=patience, min_delta=min_delta,
                         cooldown=cooldown, min_lr=min_lr, mode="min")
''', {"ex7_basics": 0.0, "ex7_plateaus": 0.0, "ex7_real": 0.0}),
    },
}

# Answers that patch the student's side of grading to send the grader forged model state, by
# exercise: (source, the status and a part of the message every item of the exercise must get).
SMUGGLED = {
    "ex3": ('''
from callbacks_course.sandbox.inside import student_side


def forged(self):  # "every weight is 0.5", as one 5-million-element array: more than the grader reads
    return {"0": np.full(5_000_000, 0.5, dtype=np.float32)}


student_side.Mirror.changes = forged


class EarlyStoppingFromScratch(keras.callbacks.Callback):
    def __init__(self, **kwargs):
        super().__init__()
''', "failed", "a value could not be sent to the grader: an array is too large"),
    "ex7": ('''
from callbacks_course.sandbox.inside import student_side


def forged(self):  # the learning rate (after 4 weights and Adam's step count) as a 512 x 512 array
    return {"5": np.full((512, 512), 0.5, dtype=np.float32)}


student_side.Mirror.changes = forged


class ReduceLROnPlateauFromScratch(keras.callbacks.Callback):
    def __init__(self, factor=0.1, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("factor must be below 1.0")
''', "crashed", "does not fit the grader's model (variable 5 is float32 (512, 512), the model's is float32 ())"),
}
