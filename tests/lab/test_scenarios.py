"""The grader's plain `tf.data` batches give a callback what NumPy arrays would: hooks, params, logs;
and the checks' way to the student's code (`student_object`, `run_student`) through a `Student`."""

import math
import pathlib

import keras
import pytest

from callbacks_course.grading import GradingError
from callbacks_course.sandbox.host.remote import Student, StudentError
from callbacks_course.lab.scenarios import (
    BATCH_SIZE,
    SEED,
    batches,
    fresh_model,
    run_student,
    student_object,
    train_data,
    val_data,
)
from callbacks_course.recorder import EventRecorder

pytestmark = pytest.mark.slow


class ParamsSeen(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seen = dict(self.params)


def _run(as_batches):
    (x, y), (x_val, y_val) = train_data(160), val_data(96)
    model, recorder, params = fresh_model(), EventRecorder(), ParamsSeen()
    if as_batches:
        model.fit(batches(x, y), epochs=2, shuffle=False, validation_data=batches(x_val, y_val),
                  callbacks=[recorder, params], verbose=0)
        model.evaluate(batches(x_val, y_val), callbacks=[recorder], verbose=0)
        predictions = model.predict(batches(x_val), callbacks=[recorder], verbose=0)
    else:
        model.fit(x, y, batch_size=BATCH_SIZE, epochs=2, shuffle=False, validation_data=(x_val, y_val),
                  callbacks=[recorder, params], verbose=0)
        model.evaluate(x_val, y_val, batch_size=BATCH_SIZE, callbacks=[recorder], verbose=0)
        predictions = model.predict(x_val, batch_size=BATCH_SIZE, callbacks=[recorder], verbose=0)
    return recorder, params.seen, predictions


def test_batches_give_callbacks_the_same_calls_params_and_logs_as_arrays():
    arrays, array_params, array_predictions = _run(as_batches=False)
    plain, plain_params, plain_predictions = _run(as_batches=True)
    assert [(e.hook, e.index) for e in plain.events] == [(e.hook, e.index) for e in arrays.events]
    assert plain_params == array_params == {"verbose": 0, "epochs": 2, "steps": 3}
    assert len(plain.events) > 30  # three fits' worth of batch hooks, not a trivial run
    for got, want in zip(plain.events, arrays.events):
        assert sorted(got.logs or {}) == sorted(want.logs or {}), got.hook
        for key, value in (want.logs or {}).items():
            if isinstance(value, float):  # same digits in the same order from the same weights
                assert math.isclose(got.logs[key], value, rel_tol=1e-4, abs_tol=1e-6), (got.hook, key)
    assert plain_predictions.shape == array_predictions.shape == (96, 10)
    assert abs(plain_predictions - array_predictions).max() < 1e-5


def _losses(model):
    recorder = EventRecorder(hooks=("on_train_batch_end",))
    model.fit(batches(*train_data(160)), epochs=2, shuffle=False, callbacks=[recorder], verbose=0)
    return [e.logs["loss"] for e in recorder.events]


def test_fresh_model_does_not_remember_an_earlier_run():
    first = _losses(fresh_model())
    tampered = fresh_model()
    tampered.optimizer.learning_rate.assign(0.5)  # as a callback like ReduceLROnPlateau might
    assert _losses(tampered) != first
    again = fresh_model()
    assert int(again.optimizer.iterations) == 0 and math.isclose(float(again.optimizer.learning_rate), 1e-3, rel_tol=1e-6)
    assert _losses(again) == first
    assert list(again.metrics_names) == ["loss"]


class Refuses(keras.callbacks.Callback):
    def __init__(self, limit):
        super().__init__()
        if limit < 0:
            raise ValueError("limit must be >= 0")
        self.limit = limit


def test_student_object_and_run_student_reach_the_student_only_through_the_handle():
    student = Student.local({"Refuses": Refuses, "double": lambda path: [path, path.name * 2]})
    callback, error = run_student(lambda: student_object(student, "Refuses", "callback class")(3))
    assert error is None and isinstance(callback, keras.callbacks.Callback) and callback.limit == 3
    assert not isinstance(callback, Refuses)  # the grader holds a stand-in, never the student's object
    assert run_student(lambda: student_object(student, "Refuses", "callback class")(-1)) == (
        None, "ValueError: limit must be >= 0")  # the student's exception type, as before the port
    value, error = run_student(lambda: student_object(student, "double", "function")(pathlib.Path("/run/x")))
    assert value == [pathlib.PurePosixPath("/run/x"), "xx"] and error is None
    with pytest.raises(GradingError, match="`Missing` is not available"):
        run_student(lambda: student_object(student, "Missing", "callback class")())


def test_seed_gives_the_students_process_the_runs_seed():
    draw = "def draw():\n    return [random.random(), float(np.random.rand())]\n"
    namespace = {}
    exec("import random\nimport numpy as np\n" + draw, namespace)
    student = Student.local(namespace)
    student.seed(SEED)
    first = student.call("draw")
    fresh_model()  # seeds this process the same way
    assert student.call("draw") == first
    with pytest.raises(StudentError, match="a seed must be an int"):
        student.seed(-1)
