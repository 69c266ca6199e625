"""Lesson 12's claims about how a fit ends and about BackupAndRestore, each checked on the installed Keras."""

import json

import h5py
import keras
import numpy as np
import pytest

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = load_mnist(n_train=320, n_test=10)
    return normalize(x), y


class Ends(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.ran = False

    def on_train_end(self, logs=None):
        self.ran = True


class Raise(keras.callbacks.Callback):
    def __init__(self, error, epoch=1):
        super().__init__()
        self.error, self.epoch = error, epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise self.error("cut")


def diverging_regressor():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_on_train_end_does_not_run_when_fit_raises(digits, error):
    x, y = digits
    ends = Ends()
    with pytest.raises(error):
        make_classifier().fit(x, y, batch_size=64, epochs=3, callbacks=[ends, Raise(error)], verbose=0)
    assert ends.ran is False


def test_on_train_end_runs_when_a_callback_stops_the_run(digits):
    x, y = digits
    ends, stopper = Ends(), keras.callbacks.EarlyStopping(monitor="loss", min_delta=10, patience=1)
    history = make_classifier().fit(x, y, batch_size=64, epochs=5, callbacks=[ends, stopper], verbose=0)
    assert history.epoch == [0, 1] and ends.ran is True
    ends = Ends()
    diverging_regressor().fit(x, y.astype("float32"), batch_size=32, epochs=3, verbose=0,
                              callbacks=[ends, keras.callbacks.TerminateOnNaN()])
    assert ends.ran is True


def test_backup_holds_weights_optimizer_variables_and_the_epoch(digits, tmp_path):
    x, y = digits
    model = make_classifier()
    with pytest.raises(RuntimeError):
        model.fit(x, y, batch_size=32, epochs=4, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(tmp_path), Raise(RuntimeError, epoch=2)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.weights.h5", "training_metadata.json"]
    assert json.loads((tmp_path / "training_metadata.json").read_text()) == {"epoch": 2, "batch": 0}
    with h5py.File(tmp_path / "latest.weights.h5") as weights:
        assert "optimizer" in weights and "layers" in weights  # no model config: only variables
        assert "model_config" not in weights.attrs
    probe = make_classifier()
    probe.optimizer.build(probe.trainable_variables)
    probe.load_weights(tmp_path / "latest.weights.h5")
    assert int(probe.optimizer.iterations) == 20  # 2 epochs of 10 batches
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(probe.optimizer.variables, model.optimizer.variables))


def test_an_unbuilt_model_is_refused(digits, tmp_path):
    x, y = digits
    model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="must be built before you call `fit\\(\\)`"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)])


class CutAtBatch(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self.epoch, batch) == (1, 7):
            raise RuntimeError("cut")


def test_an_integer_save_freq_resumes_at_the_start_of_the_epoch(digits, tmp_path):
    x, y = digits
    with pytest.raises(RuntimeError):
        make_classifier().fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0,
                              callbacks=[keras.callbacks.BackupAndRestore(tmp_path, save_freq=3), CutAtBatch()])
    assert json.loads((tmp_path / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 4}  # saved after end index 4
    begins = []
    probe = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: begins.append(batch))
    history = make_classifier().fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0,
                                    callbacks=[keras.callbacks.BackupAndRestore(tmp_path, save_freq=3), probe])
    assert history.epoch == [1, 2] and begins[:3] == [0, 1, 2] and len(begins) == 20


@pytest.mark.parametrize("stopper", ["EarlyStopping", "TerminateOnNaN"])
def test_every_normal_end_deletes_the_backup_folder(digits, tmp_path, stopper):
    x, y = digits
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=1)
    if stopper == "EarlyStopping":
        history = make_classifier().fit(x, y, batch_size=64, epochs=5, verbose=0, callbacks=[
            backup, keras.callbacks.EarlyStopping(monitor="loss", min_delta=10, patience=1)])
        assert history.epoch == [0, 1]
    else:
        seen = []
        watch = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: seen.append((tmp_path / "backup").exists()))
        model = diverging_regressor()
        history = model.fit(x, y.astype("float32"), batch_size=32, epochs=10, verbose=0,
                            callbacks=[backup, watch, keras.callbacks.TerminateOnNaN()])
        assert model.stop_training is True and len(history.epoch) < 10
        assert all(seen)  # the backup existed at every batch until the stop
    assert not (tmp_path / "backup").exists()


@pytest.mark.parametrize("keep", ["delete_checkpoint=False", "TerminateOnNaN(raise_error=True)"])
def test_the_backup_of_a_diverged_run_is_kept_without_deletion_or_when_the_stop_raises(digits, tmp_path, keep):
    x, y = digits
    folder = tmp_path / "backup"
    backup = keras.callbacks.BackupAndRestore(folder, save_freq=1, delete_checkpoint=keep != "delete_checkpoint=False")
    terminate = keras.callbacks.TerminateOnNaN(raise_error=keep == "TerminateOnNaN(raise_error=True)")
    model = diverging_regressor()
    if keep == "delete_checkpoint=False":
        history = model.fit(x, y.astype("float32"), batch_size=32, epochs=10, verbose=0, callbacks=[backup, terminate])
        assert model.stop_training is True and len(history.epoch) < 10  # a normal end: on_train_end ran
    else:
        with pytest.raises(RuntimeError, match="NaN or Inf loss encountered"):  # no on_train_end
            model.fit(x, y.astype("float32"), batch_size=32, epochs=10, verbose=0, callbacks=[backup, terminate])
    assert sorted(p.name for p in folder.iterdir()) == ["latest.weights.h5", "training_metadata.json"]
