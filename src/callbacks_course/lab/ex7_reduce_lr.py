"""Exercise 7, `ReduceLROnPlateauFromScratch`: compared with Keras's own `ReduceLROnPlateau`, epoch by epoch.

With the student's class (`collect_*`), each scenario trains the grader's own model while a
scripted callback placed first dictates the monitored values of each epoch; the grader's
probe, placed after the student's callback, reads after every epoch the learning rate set on
the grader's model's optimizer, `logs["learning_rate"]`, and the student's plain attributes
`wait`, `cooldown_counter` and `best`; the student's `self.model` is a real model in step with
the grader's (see `sandbox.host.remote`), whose optimizer's learning rate, as the hook left it, is
set on the grader's model. Keras's own `ReduceLROnPlateau` is disabled in the
student's process while grading (`FORBID`). The reference (`expect_*`, in the worker) feeds
the same scripts to Keras's own `keras.callbacks.ReduceLROnPlateau(mode="min")` on the same
model without training (only `on_epoch_end` decides anything), and runs the unscripted run
for real. Each scenario is judged on the epochs at which the learning rate changes, the
learning rate after every epoch, `logs["learning_rate"]` and the three attributes.

Example:

```python
expected = expect_basics()
observed = collect_basics(Student.local({"ReduceLROnPlateauFromScratch": ReduceLROnPlateauFromScratch}))
score_runs(observed, expected).fraction   # 1.0
```
"""

import dataclasses
import math

import keras

from callbacks_course.lab.scenarios import (
    ScriptedLogs,
    batches,
    fraction_and_message,
    fresh_model,
    plain_number,
    run_student,
    student_object,
    train_data,
    val_data,
)

NAME = "ReduceLROnPlateauFromScratch"
KERAS_REDUCE_LR = keras.callbacks.ReduceLROnPlateau
FORBID = ("keras.callbacks.ReduceLROnPlateau",)
ATTRIBUTES = ("wait", "cooldown_counter", "best")
TRACES = ("learning_rate", "logged_learning_rate") + ATTRIBUTES


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One run: the callback's arguments and, when scripted, the monitored values per epoch.

    Args:
        label: what the scenario is about, shown to the student.
        kwargs: arguments for the callback.
        val_loss: the scripted `val_loss` of each epoch, or None for a real run.
        loss: the scripted `loss` of each epoch, or None to keep the real one.
        epochs: the number of epochs of a real run (scripted runs have one per value).
    """

    label: str
    kwargs: dict
    val_loss: list = None
    loss: list = None
    epochs: int = 0

    @property
    def curves(self):
        return {key: values for key, values in (("val_loss", self.val_loss), ("loss", self.loss)) if values}

    @property
    def n_epochs(self):
        return len(self.val_loss) if self.val_loss else self.epochs


BASICS = (
    Scenario("factor=0.5, patience=2", {"factor": 0.5, "patience": 2},
             [1.0, 0.75, 0.875, 0.875, 0.5, 0.625, 0.625, 0.625]),
    Scenario("factor=0.5, patience=1, cooldown=2", {"factor": 0.5, "patience": 1, "cooldown": 2},
             [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]),
)
PLATEAUS = (
    Scenario("min_delta=0.25: a drop of exactly min_delta is no improvement",
             {"factor": 0.5, "patience": 1, "min_delta": 0.25}, [2.0, 1.75, 1.5, 1.25, 1.0, 0.5]),
    Scenario("min_lr=2.5e-4: never below min_lr, and no change once there",
             {"factor": 0.25, "patience": 1, "min_lr": 2.5e-4}, [1.0, 1.0, 1.0, 1.0, 1.0]),
    Scenario("cooldown=1, patience=2, improvements during the cooldown",
             {"factor": 0.5, "patience": 2, "cooldown": 1}, [1.0, 1.0, 1.0, 0.5, 0.75, 0.75, 0.75, 0.75, 0.25]),
    Scenario("the defaults (patience=10): no change in 6 epochs", {}, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    Scenario('monitor="loss", patience=1', {"monitor": "loss", "factor": 0.5, "patience": 1},
             [1.0, 0.5, 0.25, 0.125, 0.0625], loss=[1.0, 0.75, 0.875, 0.5, 0.5]),
    Scenario('monitor="val_acc" that the logs do not have: no change',
             {"monitor": "val_acc", "factor": 0.5, "patience": 1}, [1.0, 1.0, 1.0]),
)
REUSE = (  # one callback instance, two fits in a row (each on a fresh model)
    Scenario("first fit of a reused callback, patience=1, cooldown=3", {"factor": 0.5, "patience": 1, "cooldown": 3},
             [1.0, 1.0, 1.0]),
    Scenario("second fit of the same callback", {"factor": 0.5, "patience": 1, "cooldown": 3},
             [2.0, 2.0, 2.0, 1.0]),
)
REAL = (
    Scenario("a real run (real validation losses): factor=0.5, patience=1, min_delta=0.03, cooldown=1",
             {"factor": 0.5, "patience": 1, "min_delta": 0.03, "cooldown": 1}, epochs=8),
)
BAD_FACTORS = (1.0, 2.0)


class EpochTrace(keras.callbacks.Callback):
    """The grader's probe: after every epoch, the optimizer's learning rate, the logged one and `watched`'s attributes.

    Args:
        watched: the callback whose plain attributes `wait`, `cooldown_counter` and `best` are read.
    """

    def __init__(self, watched):
        super().__init__()
        self.watched = watched
        self.trace = {name: [] for name in TRACES}

    def on_epoch_end(self, epoch, logs=None):
        self.trace["learning_rate"].append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
        self.trace["logged_learning_rate"].append(plain_number((logs or {}).get("learning_rate")))
        for name in ATTRIBUTES:
            self.trace[name].append(plain_number(getattr(self.watched, name, "missing")))


def _fit(model, callback, scenario):
    """A real fit of `scenario` with `callback` between the script and the probe; (trace, error)."""
    probe = EpochTrace(callback)
    validation = batches(*val_data(128)) if scenario.val_loss is None else None
    _, error = run_student(lambda: model.fit(
        batches(*train_data(64)), epochs=scenario.n_epochs, shuffle=False, validation_data=validation,
        callbacks=[ScriptedLogs(**scenario.curves), callback, probe], verbose=0))
    return probe.trace, error


def _replay(model, callback, scenario):
    """Feed the scripted epochs to `callback` the way `fit` calls it, without training; (trace, None)."""
    if scenario.val_loss is None:
        return _fit(model, callback, scenario)
    probe = EpochTrace(callback)
    callbacks = keras.callbacks.CallbackList([callback, probe], model=model)
    callbacks.on_train_begin()
    for epoch in range(scenario.n_epochs):
        logs = {"loss": 1.0, **{key: float(values[epoch]) for key, values in scenario.curves.items()}}
        callbacks.on_epoch_begin(epoch)
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end()
    return probe.trace, None


def _runs(factory, scenarios, run, reuse=False):
    """`run` each scenario on a fresh model with a callback from `factory(**kwargs)` (one for all if `reuse`)."""
    runs, callback = [], None
    for scenario in scenarios:
        if callback is None or not reuse:
            callback, error = run_student(lambda: factory(**scenario.kwargs))
            if error:
                return {"error": f"`{NAME}(**{scenario.kwargs})` raised {error}"}
        model = fresh_model()
        start = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        trace, error = run(model, callback, scenario)
        runs.append({"label": scenario.label, "values": scenario.curves.get(scenario.kwargs.get("monitor", "val_loss")),
                     "start": start, "error": error, **trace})
    return {"runs": runs}


def _keras(**kwargs):
    return KERAS_REDUCE_LR(mode="min", **kwargs)


def _refusals(cls):
    """For each factor >= 1.0: None if creating the callback raised ValueError, else what happened."""
    verdicts = {}
    for factor in BAD_FACTORS:
        _, error = run_student(lambda: cls(factor=factor))
        verdicts[str(factor)] = None if error and error.startswith("ValueError") else (error or "no error")
    return verdicts


def _collect(student, scenarios, reuse=(), refusals=False):
    cls = student_object(student, NAME, "callback class")
    observed = _runs(cls, scenarios, _fit)
    if reuse and "runs" in observed:
        observed["runs"] += _runs(cls, reuse, _fit, reuse=True).get("runs", [])
    if refusals:
        observed["refusals"] = _refusals(cls)
    return observed


def _expect(scenarios, reuse=(), refusals=False):
    expected = _runs(_keras, scenarios, _replay)
    if reuse:
        expected["runs"] += _runs(_keras, reuse, _replay, reuse=True)["runs"]
    if refusals:
        expected["refusals"] = {str(factor): None for factor in BAD_FACTORS}
    return expected


def collect_basics(student):
    """The student's class on two scripted runs: patience 2, and patience 1 with a cooldown."""
    return _collect(student, BASICS)


def expect_basics():
    """Keras's ReduceLROnPlateau on the scenarios of `collect_basics`."""
    return _expect(BASICS)


def collect_plateaus(student):
    """min_delta, min_lr, cooldown, the defaults, another monitor, a missing one, a reused callback."""
    return _collect(student, PLATEAUS, REUSE)


def expect_plateaus():
    """Keras's ReduceLROnPlateau on the scenarios of `collect_plateaus`."""
    return _expect(PLATEAUS, REUSE)


def collect_real(student):
    """A real run on real validation losses, and the ValueError for a factor >= 1.0."""
    return _collect(student, REAL, refusals=True)


def expect_real():
    """Keras's ReduceLROnPlateau on the same real run."""
    return _expect(REAL, refusals=True)


def _same(a, b):
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
    return a == b


def _changes(rates, start):
    """The epochs after which the learning rate differs from the one before."""
    return [epoch for epoch, (before, after) in enumerate(zip([start] + rates, rates)) if not _same(after, before)]


def _judge(observed, expected):
    """(passed, message) pairs for one scenario: when the rate changes, its values, logs, attributes."""
    label = expected["label"] + (f" (monitored values {expected['values']})" if expected["values"] else "")
    if observed["error"]:
        return [(False, f"{label}: fit raised {observed['error']}")]
    start = expected["start"]  # the grader's model's initial rate, read on the trusted side
    got, want = _changes(observed["learning_rate"], start), _changes(expected["learning_rate"], start)
    checks = [(got == want, f"{label}: the learning rate changed after epochs {got}" +
               ("" if got == want else f"; Keras's ReduceLROnPlateau changes it after epochs {want}"))]
    for name, what in (("learning_rate", "the optimizer's learning rate after each epoch"),
                       ("logged_learning_rate", '`logs["learning_rate"]` after each epoch'),
                       ("wait", "`wait` after each epoch"), ("cooldown_counter", "`cooldown_counter` after each epoch"),
                       ("best", "`best` after each epoch")):
        ok = len(observed[name]) == len(expected[name]) and all(map(_same, observed[name], expected[name]))
        checks.append((ok, f"{label}: {what} " + ("matches" if ok else f"is {observed[name]}, expected {expected[name]}")))
    return checks


def _judge_refusals(observed, expected):
    wrong = [f"factor={factor}: {what}" for factor, what in observed.items() if what is not None]
    return (not wrong, "a factor >= 1.0 raises ValueError" if not wrong else
            "a factor >= 1.0 must raise ValueError when the callback is created; " + "; ".join(wrong))


def score_runs(observed, expected):
    """Compare every scenario with Keras's: rate changes, rates, logged rate, `wait`, `cooldown_counter`, `best`."""
    if "runs" not in observed:
        return fraction_and_message([(False, observed["error"])])
    checks = [check for got, want in zip(observed["runs"], expected["runs"]) for check in _judge(got, want)]
    if len(observed["runs"]) < len(expected["runs"]):
        checks.append((False, "a later scenario could not run: creating the callback raised an error"))
    if "refusals" in expected:
        checks.append(_judge_refusals(observed.get("refusals", {}), expected["refusals"]))
    return fraction_and_message(checks)
