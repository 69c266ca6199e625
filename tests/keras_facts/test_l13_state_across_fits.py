"""Lesson 13's claims about callback state across fit calls and resumes, checked on the installed Keras."""

import keras
import pytest

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier

pytestmark = pytest.mark.slow
VAL_LOSS = [1.0, 0.8, 0.9, 0.95, 0.97, 0.85, 0.99, 1.0, 1.0, 1.0]  # scripted: best at epoch 1, a dip at 5


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = load_mnist(n_train=64, n_test=10)
    return normalize(x), y


class Script(keras.callbacks.Callback):
    """Puts values[epoch] into the epoch's logs as val_loss, for the callbacks after it."""

    def __init__(self, values=VAL_LOSS):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]


class FirstEpochState(keras.callbacks.Callback):
    def __init__(self, watched):
        super().__init__()
        self.watched, self.seen = watched, []

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 0:
            self.seen.append({name: (c.best, c.wait) for name, c in self.watched.items()})


def test_early_stopping_and_reduce_lr_reset_at_every_fit_model_checkpoint_keeps_its_best(digits, tmp_path):
    x, y = digits
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=100)
    reducer = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5)
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "best.weights.h5", save_best_only=True,
                                                 save_weights_only=True)
    probe = FirstEpochState({"stopper": stopper, "reducer": reducer})
    model = make_classifier(learning_rate=1e-2)
    for _ in range(2):
        model.fit(x, y, epochs=5, verbose=0, callbacks=[Script(), stopper, reducer, checkpoint, probe])
        assert checkpoint.best == pytest.approx(0.8)
    assert stopper.best == pytest.approx(0.8) and stopper.wait == 3
    assert probe.seen[1] == {"stopper": (None, 0), "reducer": (None, 0)}
    # the rate stays lowered: 3 reductions in the first fit (epochs 2, 3, 4), more in the second
    assert float(model.optimizer.learning_rate) < 1e-2 / 8


def run(digits, folder, epochs, extra=()):
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
    callbacks = [keras.callbacks.BackupAndRestore(folder), Script(), stopper, *extra]
    return make_classifier().fit(*digits, epochs=epochs, verbose=0, callbacks=callbacks), stopper


class Cut(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 3:
            raise RuntimeError("cut")


def test_a_resumed_run_is_a_new_start_for_early_stopping(digits, tmp_path):
    history, _ = run(digits, tmp_path / "plain", 10)
    assert history.epoch == [0, 1, 2, 3]  # stops 2 epochs after the best (epoch 1)
    with pytest.raises(RuntimeError):
        run(digits, tmp_path / "cut", 10, extra=[Cut()])
    history, stopper = run(digits, tmp_path / "cut", 10)
    assert history.epoch == [3, 4, 5, 6, 7]  # 0.95 at epoch 3 is its first best; the dip at 5 resets wait
    assert stopper.best == pytest.approx(0.85)


@pytest.mark.parametrize("threshold, saved", [(None, True), (0.5, False), (0.9, True)])
def test_initial_value_threshold_is_the_best_to_beat(digits, tmp_path, threshold, saved):
    x, y = digits
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "best.weights.h5", save_best_only=True,
                                                 save_weights_only=True, initial_value_threshold=threshold)
    make_classifier().fit(x, y, epochs=2, verbose=0, callbacks=[Script(), checkpoint])  # val_loss 1.0, 0.8
    assert (tmp_path / "best.weights.h5").exists() is saved
    assert checkpoint.best == (pytest.approx(0.8) if saved else threshold)


def test_early_stopping_baseline_is_a_bar_not_a_remembered_best(digits):
    x, y = digits
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", baseline=0.5, patience=2)
    history = make_classifier().fit(x, y, epochs=6, verbose=0,
                                    callbacks=[Script([1.0, 0.9, 0.8, 0.8, 0.8, 0.8]), stopper])
    # 1.0, 0.9, 0.8 each became `best` without beating the baseline, so `wait` was never reset:
    # the first epoch without improvement (3) finds wait 4 >= patience and stops
    assert stopper.best == pytest.approx(0.8) and history.epoch == [0, 1, 2, 3] and stopper.wait == 4
