"""Lesson 14's claims about callbacks outside fit, checked on the installed Keras."""

import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = load_mnist(n_train=160, n_test=10)
    return normalize(x), y


def test_callback_list_sets_model_params_and_history():
    model = make_classifier()
    callback = keras.callbacks.Callback()
    callbacks = keras.callbacks.CallbackList([callback], add_history=True, model=model, epochs=3, steps=5, verbose=0)
    assert callback.model is model and callback.params == {"epochs": 3, "steps": 5, "verbose": 0}
    assert isinstance(model.history, keras.callbacks.History) and model.history in callbacks.callbacks
    assert not any(isinstance(c, keras.callbacks.ProgbarLogger) for c in callbacks.callbacks)  # add_progbar=False


def test_early_stopping_only_sets_the_flag_in_a_custom_loop():
    model = make_classifier()
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=0)
    callbacks = keras.callbacks.CallbackList([stopper], model=model, epochs=5, steps=1)
    model.stop_training = False
    callbacks.on_train_begin()
    flags = []
    for epoch, val_loss in enumerate([1.0, 2.0, 3.0]):
        callbacks.on_epoch_end(epoch, {"val_loss": val_loss})
        flags.append(model.stop_training)
    assert flags == [False, True, True]  # set at epoch 1; nothing left the loop but the loop itself


def test_train_on_batch_resets_the_metrics_at_every_call(digits):
    x, y = digits
    assert "reset_metrics" not in inspect.signature(keras.Model.train_on_batch).parameters
    model = make_classifier()
    model.train_on_batch(x[:32], y[:32])
    before = model.evaluate(x[32:64], y[32:64], batch_size=32, verbose=0, return_dict=True)["loss"]
    logs = model.train_on_batch(x[32:64], y[32:64], return_dict=True)
    assert logs["loss"] == pytest.approx(before, rel=1e-4)  # this batch alone, not a mean with the first


class TwoKeys(keras.Sequential):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x=x, y=y, y_pred=self(x, training=True))
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        return {"loss": loss, "grad_norm": tf.linalg.global_norm(gradients)}


def test_a_custom_train_step_passes_its_dict_and_the_last_one_at_epoch_end(digits):
    x, y = digits
    keras.utils.set_random_seed(0)
    model = TwoKeys([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    batches, epochs = [], []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(dict(logs)),
                                            on_epoch_end=lambda e, logs: epochs.append(dict(logs)))
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, callbacks=[record], verbose=0)
    assert len(batches) == 5 and len({round(b["loss"], 6) for b in batches}) == 5
    assert epochs == [batches[-1]]


def test_stop_evaluating_and_stop_predicting_end_after_that_batch(digits):
    x, y = digits
    model = make_classifier()

    class Stop(keras.callbacks.Callback):
        def on_test_batch_end(self, batch, logs=None):
            self.model.stop_evaluating = batch == 1

        def on_predict_batch_end(self, batch, logs=None):
            self.model.stop_predicting = batch == 1

    two = model.evaluate(x, y, batch_size=32, callbacks=[Stop()], verbose=0)
    assert two == pytest.approx(model.evaluate(x[:64], y[:64], batch_size=32, verbose=0))
    assert len(model.predict(x, batch_size=32, callbacks=[Stop()], verbose=0)) == 64


def test_editing_logs_outputs_changes_nothing_predict_returns(digits):
    x, _ = digits
    model = make_classifier()
    seen = []

    class Blank(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append(np.array(logs["outputs"]))
            logs["outputs"] = np.zeros_like(logs["outputs"])

    predictions = model.predict(x, batch_size=32, callbacks=[Blank()], verbose=0)
    assert np.array_equal(predictions, np.concatenate(seen)) and predictions.any()
