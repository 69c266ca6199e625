"""Exercise 5, `PredictionGallery`: per-epoch predictions, rendered frames and an animated GIF.

The grader keeps the model's weights of every epoch (a callback of its own), and after
`fit` recomputes what the model predicted for the student's chosen samples at each epoch;
those must equal the student's `predictions`. It checks the frames' type and count, and reads
the GIF back with Pillow (its frame count must be the number of epochs that ran, including
runs cut short by another callback; Pillow writes equal neighbouring frames as one, so that
many fewer are accepted). Closing each figure is asked for but not graded: only the student's
process could count its open figures, and a check never takes a measurement from there.

The gallery lives in the student's process: its attributes arrive as data (arrays), and the
GIF, written there, arrives as bytes (`Student.read_file`) that the grader opens with
Pillow's GIF reader alone, within a pixel budget. The GIF paths are relative: the student's
process writes into its own folder (in the notebook, the grader's temporary folder).

Example:

```python
observed = collect_fit(Student.local({"PredictionGallery": PredictionGallery}))
score_fit(observed, None).fraction   # 1.0
```
"""

import io
import tempfile
import warnings

import numpy as np
from PIL import Image

from callbacks_course.sandbox.protocol.wire import StudentObject
from callbacks_course.lab.scenarios import (
    batches,
    StopAfter,
    WeightTrace,
    fraction_and_message,
    fresh_model,
    run_student,
    SEED,
    student_object,
    train_data,
    val_data,
    working_directory,
)

NAME = "PredictionGallery"
FORBID = ()
DEFAULT_GIF = "training_progress.gif"
MAX_GIF_PIXELS = 20_000_000  # per frame; a gallery of a few digits needs well under 1 % of it


def _indices(gallery, n_images):
    raw = getattr(gallery, "sample_indices", None)
    try:
        indices = [int(i) for i in np.asarray(raw).ravel()]
    except (TypeError, ValueError, OverflowError):  # any value of the student's: inf, objects, ragged lists
        return None
    return indices if all(0 <= i < n_images for i in indices) else None


def _prediction(value):
    """A student's per-epoch prediction as {"is_int_array": bool, "labels": [...]}."""
    is_int_array = isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer)
    try:
        labels = [int(v) for v in np.asarray(value).ravel()]
    except (TypeError, ValueError, OverflowError):
        labels = None
    return {"is_int_array": bool(is_int_array), "labels": labels}


def _frame(value):
    """A frame's properties: array type, dtype, shape, whether it has any contrast."""
    if not isinstance(value, np.ndarray):
        return {"type": value.type_name if isinstance(value, StudentObject) else type(value).__name__}
    return {"type": "ndarray", "dtype": str(value.dtype), "shape": list(value.shape),
            "varied": bool(value.size and value.min() != value.max())}


def _distinct_runs(frames):
    """How many frames remain once equal neighbours merge (Pillow writes equal neighbours as one)."""
    if not isinstance(frames, list) or not all(isinstance(f, np.ndarray) for f in frames):
        return None
    return sum(1 for i, f in enumerate(frames) if i == 0 or not np.array_equal(f, frames[i - 1]))


def _gif(data):
    """The format and frame count of the GIF bytes `data` (None: no file), read by Pillow's GIF plugin only."""
    if data is None:
        return None
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_GIF_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["GIF"]) as image:
                return {"format": image.format, "frames": getattr(image, "n_frames", 1)}
    except Exception as error:  # any file at all may arrive here; Pillow raises many kinds
        return {"format": f"unreadable as a GIF ({type(error).__name__}: {str(error)[:100]})", "frames": 0}
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _run(student, gallery, model, images, gif_path, epochs, stop_after=None):
    """Fit with the gallery; observe its attributes against the grader's own predictions."""
    student.seed(SEED)  # as `fresh_model` seeds the grader: answers that sample at random draw alike everywhere
    trace = WeightTrace()
    callbacks = [gallery, trace] + ([StopAfter(stop_after)] if stop_after is not None else [])
    _, error = run_student(lambda: model.fit(batches(*train_data(128)), epochs=epochs, shuffle=False,
                                             callbacks=callbacks, verbose=0))
    observed = {"error": error, "epochs_run": len(trace.weights), "n_images": len(images)}
    indices = _indices(gallery, len(images))
    observed["sample_indices"] = indices
    predictions = getattr(gallery, "predictions", None)
    frames = getattr(gallery, "frames", None)
    observed["predictions"] = [_prediction(p) for p in predictions] if isinstance(predictions, list) else None
    observed["frames"] = [_frame(f) for f in frames] if isinstance(frames, list) else None
    observed["distinct_frames"] = _distinct_runs(frames)
    observed["gif"] = _gif(student.read_file(gif_path))
    true = []
    if indices is not None:
        for weights in trace.weights:
            model.set_weights(weights)
            true.append([int(label) for label in np.argmax(model(images[indices], training=False), axis=-1)])
    observed["true_predictions"] = true
    return observed


def _new(cls, *args, **kwargs):
    gallery, error = run_student(lambda: cls(*args, **kwargs))
    if error:
        return None, {"error": f"`{NAME}(...)` raised {error}"}
    return gallery, None


def collect_fit(student):
    """One 3-epoch fit: 6 samples out of 40 digits."""
    cls = student_object(student, NAME, "callback class")
    images, labels = val_data(40)
    with tempfile.TemporaryDirectory() as folder, working_directory(folder):
        gallery, error = _new(cls, images, labels, n_samples=6, gif_path="progress.gif")
        if error:
            return error
        run = _run(student, gallery, fresh_model(), images, "progress.gif", epochs=3)
        run["n_samples"] = 6
        return run


def collect_life(student):
    """A run cut short by another callback, a second fit of the same gallery, and the defaults."""
    cls = student_object(student, NAME, "callback class")
    images, labels = val_data(40)
    observed = {}
    with tempfile.TemporaryDirectory() as folder, working_directory(folder):
        gallery, error = _new(cls, images, labels, n_samples=5, gif_path="cut_short.gif")
        if error:
            return error
        observed["cut_short"] = _run(student, gallery, fresh_model(), images, "cut_short.gif", epochs=5, stop_after=1)
        observed["second_fit"] = _run(student, gallery, fresh_model(), images, "cut_short.gif", epochs=2)
        for key in ("cut_short", "second_fit"):
            observed[key]["n_samples"] = 5
        few_images, few_labels = images[:8], labels[:8]
        gallery, error = _new(cls, few_images, few_labels)
        if error:
            return error
        observed["defaults"] = _run(student, gallery, fresh_model(), few_images, DEFAULT_GIF, epochs=2)
        observed["defaults"]["n_samples"] = 8
    return observed


def _judge(run, label):
    """(passed, message) pairs for one run."""
    if run.get("error"):
        return [(False, f"{label}: fit raised {run['error']}")]
    ran, n = run["epochs_run"], run["n_samples"]
    checks = []
    indices = run["sample_indices"]
    if indices is None or len(indices) != n or len(set(indices)) != n:
        checks.append((False, f"{label}: `sample_indices` must hold {n} distinct indices into the "
                              f"{run['n_images']} images; it is {indices}"))
    else:
        checks.append((True, f"{label}: {n} distinct sample indices"))
    predictions = run["predictions"]
    if predictions is None or len(predictions) != ran:
        got = "not a list" if predictions is None else f"{len(predictions)} entries"
        checks.append((False, f"{label}: `predictions` should hold one entry per epoch run ({ran}); it has {got}"))
    elif not all(p["is_int_array"] for p in predictions):
        checks.append((False, f"{label}: each entry of `predictions` must be a NumPy int array"))
    elif indices is None:
        checks.append((False, f"{label}: `predictions` cannot be compared with what the model predicted without "
                              "valid `sample_indices`"))
    elif [p["labels"] for p in predictions] != run["true_predictions"]:
        epoch = next(e for e, (p, t) in enumerate(zip(predictions, run["true_predictions"])) if p["labels"] != t)
        checks.append((False, f"{label}: at epoch {epoch} the model predicted {run['true_predictions'][epoch]} "
                              f"for the samples, but `predictions[{epoch}]` is {predictions[epoch]['labels']}"))
    else:
        checks.append((True, f"{label}: `predictions` match what the model predicted at each epoch's end"))
    frames = run["frames"]
    if frames is None or len(frames) != ran:
        got = "not a list" if frames is None else f"{len(frames)} frames"
        checks.append((False, f"{label}: `frames` should hold one image per epoch run ({ran}); it has {got}"))
    elif not all(f["type"] == "ndarray" and f["dtype"] == "uint8" and len(f["shape"]) == 3
                 and f["shape"][2] in (3, 4) and f["varied"] for f in frames):
        checks.append((False, f"{label}: each frame must be an RGB or RGBA uint8 array (height, width, 3 or 4) "
                              f"of the drawn figure; got {frames[0]}"))
    else:
        checks.append((True, f"{label}: one RGB(A) uint8 frame per epoch"))
    gif = run["gif"]
    allowed = {ran, run["distinct_frames"]}
    if gif is None or gif["format"] != "GIF" or gif["frames"] not in allowed:
        got = "no file" if gif is None else f"a {gif['format']} file with {gif['frames']} frames"
        checks.append((False, f"{label}: the GIF should be an animated GIF with {ran} frames (one per epoch "
                              f"run), written when training ends; found {got}"))
    else:
        merged = " (equal neighbouring frames merged by Pillow)" if gif["frames"] != ran else ""
        checks.append((True, f"{label}: an animated GIF of {gif['frames']} frames{merged}"))
    return checks


def score_fit(observed, expected):
    """Indices, predictions, frames and the GIF on a 3-epoch fit."""
    if "epochs_run" not in observed:
        return fraction_and_message([(False, observed["error"])])
    return fraction_and_message(_judge(observed, "a 3-epoch fit, 6 samples of 40 images"))


def score_life(observed, expected):
    """The same points on a run cut short, a second fit of the same gallery, and the default arguments."""
    if "cut_short" not in observed:
        return fraction_and_message([(False, observed["error"])])
    labels = {
        "cut_short": "a fit of 5 epochs stopped after epoch 1 by another callback",
        "second_fit": "a second fit of the same gallery (2 epochs)",
        "defaults": "default n_samples and gif_path, 8 images",
    }
    return fraction_and_message([check for key, label in labels.items() for check in _judge(observed[key], label)])
