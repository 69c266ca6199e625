"""Exercise 3, `EarlyStoppingFromScratch`: compared with Keras's own `EarlyStopping`, run for run.

With the student's class (`collect_*`), each scenario trains a real model (so its weights
really change every epoch) while a scripted callback placed first dictates the monitored
values of each epoch (`val_loss`, and `loss` where the scenario monitors it); the grader
records the weights at every epoch end. The reference (`expect_*`, in a clean process)
replays the same scripts through Keras's own `keras.callbacks.EarlyStopping(mode="min")`,
calling its hooks as `fit` does, on a stand-in model whose weights are tagged with their
epoch. The grader compares the epoch at which training stopped, the epoch whose weights the
model holds when `fit` returns, and the attributes `best`, `best_epoch`, `wait` and
`stopped_epoch`.

The answer must be written on `keras.callbacks.Callback` alone: grading disables Keras's own
`EarlyStopping` (and its base classes) in the student's process (`FORBID`), so an answer that
subclasses it or hands its work to one scores 0. The notebook's `quick_check` disables them
in the same way while it runs the answer (and names a subclass outright).

Example:

```python
expected = expect_stop()
observed = collect_stop(Student.local({"EarlyStoppingFromScratch": EarlyStoppingFromScratch}))
score_runs(observed, expected).fraction   # 1.0
```
"""

import dataclasses
import math

import keras

from callbacks_course.lab.scenarios import (
    batches,
    ScriptedLogs,
    WeightTrace,
    fraction_and_message,
    fresh_model,
    plain_number,
    run_student,
    student_object,
    train_data,
)

NAME = "EarlyStoppingFromScratch"
FORBID = ("keras.callbacks.EarlyStopping",)
ATTRIBUTES = ("stopped_epoch", "best", "best_epoch", "wait")


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One scripted run: the callback's arguments and the monitored values per epoch.

    Args:
        label: what the scenario is about, shown to the student.
        kwargs: arguments for the early-stopping callback.
        val_loss: the scripted `val_loss` of each epoch (its length is `epochs`).
        loss: the scripted `loss` of each epoch, or None to keep the real one.
    """

    label: str
    kwargs: dict
    val_loss: list
    loss: list = None


PATIENCE_2 = Scenario("patience=2", {"patience": 2}, [1.0, 0.8, 0.9, 0.85, 0.95, 0.7, 0.6, 0.5])
RESTORE = Scenario("patience=1, restore_best_weights=True", {"patience": 1, "restore_best_weights": True},
                   [1.0, 0.75, 0.5, 0.625, 0.75, 0.25])
BASICS = (PATIENCE_2, RESTORE)
STOP = (
    Scenario("patience=0", {}, [1.0, 0.9, 0.95, 0.5, 0.4]),
    Scenario("min_delta=0.25, patience=2", {"min_delta": 0.25, "patience": 2},
             [2.0, 1.875, 1.75, 1.5, 1.375, 1.25, 1.0, 0.5]),
    Scenario("min_delta=0.25: a drop of exactly min_delta is no improvement", {"min_delta": 0.25, "patience": 1},
             [2.0, 1.5, 1.25, 1.25, 0.5]),
    Scenario("a plateau of equal values, patience=2", {"patience": 2}, [1.0, 1.0, 1.0, 1.0, 0.5]),
    Scenario("always improving, patience=1 (never stops)", {"patience": 1}, [1.0, 0.9, 0.8, 0.7, 0.6]),
    Scenario('monitor="loss", patience=1', {"monitor": "loss", "patience": 1},
             [1.0, 0.9, 0.8, 0.7, 0.6], loss=[1.0, 0.75, 0.875, 0.5, 0.25]),
)
REUSE = (  # one callback instance, two fits in a row
    Scenario("first fit of a reused callback, patience=2", {"patience": 2}, [1.0, 0.5, 0.75, 0.75, 0.25]),
    Scenario("second fit of the same callback", {"patience": 2}, [2.0, 1.5, 1.0, 0.5]),
)
RESTORE_CASES = (
    RESTORE,
    Scenario("restore_best_weights=True, best epoch 0", {"patience": 2, "restore_best_weights": True},
             [0.5, 0.75, 0.625, 0.25]),
    Scenario("restore_best_weights=True, never stopping", {"patience": 5, "restore_best_weights": True},
             [1.0, 0.75, 0.5, 0.625]),
    Scenario("restore_best_weights=False", {"patience": 1}, [1.0, 0.75, 0.875, 0.5]),
    Scenario("restore_best_weights=True, min_delta=0.25", {"patience": 2, "min_delta": 0.25,
                                                           "restore_best_weights": True},
             [2.0, 1.5, 1.375, 1.25, 1.375, 0.5]),
)


def _curves(scenario):
    curves = {"val_loss": scenario.val_loss}
    if scenario.loss is not None:
        curves["loss"] = scenario.loss
    return curves


def _observation(scenario, callback, error, epochs_run, weights_of_epoch):
    curves = _curves(scenario)
    observed = {"label": scenario.label, "values": curves.get(scenario.kwargs.get("monitor", "val_loss")),
                "error": error, "epochs": len(scenario.val_loss), "epochs_run": epochs_run,
                "weights_of_epoch": weights_of_epoch}
    observed.update({name: plain_number(getattr(callback, name, "missing")) for name in ATTRIBUTES})
    return observed


def _run(callback, scenario):
    """A real fit with the scripted values; observe the stop, the final weights and the attributes."""
    model = fresh_model()
    trace = WeightTrace()
    _, error = run_student(lambda: model.fit(
        batches(*train_data(64)), epochs=len(scenario.val_loss), shuffle=False,
        callbacks=[ScriptedLogs(**_curves(scenario)), callback, trace], verbose=0))
    return _observation(scenario, callback, error, len(trace.weights), trace.matching_epoch(model.get_weights()))


class EpochTaggedModel:
    """A stand-in model for replaying a script: its "weights" are the index of the epoch they are from."""

    def __init__(self):
        self.weights, self.stop_training = None, False

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights


def _replay(callback, scenario):
    """Feed the scripted epochs to `callback` the way `fit` calls it, without training.

    Used for Keras's own `EarlyStopping` (mode="min" never looks at the model beyond its
    weights and `stop_training`): the model's weights at the end of epoch e are tagged e.
    """
    model, curves = EpochTaggedModel(), _curves(scenario)
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch in range(len(scenario.val_loss)):
        model.weights = epoch
        epochs_run = epoch + 1
        callback.on_epoch_end(epoch, {key: float(values[epoch]) for key, values in curves.items()})
        if model.stop_training:
            break
    callback.on_train_end()
    return _observation(scenario, callback, None, epochs_run, model.weights)


def _runs(factory, scenarios, reuse=False, run=_run):
    """`run` each scenario with a callback from `factory(**kwargs)` (one callback for all if `reuse`)."""
    runs, callback = [], None
    for scenario in scenarios:
        if callback is None or not reuse:
            callback, error = run_student(lambda: factory(**scenario.kwargs))
            if error:
                return {"error": f"`{NAME}(**{scenario.kwargs})` raised {error}"}
        runs.append(run(callback, scenario))
    return {"runs": runs}


def _keras(**kwargs):
    return keras.callbacks.EarlyStopping(mode="min", **kwargs)


def _collect(student, scenarios, reuse=()):
    cls = student_object(student, NAME, "callback class")
    observed = _runs(cls, scenarios)
    if reuse and "runs" in observed:
        observed["runs"] += _runs(cls, reuse, reuse=True).get("runs", [])
    return observed


def _expect(scenarios, reuse=()):
    expected = _runs(_keras, scenarios, run=_replay)
    if reuse:
        expected["runs"] += _runs(_keras, reuse, reuse=True, run=_replay)["runs"]
    return expected


def collect_basics(student):
    """The student's class on two scripted runs: patience 2, and patience 1 restoring the best weights."""
    return _collect(student, BASICS)


def expect_basics():
    """Keras's EarlyStopping on the scenarios of `collect_basics`."""
    return _expect(BASICS)


def collect_stop(student):
    """When training stops: patience 0, min_delta, plateaus, never stopping, monitor, reuse."""
    return _collect(student, STOP, REUSE)


def expect_stop():
    """Keras's EarlyStopping on the scenarios of `collect_stop`."""
    return _expect(STOP, REUSE)


def collect_restore(student):
    """Which epoch's weights the model holds after `fit`, with and without restore_best_weights."""
    return _collect(student, RESTORE_CASES)


def expect_restore():
    """Keras's EarlyStopping on the scenarios of `collect_restore`."""
    return _expect(RESTORE_CASES)


def _same(a, b):
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def _stop_text(run):
    if run["epochs_run"] == run["epochs"]:
        return f"run all {run['epochs']} epochs"
    return f"stopped at epoch {run['epochs_run'] - 1}"


def _judge(observed, expected):
    """(passed, message) pairs for one scenario: stopping, final weights, attributes."""
    label = f"{expected['label']} (monitored values {expected['values']})"
    if observed["error"]:
        return [(False, f"{label}: fit raised {observed['error']}")]
    checks = []
    if observed["epochs_run"] != expected["epochs_run"]:
        checks.append((False, f"{label}: training {_stop_text(observed).replace('run all', 'ran all')}; "
                              f"with the best epoch {expected['best_epoch']} it should have "
                              f"{_stop_text(expected)}"))
    else:
        checks.append((True, f"{label}: training stopped where Keras's EarlyStopping stops"))
    if observed["weights_of_epoch"] != expected["weights_of_epoch"]:
        got = observed["weights_of_epoch"]
        got = "of no epoch's end" if got is None else f"of epoch {got}"
        checks.append((False, f"{label}: after fit the model holds the weights {got}; it should hold "
                              f"those of epoch {expected['weights_of_epoch']}"))
    else:
        checks.append((True, f"{label}: the model ends with the right epoch's weights"))
    wrong = [f"`{name}` is {observed[name]!r}, expected {expected[name]!r}"
             for name in ATTRIBUTES if not _same(observed[name], expected[name])]
    checks.append((not wrong, f"{label}: " + ("; ".join(wrong) if wrong else
                                              "`best`, `best_epoch`, `wait` and `stopped_epoch` match")))
    return checks


def score_runs(observed, expected):
    """Compare every scenario with Keras's run: stopping epoch, final weights, attributes."""
    if "runs" not in observed:
        return fraction_and_message([(False, observed["error"])])
    checks = [check for got, want in zip(observed["runs"], expected["runs"]) for check in _judge(got, want)]
    if len(observed["runs"]) < len(expected["runs"]):
        checks.append((False, "a later scenario could not run: creating the callback raised an error"))
    return fraction_and_message(checks)
