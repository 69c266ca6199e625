"""Lesson 12: `TerminateOnNaN` stops gracefully by default (`on_train_end` runs) and, with
`raise_error=True`, raises a RuntimeError that skips the epoch's end and `on_train_end`."""

import keras
import pytest
from callbacks_course.recorder import EventRecorder
from facts import BATCH, data, tiny_model

HOOKS = ("on_train_batch_end", "on_epoch_end", "on_train_end")


def diverging_fit(raise_error):
    (x, y), _ = data()
    x = x.copy()
    x[3 * BATCH:] *= 1e38  # batch 3's loss overflows to infinity
    recorder = EventRecorder(hooks=HOOKS)
    tiny_model().fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                     callbacks=[keras.callbacks.TerminateOnNaN(raise_error=raise_error), recorder])
    return recorder.hooks_called()


def test_by_default_it_sets_stop_training_and_fit_ends_normally():
    assert diverging_fit(raise_error=False) == ["on_train_batch_end"] * 4 + ["on_epoch_end", "on_train_end"]


def test_with_raise_error_fit_raises_before_any_other_hook():
    with pytest.raises(RuntimeError, match=r"^NaN or Inf loss encountered at batch 3\. Loss value: inf\."):
        diverging_fit(raise_error=True)
