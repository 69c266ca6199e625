"""Exercise 1, `BatchTimer`: the seconds each training batch took, measured on real runs.

The grader brackets the student's callback with two clocks of its own: one callback before
it and one after it in the callback list. Keras calls them in list order, so the student's
begin-to-end interval of every batch must lie between the grader's inner and outer
intervals (`time.perf_counter` is the system's monotonic clock, the same in the student's
process and the grader's). The inner callback also pauses inside each batch (and between
batches) for lengths drawn afresh in every run from the operating system's randomness, each
unlike the one before, so a timer that measures the wrong span, in the wrong order or with
a CPU clock falls outside the bounds, and no answer can know the durations in advance.

Example:

```python
observed = collect_fit(Student.local({"BatchTimer": BatchTimer}))
score_fit(observed, None)   # Result(fraction=1.0, message="✓ ...")
```
"""

import random
import time

import keras

from callbacks_course.lab.scenarios import (
    batches,
    fraction_and_message,
    floats,
    fresh_model,
    run_student,
    student_object,
    train_data,
    val_data,
)

NAME = "BatchTimer"
FORBID = ()
PAUSES = (0.004, 0.010, 0.018, 0.030)  # seconds the grader waits inside each training batch (+ JITTER)
GAPS = (0.008, 0.016)  # seconds the grader waits between batches, outside the student's interval
JITTER = 0.002  # a random extra of up to this many seconds on every pause
TOLERANCE = 0.002  # seconds of slack for clock resolution


class OuterClock(keras.callbacks.Callback):
    """Placed before the student's callback: notes the time just before its batch hooks."""

    def on_train_begin(self, logs=None):
        self.begins, self.ends = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.begins.append(time.perf_counter())

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


class InnerClock(OuterClock):
    """Placed after the student's callback: notes the time just after its batch hooks, then pauses.

    Each pause inside a batch is one of PAUSES other than the previous batch's, plus up to
    JITTER, drawn with `random.SystemRandom` (nothing the student's code can seed or predict).
    """

    def __init__(self):
        super().__init__()
        self.random, self.pause = random.SystemRandom(), None

    def on_train_batch_begin(self, batch, logs=None):
        super().on_train_batch_begin(batch, logs)
        self.pause = self.random.choice([p for p in PAUSES if p != self.pause])
        time.sleep(self.pause + self.random.uniform(0, JITTER))

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        time.sleep(self.random.uniform(*GAPS))


def _timed_fit(model, timer, n_train, epochs, validation):
    """Fit with the student's `timer` between the grader's clocks; return the allowed bounds per batch."""
    outer, inner = OuterClock(), InnerClock()
    model.fit(batches(*train_data(n_train)), epochs=epochs, shuffle=False,
              validation_data=batches(*val_data(128)) if validation else None,
              callbacks=[outer, timer, inner], verbose=0)
    return [[end - begin - TOLERANCE, inner_end - outer_begin + TOLERANCE]
            for begin, end, outer_begin, inner_end
            in zip(inner.begins, outer.ends, outer.begins, inner.ends)]


def _durations(timer):
    return floats(getattr(timer, "durations", None))


def _first_fit(student):
    """Build the timer and run a 2-epoch fit (4 training and 2 validation batches an epoch)."""
    cls = student_object(student, NAME, "callback class")
    timer, error = run_student(cls)
    if error:
        return None, None, {"error": f"`{NAME}()` raised {error}"}
    model = fresh_model()
    bounds, error = run_student(lambda: _timed_fit(model, timer, 256, 2, validation=True))
    if error:
        return None, None, {"error": f"fit with your callback raised {error}"}
    return timer, model, {"durations": _durations(timer), "bounds": bounds}


def collect_fit(student):
    """One `fit` with validation data: `durations` against the grader's clocks."""
    return _first_fit(student)[2]


def collect_phases(student):
    """After a first `fit`: `evaluate`, `predict`, then a second `fit`, each observed in turn."""
    timer, model, first = _first_fit(student)
    if timer is None:
        return first
    observed = {"first": first}
    x, y = val_data(128)
    _, observed["evaluate_error"] = run_student(
        lambda: model.evaluate(batches(x, y), callbacks=[timer], verbose=0))
    observed["after_evaluate"] = _durations(timer)
    _, observed["predict_error"] = run_student(
        lambda: model.predict(batches(x), callbacks=[timer], verbose=0))
    observed["after_predict"] = _durations(timer)
    bounds, error = run_student(lambda: _timed_fit(model, timer, 192, 1, validation=False))
    observed["second"] = {"error": error} if error else {"durations": _durations(timer), "bounds": bounds}
    return observed


def _judge_fit(run, which):
    """(passed, message) pairs for one timed fit."""
    if "error" in run:
        return [(False, f"{which}: {run['error']}")]
    durations, bounds = run["durations"], run["bounds"]
    if durations is None:
        return [(False, f"{which}: `durations` must be a list of floats")]
    if len(durations) != len(bounds):
        return [(False, f"{which} ran {len(bounds)} training batches but `durations` has "
                        f"{len(durations)} entries; time training batches only, one entry per batch")]
    outside = [i for i, (d, (low, high)) in enumerate(zip(durations, bounds)) if not low <= d <= high]
    if outside:
        i = outside[0]
        low, high = bounds[i]
        return [(False, f"{which}: entry {i} is {durations[i]:.4f} s but that batch took between "
                        f"{max(low, 0):.4f} and {high:.4f} s from its begin hook to its end hook "
                        f"({len(outside)} of {len(durations)} entries are off); use a wall clock "
                        "such as time.perf_counter(), started in on_train_batch_begin and read in "
                        "on_train_batch_end")]
    return [(True, f"{which}: {len(durations)} batch durations, each matching the batch's real time")]


def score_fit(observed, expected):
    """Full marks when one fit gives one correct duration per training batch, in order."""
    return fraction_and_message(_judge_fit(observed, "a 2-epoch fit with 4 batches an epoch"))


def score_phases(observed, expected):
    """Evaluate and predict leave `durations` alone; a second fit starts a fresh list."""
    if "first" not in observed:
        return fraction_and_message(_judge_fit(observed, "a 2-epoch fit"))
    before = observed["first"]["durations"]
    checks = []
    for phase in ("evaluate", "predict"):
        error, after = observed[f"{phase}_error"], observed[f"after_{phase}"]
        if error:
            checks.append((False, f"`{phase}` with your callback raised {error}"))
        elif after != before:
            checks.append((False, f"`{phase}` changed `durations` (from {len(before or [])} to "
                                  f"{len(after or [])} entries): only training batches are timed"))
        else:
            checks.append((True, f"`{phase}` leaves `durations` unchanged"))
    checks += _judge_fit(observed["second"], "a second fit of 3 batches (the list must restart)")
    return fraction_and_message(checks)
