"""Exercise 2, `DetectOverfittingCallback(threshold)`: stop when val_loss / loss exceeds a threshold.

The grader records the `loss` and `val_loss` Keras reports at every epoch with a callback of
its own, computes the ratios and the epoch that should stop the run from them, and compares
with the epochs that actually ran and with the student's `ratios` and `stopped_epoch`. The
first check overfits for real (64 digits, a high learning rate); the others script the
losses so that each rule of the contract is met head-on: a ratio equal to the threshold,
firing at epoch 0, never firing, a second `fit`, and no validation data.

Example:

```python
observed = collect_fit(Student.local({"DetectOverfittingCallback": DetectOverfittingCallback}))
score_fit(observed, None).fraction   # 1.0
```
"""

import math

from callbacks_course.lab.scenarios import (
    batches,
    ScriptedLogs,
    fraction_and_message,
    floats,
    fresh_model,
    plain_number,
    run_student,
    student_object,
    train_data,
    val_data,
)
from callbacks_course.recorder import EventRecorder

NAME = "DetectOverfittingCallback"
FORBID = ()
REAL_THRESHOLD = 1.3
REAL_EPOCHS = 8
# Scripted cases: (threshold, loss per epoch, val_loss per epoch). All values are exact in binary.
LATE = (1.5, [1.0, 1.0, 1.0, 0.5, 0.5], [1.25, 1.5, 1.25, 1.0, 1.0])  # ratio == threshold at epoch 1
AT_ONCE = (1.5, [0.5] * 4, [1.0] * 4)
NEVER = (1.5, [0.8] * 4, [1.0] * 4)


def _fit(callback, model, x, y, epochs, validation, script=None):
    """Fit with the grader's log recorder (and optional scripted losses) around `callback`."""
    recorder = EventRecorder(hooks=("on_epoch_end",))
    callbacks = ([script] if script else []) + [recorder, callback]
    _, error = run_student(lambda: model.fit(
        batches(x, y), epochs=epochs, shuffle=False,
        validation_data=batches(*validation) if validation else None,
        callbacks=callbacks, verbose=0))
    return {
        "error": error,
        "losses": [[e.logs.get("loss"), e.logs.get("val_loss")] for e in recorder.events],
        "ratios": floats(getattr(callback, "ratios", None)),
        "stopped_epoch": plain_number(getattr(callback, "stopped_epoch", "missing")),
        "epochs": epochs,
    }


def _scripted(callback, case):
    threshold, loss, val_loss = case
    return _fit(callback, fresh_model(), *train_data(64), epochs=len(loss), validation=None,
                script=ScriptedLogs(loss=loss, val_loss=val_loss))


def _new(cls, threshold):
    callback, error = run_student(lambda: cls(threshold))
    if error:
        return None, {"error": f"`{NAME}({threshold})` raised {error}"}
    return callback, None


def collect_fit(student):
    """A real run that overfits: 64 training digits, learning rate 0.01, threshold 1.3."""
    cls = student_object(student, NAME, "callback class")
    callback, error = _new(cls, REAL_THRESHOLD)
    if error:
        return error
    run = _fit(callback, fresh_model(learning_rate=1e-2), *train_data(64), epochs=REAL_EPOCHS, validation=val_data(128))
    run["threshold"] = REAL_THRESHOLD
    return run


def collect_cases(student):
    """Scripted losses: equal-to-threshold, firing at once, never firing, reuse, no validation data."""
    cls = student_object(student, NAME, "callback class")
    observed = {}
    for label, cases in (("late", [LATE]), ("at_once", [AT_ONCE]), ("never", [NEVER]),
                         ("reuse", [LATE, NEVER])):
        callback, error = _new(cls, cases[0][0])
        if error:
            return error
        for case in cases:
            observed[label] = _scripted(callback, case)
        observed[label]["threshold"] = cases[0][0]
    callback, error = _new(cls, 1.5)
    if error:
        return error
    observed["no_validation"] = _fit(callback, fresh_model(), *train_data(64), epochs=2, validation=None)
    return observed


def _expected_stop(losses, threshold):
    for epoch, (loss, val_loss) in enumerate(losses):
        if val_loss / loss > threshold:
            return epoch, val_loss / loss
    return None, None


def _judge(run, label):
    """(passed, message) pairs for one run: ratios, the epochs that ran, `stopped_epoch`."""
    if run.get("error"):
        return [(False, f"{label}: fit raised {run['error']}")]
    losses, threshold = run["losses"], run["threshold"]
    expected_ratios = [val_loss / loss for loss, val_loss in losses]
    stop, ratio = _expected_stop(losses, threshold)
    checks = []
    ratios = run["ratios"]
    if ratios is None or len(ratios) != len(expected_ratios) or not all(
            math.isclose(a, b, rel_tol=1e-6) for a, b in zip(ratios, expected_ratios)):
        shown = "missing" if ratios is None else [round(r, 4) for r in ratios]
        checks.append((False, f"{label}: `ratios` is {shown}, but the {len(losses)} epochs that ran "
                              f"had val_loss / loss = {[round(r, 4) for r in expected_ratios]}"))
    else:
        checks.append((True, f"{label}: `ratios` holds val_loss / loss of every epoch"))
    ran = len(losses)
    if stop is None and ran < run["epochs"]:
        checks.append((False, f"{label}: training stopped after {ran} epochs although no ratio "
                              f"exceeded {threshold}"))
    elif stop is not None and ran != stop + 1:
        checks.append((False, f"{label}: the ratio first exceeded {threshold} at epoch {stop} "
                              f"({ratio:.4g}), so training should stop right after epoch {stop}; "
                              f"it ran epochs 0 to {ran - 1}"))
    else:
        checks.append((True, f"{label}: training stopped at the right time" if stop is not None
                       else f"{label}: training ran all its epochs (the ratio never exceeded {threshold})"))
    if run["stopped_epoch"] != stop:
        checks.append((False, f"{label}: `stopped_epoch` is {run['stopped_epoch']!r}, expected {stop!r}"
                              + (" (never fired)" if stop is None else " (0-based epoch index)")))
    else:
        checks.append((True, f"{label}: `stopped_epoch` is {stop!r}"))
    return checks


def score_fit(observed, expected):
    """Ratios, stopping epoch and `stopped_epoch` on a real overfitting run."""
    if "losses" not in observed:
        return fraction_and_message([(False, observed["error"])])
    return fraction_and_message(_judge(observed, "real run, threshold 1.3"))


def score_cases(observed, expected):
    """The scripted cases, one point each for ratios, stopping and `stopped_epoch`, plus the error case."""
    if "late" not in observed:
        return fraction_and_message([(False, observed["error"])])
    labels = {
        "late": "ratio equal to the threshold at epoch 1, above it at epoch 3",
        "at_once": "ratio above the threshold at epoch 0",
        "never": "ratio never above the threshold",
        "reuse": "a second fit with the same callback",
    }
    checks = [check for key, label in labels.items() for check in _judge(observed[key], label)]
    error = observed["no_validation"]["error"] or ""
    if error.startswith("ValueError") and "validation" in error.lower():
        checks.append((True, "without validation data: ValueError that mentions validation"))
    else:
        got = error or "no error"
        checks.append((False, f"without validation data, fit should raise a ValueError whose message says "
                              f"validation data is needed; got {got}"))
    return fraction_and_message(checks)
