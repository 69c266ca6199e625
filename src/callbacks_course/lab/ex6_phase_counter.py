"""Exercise 6, `PhaseCounter`: counts of batches, epochs and runs of every phase, over its whole life.

The grader passes its own `EventRecorder` in the same callback lists as the student's
counter, so Keras itself tells how many hooks of each kind it called. After every call
(`fit` with validation data, `evaluate`, `predict`, another `fit`), the student's `counts`
must equal the recorder's running totals.

Example:

```python
observed = collect_life(Student.local({"PhaseCounter": PhaseCounter}))
score_life(observed, None).fraction   # 1.0
```
"""

from callbacks_course.lab.scenarios import (
    batches,
    fraction_and_message,
    fresh_model,
    plain_number,
    run_student,
    student_object,
    train_data,
    val_data,
)
from callbacks_course.recorder import EventRecorder

NAME = "PhaseCounter"
FORBID = ()
KEYS = {  # each key of `counts` and the begin hook whose calls it counts
    "train_batches": "on_train_batch_begin",
    "test_batches": "on_test_batch_begin",
    "predict_batches": "on_predict_batch_begin",
    "epochs": "on_epoch_begin",
    "train_runs": "on_train_begin",
    "test_runs": "on_test_begin",
    "predict_runs": "on_predict_begin",
}


def _calls(model, counter, recorder):
    x, y = train_data(256)
    x_val, y_val = val_data(128)
    both = [recorder, counter]
    return (
        ("fit for 2 epochs with validation data",
         lambda: model.fit(batches(x, y), epochs=2, shuffle=False, validation_data=batches(x_val, y_val),
                           callbacks=both, verbose=0)),
        ("evaluate", lambda: model.evaluate(batches(x_val, y_val), callbacks=both, verbose=0)),
        ("predict", lambda: model.predict(batches(x_val[:96]), callbacks=both, verbose=0)),
        ("fit for 1 epoch without validation data",
         lambda: model.fit(batches(x[:128], y[:128]), epochs=1, shuffle=False, callbacks=both, verbose=0)),
    )


def _counts(counter):
    counts = getattr(counter, "counts", None)
    if not isinstance(counts, dict):
        return None
    return {str(key): plain_number(value) for key, value in counts.items()}


def _collect(student, n_calls):
    cls = student_object(student, NAME, "callback class")
    counter, error = run_student(cls)
    if error:
        return {"error": f"`{NAME}()` raised {error}"}
    recorder = EventRecorder(hooks=tuple(KEYS.values()))
    steps = []
    for label, call in _calls(fresh_model(), counter, recorder)[:n_calls]:
        _, error = run_student(call)
        steps.append({"after": label, "error": error, "counts": _counts(counter),
                      "keras": {key: recorder.count(hook) for key, hook in KEYS.items()}})
    return {"steps": steps}


def collect_fit(student):
    """One `fit` of 2 epochs (4 training batches each) with validation data (2 batches each epoch)."""
    return _collect(student, 1)


def collect_life(student):
    """`fit`, `evaluate`, `predict`, and another `fit` with the same counter: never reset."""
    return _collect(student, 4)


def _judge(step):
    label = f"after {step['after']}"
    if step["error"]:
        return False, f"{label}: your callback raised {step['error']}"
    counts, keras_counts = step["counts"], step["keras"]
    if counts is None:
        return False, f"{label}: `counts` must be a dict"
    if set(counts) != set(KEYS):
        return False, f"{label}: `counts` must have exactly the keys {sorted(KEYS)}; it has {sorted(counts)}"
    wrong = [f"{key} is {counts[key]}, Keras called {keras_counts[key]}" for key in KEYS
             if counts[key] != keras_counts[key]]
    if wrong:
        return False, f"{label}: " + "; ".join(wrong)
    return True, f"{label}: every count matches ({keras_counts})"


def score_fit(observed, expected):
    """The counts after one fit with validation data (which also runs test phases)."""
    if "steps" not in observed:
        return fraction_and_message([(False, observed["error"])])
    return fraction_and_message([_judge(step) for step in observed["steps"]])


def score_life(observed, expected):
    """The running counts after each of four calls."""
    return score_fit(observed, expected)
