"""Lesson 9: Keras 3 appends `History` and then the progress bar after your callbacks, so the bar
shows the keys your callbacks add to `logs` in `on_epoch_end`."""

import keras
from facts import fit, tiny_model


class AddGap(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        logs["loss_gap"] = logs["val_loss"] - logs["loss"]


def test_fit_appends_history_then_the_progress_bar():
    callbacks = keras.callbacks.CallbackList([AddGap()], add_history=True, add_progbar=True, model=tiny_model())
    assert [type(c).__name__ for c in callbacks.callbacks] == ["AddGap", "History", "ProgbarLogger"]


def test_the_progress_bar_shows_a_key_a_callback_added(capsys):
    fit(tiny_model(), epochs=1, validation=True, callbacks=[AddGap()], verbose=2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert " - loss_gap: " in line and " - val_loss: " in line
