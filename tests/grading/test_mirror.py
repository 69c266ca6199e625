"""The student's `self.model` is a real Keras model in step with the grader's, and what comes back is checked.

A student's callback runs through `Student.local` (the notebook's way, over the same wire
format as grading): it reads and changes the model, its variables and its optimizer the way
a callback does on a real model, and the grader's model must see exactly those changes.
Forged state (what a student who patched the student side could send) is refused.
"""

import json

import keras
import numpy as np
import pytest

from callbacks_course.sandbox.host.remote import ItemAborted, Student, checked_state
from callbacks_course.sandbox.inside.student_side import Mirror, layout, synced_variables
from callbacks_course.models import make_classifier

PROBE = '''
class Probe(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.facts = {"model": isinstance(self.model, keras.Model), "layers": len(self.model.layers),
                      "optimizer": type(self.model.optimizer).__name__, "loss": self.model.loss}
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append([keras.ops.convert_to_numpy(v) for v in self.model.weights]
                         + [int(self.model.optimizer.iterations.numpy())])

    def on_epoch_end(self, epoch, logs=None):
        lr = self.model.optimizer.learning_rate
        self.model.optimizer.learning_rate = lr * 0.5
        self.model.layers[-1].bias.assign(keras.ops.ones((10,)))
        logs["outputs_seen"] = float(self.model(np.zeros((2, 28, 28), "float32"), training=False).numpy().sum())
        self.model.stop_training = True

    def on_predict_batch_end(self, batch, logs=None):
        self.outputs_shape = list(logs["outputs"].shape)
'''


@pytest.fixture()
def model():
    return make_classifier(hidden_units=4, seed=0, metrics=(), run_eagerly=True)


def _data(n):
    rng = np.random.default_rng(0)
    return rng.random((n, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


class BatchWeights(keras.callbacks.Callback):
    """The grader's own record of the weights and step count at every batch end."""

    def on_train_begin(self, logs=None):
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(self.model.get_weights() + [int(self.model.optimizer.iterations.numpy())])


def test_the_callback_gets_a_real_model_in_step_and_its_changes_reach_the_graders(model):
    namespace = {"keras": keras, "np": np}
    exec(PROBE, namespace)
    probe, truth = Student.local(namespace).callback("Probe"), BatchWeights()
    x, y = _data(96)
    history = model.fit(x, y, batch_size=32, epochs=3, callbacks=[probe, truth], verbose=0)
    assert probe.facts == {"model": True, "layers": 3, "optimizer": "Adam", "loss": "sparse_categorical_crossentropy"}
    assert len(probe.seen) == len(truth.seen) == 3  # one epoch: the callback stopped training
    for got, want in zip(probe.seen, truth.seen):
        assert got[-1] == want[-1] and all(np.array_equal(a, b) for a, b in zip(got[:-1], want[:-1]))
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == np.float32(1e-3) * np.float32(0.5)
    assert np.array_equal(model.layers[-1].bias.numpy(), np.ones(10, np.float32))
    assert history.history["outputs_seen"] == [pytest.approx(2.0, rel=1e-5)]  # softmax rows sum to 1
    model.predict(x[:40], batch_size=32, callbacks=[probe], verbose=0)
    assert probe.outputs_shape == [8, 10]  # predict's outputs reach the callback as an array


def test_a_mirror_has_the_graders_layout_and_takes_its_state(model):
    model.optimizer.build(model.trainable_variables)
    variables = synced_variables(model)
    mirror = Mirror({"model": json.dumps(keras.saving.serialize_keras_object(model)), "layout": layout(variables)})
    values = [keras.ops.convert_to_numpy(v) for v in variables]
    mirror.load({str(i): value + 1 for i, value in enumerate(values)}, stop_training=True)
    assert mirror.changes() == {} and mirror.model.stop_training is True
    assert all(np.array_equal(keras.ops.convert_to_numpy(v), value + 1) for v, value in zip(mirror.variables, values))
    mirror.variables[1].assign(np.zeros(4, np.float32))
    assert list(mirror.changes()) == ["1"]


@pytest.mark.parametrize("state, why", [
    ("weights", "not a mapping of variables"),
    ({"7": np.zeros(3, np.float32)}, "no variable '7'; the model has 3"),
    ({"x": np.zeros(3, np.float32)}, "no variable 'x'; the model has 3"),
    ({"0": np.zeros((512, 512), np.float32)}, "variable 0 is float32 (512, 512), the model's is float32 (3,)"),
    ({"0": np.zeros(3, np.float64)}, "variable 0 is float64 (3,), the model's is float32 (3,)"),
    ({"2": 0.5}, "variable 2 is float, the model's is int64 ()"),
    ({"1": np.array(np.nan, np.float32)}, "variable 1 holds NaN or infinite values"),
    ({"0": np.array([0, np.inf, 0], np.float32)}, "variable 0 holds NaN or infinite values"),
])
def test_forged_state_ends_the_item_with_a_message_saying_why(state, why):
    values = [np.zeros(3, np.float32), np.array(1e-3, np.float32), np.array(4, np.int64)]
    with pytest.raises(ItemAborted) as raised:
        checked_state(state, values)
    assert raised.value.status == "crashed"
    assert raised.value.message == ("your code's process broke the grading protocol: the model state it sent back "
                                    f"does not fit the grader's model ({why})")


def test_state_that_fits_is_taken_as_it_is():
    values = [np.zeros(3, np.float32), np.array(1e-3, np.float32)]
    checked = checked_state({"1": np.array(5e-4, np.float32)}, values)
    assert list(checked) == [1] and checked[1] == np.float32(5e-4)
