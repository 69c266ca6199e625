"""Lesson 4: `ModelCheckpoint(save_best_only=True)` with an integer `save_freq` (Keras 3.15).

The comparison (`monitor_op`) is set up only at the first `on_epoch_end`, so two batch-level saves
before it raise a TypeError; once an epoch has ended, each save compares the batch logs' value, the
running average of the training loss over the epoch so far, which restarts every epoch.
"""

import keras
import pytest
from facts import STEPS, fit, tiny_model


class LossAtBatchEnds(keras.callbacks.Callback):
    """Records `(epoch, batch, logs["loss"])` at every training batch end."""

    def on_train_begin(self, logs=None):
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append((self.epoch, batch, float(logs["loss"])))


def best_only(folder, save_freq):
    return keras.callbacks.ModelCheckpoint(folder / "e{epoch:02d}-b{batch:02d}.weights.h5", monitor="loss",
                                           save_best_only=True, save_weights_only=True, save_freq=save_freq)


def saved(folder):
    return sorted(p.name for p in folder.iterdir())


def test_two_batch_level_saves_before_the_first_epoch_end_raise_a_type_error(tmp_path):
    with pytest.raises(TypeError, match="'NoneType' object is not callable"):
        fit(tiny_model(), epochs=2, callbacks=[best_only(tmp_path, save_freq=4)])  # saves at batches 4 and 8
    assert saved(tmp_path) == ["e01-b04.weights.h5"]


def test_after_the_first_epoch_end_saves_compare_the_running_training_loss(tmp_path):
    """save_freq=6 with 10 batches an epoch: one save in epoch 1, then the comparison works."""
    checkpoint, losses = best_only(tmp_path, save_freq=6), LossAtBatchEnds()
    fit(tiny_model(), epochs=3, callbacks=[checkpoint, losses])
    points = [(e, b, loss) for n, (e, b, loss) in enumerate(losses.seen, 1) if n % 6 == 0]
    assert [(e, b) for e, b, _ in points] == [(0, 5), (1, 1), (1, 7), (2, 3), (2, 9)]
    expected, best = [], None
    for epoch, batch, loss in points:
        if best is None or loss < best:
            best = loss
            expected.append(f"e{epoch + 1:02d}-b{batch + 1:02d}.weights.h5")
    assert saved(tmp_path) == expected and checkpoint.best == pytest.approx(best)


def test_the_compared_value_restarts_every_epoch(tmp_path):
    """With the weights frozen (learning rate 0) and no shuffling, epoch 2's batch-end values repeat
    epoch 1's: each is an average over that epoch's batches so far, not over the whole run."""
    losses = LossAtBatchEnds()
    fit(tiny_model(learning_rate=0.0), epochs=2, shuffle=False, callbacks=[best_only(tmp_path, 6), losses])
    first, second = ([loss for e, _, loss in losses.seen if e == epoch] for epoch in (0, 1))
    assert len(first) == len(second) == STEPS and second == pytest.approx(first, rel=1e-6)
    assert first[0] != pytest.approx(first[-1], rel=1e-3)
