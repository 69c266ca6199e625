"""Lab exercises 3 and 7: how Keras 3.15's `EarlyStopping` and `ReduceLROnPlateau` compare values,
and what `ReduceLROnPlateau` does once the learning rate is at `min_lr`.

Both decide "improvement" with `keras.ops.less(value + min_delta, best)`, which turns both sides
into float32 tensors: the comparison is made in float32, not in Python's float64.
"""

import warnings

import keras
import numpy as np
import pytest
from facts import data, tiny_model


class Script(keras.callbacks.Callback):
    """Sets `logs["val_loss"]` of each epoch to the next scripted value."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


class Watch(keras.callbacks.Callback):
    """Records `attributes` of `callback` and the learning rate after every epoch."""

    def __init__(self, callback, attributes):
        super().__init__()
        self.callback, self.attributes, self.seen = callback, attributes, []

    def on_epoch_end(self, epoch, logs=None):
        rate = float(self.model.optimizer.learning_rate)
        self.seen.append(tuple(getattr(self.callback, name) for name in self.attributes) + (rate,))


def scripted(values, callback, attributes):
    (x, y), _ = data()
    watch = Watch(callback, attributes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiny_model().fit(x[:32], y[:32], epochs=len(values), verbose=0, callbacks=[Script(values), callback, watch])
    return watch.seen


def test_a_drop_of_min_delta_in_decimals_is_no_improvement_because_keras_compares_in_float32():
    assert 0.7 + 0.1 < 0.8 and not np.float32(0.7 + 0.1) < np.float32(0.8)  # float64 and float32 disagree
    stop = keras.callbacks.EarlyStopping(patience=5, min_delta=0.1)
    assert [(wait, best) for wait, best, _ in scripted([0.8, 0.7], stop, ("wait", "best"))] == [(0, 0.8), (1, 0.8)]
    reduce = keras.callbacks.ReduceLROnPlateau(patience=5, min_delta=0.1)
    assert [(wait, best) for wait, best, _ in scripted([0.8, 0.7], reduce, ("wait", "best"))] == [(0, 0.8), (1, 0.8)]


def test_a_value_lower_only_in_float64_is_no_improvement():
    lower = 1.0 - 1e-9
    assert lower < 1.0 and np.float32(lower) == np.float32(1.0)
    stop = keras.callbacks.EarlyStopping(patience=5)
    assert [(wait, best) for wait, best, _ in scripted([1.0, lower], stop, ("wait", "best"))] == [(0, 1.0), (1, 1.0)]
    reduce = keras.callbacks.ReduceLROnPlateau(patience=5, min_delta=0.0)
    assert [(wait, best) for wait, best, _ in scripted([1.0, lower], reduce, ("wait", "best"))] == [(0, 1.0), (1, 1.0)]


def test_at_min_lr_nothing_resets_and_wait_keeps_growing():
    reduce = keras.callbacks.ReduceLROnPlateau(patience=2, factor=0.5, cooldown=1, min_lr=2.5e-4)
    seen = scripted([1.0] * 8, reduce, ("wait", "cooldown_counter"))
    rates = [rate for _, _, rate in seen]
    assert rates == pytest.approx([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 2.5e-4, 2.5e-4, 2.5e-4])
    # the rate reached min_lr at epoch 4; its cooldown ran at epoch 5; then no reduction, no reset
    assert [(wait, cooldown) for wait, cooldown, _ in seen[4:]] == [(0, 1), (1, 0), (2, 0), (3, 0)]


@pytest.mark.parametrize("make", [lambda: keras.callbacks.EarlyStopping(patience=0),
                                  lambda: keras.callbacks.ReduceLROnPlateau(patience=0)],
                         ids=["EarlyStopping", "ReduceLROnPlateau"])
def test_an_epoch_without_validation_is_skipped_with_a_warning(make):
    """With validation_freq=2, epochs 0 and 2 have no val_loss: both callbacks warn and change nothing."""
    (x, y), (x_val, y_val) = data()
    callback = make()
    with pytest.warns(UserWarning, match="val_loss"):
        history = tiny_model().fit(x[:64], y[:64], epochs=2, validation_data=(x_val, y_val), validation_freq=2,
                                   callbacks=[callback], verbose=0)
    assert len(history.epoch) == 2 and callback.wait == 0 and callback.best is not None
