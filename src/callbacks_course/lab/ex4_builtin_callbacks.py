"""Exercise 4, `make_callbacks(run_dir)`: four built-in callbacks, judged by the files a run leaves.

The student's function runs in the student's process and is given the folder the grader
created for the run; the four callbacks it returns come back as descriptions (class and
constructor arguments, see `sandbox.inside.student_side.describe_builtin`). The grader rebuilds
exactly Keras's built-in classes from them, in its own process, after checking that every
path argument stays inside `run_dir` (absolute, no `..`, no format field
that could add a folder): a callback whose path points elsewhere is left out of the run and
reported, so nothing is ever written outside `run_dir`. What the grader builds for the student
is bounded before anything is built: at most `MAX_CALLBACKS` callbacks, paths of at most
`MAX_PATH` characters and `MAX_FOLDERS` folders below `run_dir`, at most `MAX_FIELDS` format
fields of at most two digits of width and precision (`{epoch:02d}`, `{val_loss:.4f}`; a
`{epoch:080000000d}` would build an 80-million-character name).

Folders the student's function makes below its `run_dir` (`os.makedirs`, `Path.mkdir`) for its
callbacks to write into are made again below the grader's `run_dir` first, as listed by the
student's side and checked by `Student.folders` (at most `limits.RUN_FOLDERS`, plain names, so
the same answer runs alike in `quick_check` and in grading).

The grader then runs a real `fit` with those four callbacks while a scripted callback
placed first dictates `val_loss` (so the epochs that improve, and the one where early
stopping must end the run, are known). It records the real `loss` and the weights of every
epoch itself, then reads back what the run left: the checkpoint files (each loaded with
`keras.models.load_model`), `history.csv` (with `csv`), and the TensorBoard event files
(with TensorBoard's own event reader, through `callbacks_course.tb_events`).

Example:

```python
observed = collect_run(Student.local({"make_callbacks": make_callbacks}))
score_run(observed, None).fraction   # 1.0
```
"""

import csv
import inspect
import math
import os
import pathlib
import re
import string
import tempfile

import keras
import tensorflow.compat.v1  # noqa: F401  (see below)
import tensorflow.summary  # noqa: F401  (see below)

from callbacks_course.grading import GradingError
from callbacks_course.lab.scenarios import (
    batches,
    ScriptedLogs,
    WeightTrace,
    fraction_and_message,
    fresh_model,
    run_student,
    student_object,
    train_data,
    val_data,
)
from callbacks_course.recorder import EventRecorder
from callbacks_course.tb_events import read_scalars

# Keras's TensorBoard imports `tensorflow.summary` and `tensorflow.compat.v1` as modules on first
# use, which rebinds `tf.summary` and `tf.compat`; importing them above, with the checks, means a
# grading sandbox that snapshots the library beforehand finds them already in place.
NAME = "make_callbacks"
FORBID = ()
PATIENCE = 2
SHORT_CURVE = [0.9, 0.8, 0.85]
LONG_CURVE = [1.0, 0.8, 0.9, 0.7, 0.75, 0.72, 0.6, 0.5, 0.4, 0.3]
BUILT_INS = ("CSVLogger", "EarlyStopping", "ModelCheckpoint", "TensorBoard")
PATH_ARGUMENTS = {"CSVLogger": "filename", "ModelCheckpoint": "filepath", "TensorBoard": "log_dir"}
MAX_CALLBACKS = 8  # the contract asks for 4; a few extra still run (and cost points), hundreds do not
MAX_PATH = 1000  # characters of a path argument
MAX_FOLDERS = 8  # parts of a path below run_dir
MAX_FIELDS = 8  # format fields in a path argument
_FIELD_NAME = re.compile(r"[A-Za-z_]\w*\Z")  # `{epoch}`, `{val_loss}`: a name, no attribute or index
_NUMBER_SPEC = re.compile(r"0?\d{0,2}(\.\d{1,2})?[bdeEfFgGnoxX%]?\Z")  # short digits only: no fill, no `c`


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in pathlib.Path(folder).rglob("*") if p.is_file())


def _read_csv(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except (OSError, csv.Error, UnicodeDecodeError):
        return None


def _read_tensorboard(log_dir):
    """{run: {tag: [[step, value], ...]}} for every run folder under `log_dir`, read by TensorBoard."""
    runs = {}
    for run in sorted(p for p in log_dir.iterdir() if p.is_dir()) if log_dir.is_dir() else []:
        try:
            runs[run.name] = {tag: [[int(step), value] for step, value in points]
                              for tag, points in read_scalars(run).items()}
        except FileNotFoundError:
            runs[run.name] = {}
    return runs


def _checkpoint(path, trace):
    try:
        loaded = keras.models.load_model(path)
    except Exception as error:  # a file that is not a full saved model
        return {"loads": f"{type(error).__name__}: {error}"[:200]}
    return {"loads": True, "compiled": loaded.optimizer is not None,
            "weights_of_epoch": trace.matching_epoch(loaded.get_weights())}


def _inside(path, student_dir):
    """The part of the path argument `path` (a str) below `student_dir`, or None if it can leave it.

    It must be absolute, without `..`, under `student_dir`, at most `MAX_PATH` characters and
    `MAX_FOLDERS` parts below it, and its format fields (ModelCheckpoint fills `{epoch}` and the
    logs in) must be at most `MAX_FIELDS` plain names with short numeric formats, which can never
    produce a `/` or a `..` of their own, nor a long name. Nothing is formatted here.
    """
    if not isinstance(path, str) or "\0" in path or len(path) > MAX_PATH:
        return None
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(path)
                  if name is not None]
    except ValueError:
        return None
    if len(fields) > MAX_FIELDS or any(not _FIELD_NAME.match(name) or conversion or not _NUMBER_SPEC.match(spec)
                                       for name, spec, conversion in fields):
        return None
    pure, root = pathlib.PurePosixPath(path), pathlib.PurePosixPath(student_dir)
    if not pure.is_absolute() or ".." in pure.parts or not pure.is_relative_to(root):
        return None
    below = pure.relative_to(root)
    return below if len(below.parts) <= MAX_FOLDERS else None


def _rebuild(described, student_dir, run_dir):
    """Keras's own callback for one description of the student's, writing under the grader's `run_dir`.

    The student built its paths from `student_dir`, a folder of their own process; the same
    paths below the grader's fresh `run_dir` are used instead. None when a path is outside.

    Raises:
        ValueError: the description is not one of the four built-in classes with plain arguments.
    """
    name = described.get("__callback__") if isinstance(described, dict) else None
    kwargs = described.get("kwargs") if name in BUILT_INS else None
    cls = getattr(keras.callbacks, name) if name in BUILT_INS else None
    if not isinstance(kwargs, dict) or not set(kwargs) <= set(inspect.signature(cls).parameters) or not all(
            isinstance(value, (type(None), bool, int, float, str)) for value in kwargs.values()):
        raise ValueError(f"`{NAME}(run_dir)` must return Keras's own callbacks, one each of {list(BUILT_INS)} "
                         f"(not subclasses or other objects); it returned {described!r}"[:500])
    if name in PATH_ARGUMENTS:
        below = _inside(kwargs.get(PATH_ARGUMENTS[name]), student_dir)
        if below is None:
            return None
        kwargs[PATH_ARGUMENTS[name]] = str(run_dir / below)
    if "verbose" in kwargs:
        kwargs["verbose"] = 0  # the grader's output is not the student's to fill
    return cls(**kwargs)


def _callbacks(student, run_dir, as_text):
    """The student's callbacks rebuilt here, the paths left out as outside `run_dir`, and an error."""
    student_dir = student.folder()
    described, error = run_student(lambda: student_object(student, NAME, "function")(
        student_dir if as_text else pathlib.Path(student_dir)))
    if error:
        return None, None, f"`make_callbacks(run_dir)` raised {error}"
    if not isinstance(described, (list, tuple)):
        return None, None, f"`{NAME}(run_dir)` must return a list of Keras callbacks; it returned {described!r}"[:500]
    try:
        made = student.folders(student_dir)
    except GradingError as error:
        return None, None, str(error)
    for folder in made:  # checked plain relative paths: the folders stay below the fresh `run_dir`
        (run_dir / folder).mkdir(parents=True, exist_ok=True)
    if len(described) > MAX_CALLBACKS:
        return None, None, (f"`{NAME}(run_dir)` returned {len(described)} callbacks; it should return the four "
                            f"built-in ones (the grader runs at most {MAX_CALLBACKS})")
    callbacks, outside = [], []
    for item in described:
        try:
            callback = _rebuild(item, student_dir, run_dir)
        except (ValueError, TypeError) as error:
            return None, None, str(error)
        if callback is None:
            outside.append(item["kwargs"][PATH_ARGUMENTS[item["__callback__"]]])
        callbacks.append((item["__callback__"], callback))
    return callbacks, outside, None


def _run(student, curve, as_text):
    """Run `fit` with the student's callbacks in a fresh folder; observe everything it left."""
    with tempfile.TemporaryDirectory() as root:
        run_dir = pathlib.Path(root, "run")
        run_dir.mkdir()
        built, outside, error = _callbacks(student, run_dir, as_text)
        if error:
            return {"error": error}
        callbacks = [callback for _, callback in built if callback is not None]
        recorder, trace, model = EventRecorder(hooks=("on_epoch_end",)), WeightTrace(), fresh_model()
        _, error = run_student(lambda: model.fit(
            batches(*train_data(64)), epochs=len(curve), shuffle=False, validation_data=batches(*val_data(32)),
            callbacks=[ScriptedLogs(val_loss=curve), recorder, *callbacks, trace], verbose=0))
        observed = {
            "run_dir_given_as": "str" if as_text else "pathlib.Path",
            "types": sorted(name for name, _ in built),
            "error": error,
            "loss": [event.logs["loss"] for event in recorder.events],
            "val_loss": curve[:len(recorder.events)],
            "epochs": len(curve),
            "weights_of_epoch": trace.matching_epoch(model.get_weights()),
            "files": _files(run_dir),
            "outside_paths": [str(path)[:200] for path in outside],
            "csv": _read_csv(run_dir / "history.csv"),
            "tensorboard": _read_tensorboard(run_dir / "tensorboard"),
        }
        observed["checkpoints"] = {name: _checkpoint(run_dir / name, trace)
                                   for name in observed["files"] if name.endswith(".keras")}
    return observed


def collect_short(student):
    """A 3-epoch run, `run_dir` given as a str."""
    return _run(student, SHORT_CURVE, as_text=True)


def collect_run(student):
    """A 10-epoch run that early stopping must end, `run_dir` given as a `pathlib.Path`."""
    return _run(student, LONG_CURVE, as_text=False)


def _improving_epochs(curve):
    best, improving = math.inf, []
    for epoch, value in enumerate(curve):
        if value < best:
            best = value
            improving.append(epoch)
    return improving


def _stop_epoch(curve):
    """The epoch after which early stopping with PATIENCE ends a run of `curve` (None: never)."""
    best_epoch = 0
    for epoch in _improving_epochs(curve):
        if epoch - best_epoch > PATIENCE:
            return best_epoch + PATIENCE
        best_epoch = epoch
    return best_epoch + PATIENCE if best_epoch + PATIENCE < len(curve) else None


def _expected_checkpoints(curve):
    return sorted(f"ckpt-{epoch + 1:02d}-{curve[epoch]:.4f}.keras" for epoch in _improving_epochs(curve))


def _check_types(observed):
    if observed["types"] == list(BUILT_INS):
        return True, "four built-in callbacks: ModelCheckpoint, EarlyStopping, CSVLogger, TensorBoard"
    return False, f"`make_callbacks` returned {observed['types']}; expected one each of {list(BUILT_INS)}"


def _check_checkpoint_names(observed, curve):
    want = _expected_checkpoints(curve[:len(observed["loss"])])
    got = sorted(name for name in observed["files"] if name.endswith(".keras") or name.startswith("ckpt"))
    if got == want:
        return True, f"one checkpoint per epoch that improved val_loss: {want}"
    return False, (f"with val_loss {observed['val_loss']} per epoch, run_dir should hold the "
                   f"checkpoints {want} (only epochs that improve val_loss, epoch numbers from 1); it holds {got}")


def _check_checkpoint_models(observed):
    bad = [name for name, info in observed["checkpoints"].items()
           if info["loads"] is not True or not info["compiled"]]
    if bad or not observed["checkpoints"]:
        return False, f"checkpoints must be full models that `keras.models.load_model` restores: {bad or 'none'}"
    wrong = [name for name, info in observed["checkpoints"].items()
             if not re.match(r"ckpt-\d+-", name) or info["weights_of_epoch"] != int(name.split("-")[1]) - 1]
    if wrong:
        return False, f"these checkpoints do not hold the weights of the epoch in their name: {wrong}"
    return True, "every checkpoint is a full model holding the weights of its epoch"


def _check_stop(observed, curve):
    stop = _stop_epoch(curve)
    ran = len(observed["loss"])
    want = len(curve) if stop is None else stop + 1
    if ran == want:
        return True, f"early stopping ended the run after epoch {want - 1}"
    best = _improving_epochs(curve[:want])[-1]
    return False, (f"training ran {ran} epochs; with val_loss {curve} the best epoch is {best}, so "
                   f"patience {PATIENCE} should stop it after epoch {want - 1}")


def _check_restore(observed, curve):
    ran = len(observed["loss"])
    if not ran:
        return False, "fit ended before its first epoch: EarlyStopping had no best epoch to restore"
    best = _improving_epochs(curve[:ran])[-1]
    if observed["weights_of_epoch"] == best:
        return True, f"the model ends with the best epoch's weights (epoch {best})"
    got = observed["weights_of_epoch"]
    return False, (f"after fit the model holds the weights of epoch {got}; EarlyStopping should restore "
                   f"those of the best epoch, {best}")


def _check_csv(observed, full):
    rows = observed["csv"]
    if rows is None:
        return False, "run_dir/history.csv is missing (CSVLogger's file)"
    ran = len(observed["loss"])
    if len(rows) != ran:
        return False, f"history.csv has {len(rows)} rows; the run had {ran} epochs"
    if full:
        try:
            epochs = [int(row["epoch"]) for row in rows]
            ok = epochs == list(range(ran)) and all(
                math.isclose(float(row["loss"]), loss, rel_tol=1e-6)
                and math.isclose(float(row["val_loss"]), val, rel_tol=1e-6)
                for row, loss, val in zip(rows, observed["loss"], observed["val_loss"]))
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            return False, "history.csv's epoch, loss and val_loss columns do not match the run's epochs"
    return True, f"history.csv has one row per epoch ({ran})"


def _check_tensorboard(observed, full):
    runs = observed["tensorboard"]
    if not runs:
        return False, "run_dir/tensorboard holds no TensorBoard event files"
    train, validation = runs.get("train", {}), runs.get("validation", {})
    ran = len(observed["loss"])
    batch_tags = sorted(tag for tags in runs.values() for tag in tags if tag.startswith("batch_"))
    if batch_tags:
        return False, f"TensorBoard logged per batch ({batch_tags}); it should log once per epoch"
    for name, scalars, values in (("train", train, observed["loss"]), ("validation", validation,
                                                                       observed["val_loss"])):
        points = scalars.get("epoch_loss")
        if not points or [step for step, _ in points] != list(range(ran)):
            return False, f"TensorBoard's {name} run should have epoch_loss at epochs 0 to {ran - 1}"
        if full and not all(math.isclose(v, want, rel_tol=1e-5) for (_, v), want in zip(points, values)):
            return False, f"TensorBoard's {name} epoch_loss values do not match the run"
    return True, "TensorBoard logged loss and val_loss once per epoch"


def _check_outside(observed):
    if observed["outside_paths"]:
        return False, (f"these paths are not inside run_dir, so the grader left their callbacks out of the "
                       f"run: {observed['outside_paths']}; build every path from run_dir (at most {MAX_FOLDERS} "
                       f"folders deep and {MAX_PATH} characters, format fields like {{epoch:02d}} or "
                       "{val_loss:.4f})")
    return True, "every file went under run_dir"


def _check_error(observed):
    if observed["error"]:
        return False, f"fit with your callbacks raised {observed['error']}"
    return True, "fit ran with your callbacks"


def score_short(observed, expected):
    """The basics on a 3-epoch run: the four callbacks, their files, nothing outside run_dir."""
    if "files" not in observed:
        return fraction_and_message([(False, observed["error"])])
    return fraction_and_message([
        _check_types(observed), _check_error(observed), _check_checkpoint_names(observed, SHORT_CURVE),
        _check_csv(observed, full=False), _check_tensorboard(observed, full=False), _check_outside(observed),
    ])


def score_run(observed, expected):
    """Everything on a 10-epoch run that early stopping ends: files, contents, stop, restored weights."""
    if "files" not in observed:
        return fraction_and_message([(False, observed["error"])])
    return fraction_and_message([
        _check_error(observed), _check_checkpoint_names(observed, LONG_CURVE), _check_checkpoint_models(observed),
        _check_stop(observed, LONG_CURVE), _check_restore(observed, LONG_CURVE),
        _check_csv(observed, full=True), _check_tensorboard(observed, full=True), _check_outside(observed),
    ])
