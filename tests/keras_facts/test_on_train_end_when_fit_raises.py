"""Lessons 7, 8 and 12: `on_train_end` runs when `fit` returns (also after `stop_training`, lesson 7),
never when `fit` raises: an exception in a callback, or a KeyboardInterrupt (Jupyter's interrupt), as
lesson 12 shows."""

import keras
import pytest
from callbacks_course.recorder import EventRecorder
from facts import fit, tiny_model


class RaiseInBatch(keras.callbacks.Callback):
    def __init__(self, error):
        super().__init__()
        self.error = error

    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise self.error


@pytest.mark.parametrize("error", [ValueError("bug"), KeyboardInterrupt()], ids=["exception", "interrupt"])
def test_on_train_end_does_not_run_when_fit_raises(error):
    recorder = EventRecorder(hooks=("on_epoch_end", "on_train_end"))
    with pytest.raises(type(error)):
        fit(tiny_model(), epochs=2, callbacks=[recorder, RaiseInBatch(error)])
    assert recorder.hooks_called() == []


def test_on_train_end_runs_after_stop_training():
    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    recorder = EventRecorder(hooks=("on_epoch_end", "on_train_end"))
    fit(tiny_model(), epochs=3, callbacks=[Stop(), recorder])
    assert recorder.hooks_called() == ["on_epoch_end", "on_train_end"]
