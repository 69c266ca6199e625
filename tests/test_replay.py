"""The replay must do exactly what a real `fit` with `EarlyStopping` does."""

import keras
import numpy as np
import pytest

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier
from callbacks_course.replay import EpochSnapshots, Recording, replay_early_stopping

EPOCHS = 12
PARAMS = [
    dict(patience=0),
    dict(patience=2, restore_best_weights=True),
    dict(patience=1, min_delta=0.02),
    dict(patience=3, baseline=0.6, restore_best_weights=True),
    dict(patience=0, start_from_epoch=8, restore_best_weights=True),
    dict(monitor="val_accuracy", patience=1),
    dict(monitor="val_loss", mode="max", restore_best_weights=True),
]


def fresh_model():
    return make_classifier(hidden_units=128, learning_rate=3e-3, dropout=0.3)


@pytest.fixture(scope="module")
def data():
    (x, y), (xt, yt) = load_mnist(n_train=200, n_test=200)
    return normalize(x), y, normalize(xt), yt


def train(data, callbacks):
    x, y, xt, yt = data
    model = fresh_model()
    snapshots = EpochSnapshots()
    model.fit(x, y, batch_size=32, epochs=EPOCHS, validation_data=(xt, yt), callbacks=[*callbacks, snapshots],
              verbose=0)
    return model, snapshots.recording()


@pytest.fixture(scope="module")
def full_run(data):
    return train(data, [])


@pytest.mark.slow
@pytest.mark.parametrize("params", PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
def test_replay_matches_a_real_early_stopping_run(data, full_run, params):
    real_stopper = keras.callbacks.EarlyStopping(**params)
    real_model, real_recording = train(data, [real_stopper])
    recorded_model, full_recording = full_run

    # the same seed trains the same way, so the real run is a prefix of the full recording
    assert real_recording.series("val_loss") == pytest.approx(full_recording.series("val_loss")[:len(real_recording.logs)],
                                                               rel=1e-5)
    replay = replay_early_stopping(full_recording, recorded_model, **params)
    assert replay.epochs_run == len(real_recording.logs)
    assert replay.stopped_early == (len(real_recording.logs) < EPOCHS)
    # the weights the real run ended with are the ones the replay keeps
    assert real_recording.epoch_of(real_model.get_weights()) == replay.kept_epoch
    assert replay.best_epoch == real_stopper.best_epoch + 1
    # replaying the real run's own (stopped) recording gives the same verdict
    own = replay_early_stopping(real_recording, recorded_model, **params)
    assert (own.epochs_run, own.kept_epoch, own.best_epoch) == (replay.epochs_run, replay.kept_epoch, replay.best_epoch)


@pytest.mark.slow
def test_parameters_change_the_verdict(full_run):
    model, recording = full_run
    eager = replay_early_stopping(recording, model, patience=0)
    patient = replay_early_stopping(recording, model, patience=EPOCHS)
    assert patient.epochs_run == EPOCHS and not patient.stopped_early
    assert patient.kept_epoch == EPOCHS  # without restore_best_weights the last weights stay
    assert eager.epochs_run <= patient.epochs_run
    restored = replay_early_stopping(recording, model, patience=EPOCHS, restore_best_weights=True)
    val_loss = recording.series("val_loss")
    assert restored.kept_epoch == restored.best_epoch == int(np.argmin(val_loss)) + 1
    assert restored.describe() == (f"stopped at epoch {EPOCHS} (the last one: no early stop), "
                                   f"keeps the weights of epoch {restored.kept_epoch}")


def test_recording_checks_its_input():
    with pytest.raises(ValueError, match="no epochs"):
        Recording((), ())
    with pytest.raises(ValueError, match="2 epochs of logs but 1"):
        Recording(({"val_loss": 1.0}, {"val_loss": 0.5}), ([np.zeros(1)],))
    recording = Recording(({"val_loss": 1.0},), ([np.zeros(2)],))
    with pytest.raises(KeyError, match="'loss' is not in the logs of epochs \\[1\\]"):
        recording.series("loss")
    assert recording.epoch_of([np.zeros(2)]) == 1 and recording.epoch_of([np.ones(2)]) is None


def synthetic(val_losses):
    """A tiny real model and a recording whose epoch k has weights all equal to k."""
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    weights = tuple([np.full(w.shape, epoch, dtype="float32") for w in model.get_weights()]
                    for epoch in range(1, len(val_losses) + 1))
    return model, Recording(tuple({"val_loss": v} for v in val_losses), weights)


@pytest.mark.parametrize("params, stop, kept", [
    (dict(patience=2), 4, 4),                              # lesson 5, self-check 1
    (dict(patience=2, restore_best_weights=True), 4, 2),   # self-check 2
])
def test_lesson_5_self_check_numbers(params, stop, kept):
    model, recording = synthetic([0.90, 0.70, 0.72, 0.71, 0.73, 0.69])
    replay = replay_early_stopping(recording, model, **params)
    assert (replay.epochs_run, replay.kept_epoch) == (stop, kept)


def test_lesson_5_self_check_min_delta():
    model, recording = synthetic([0.90, 0.87, 0.80, 0.70])
    assert replay_early_stopping(recording, model, min_delta=0.05, patience=0).epochs_run == 2
