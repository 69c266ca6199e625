"""Recorded runs that several answer-key experiments read (each is run once per session)."""

import pytest
from callbacks_course.recorder import EventRecorder
from quiz_experiments import BATCH, EPOCHS, data, fit, tiny_model


@pytest.fixture(scope="session")
def fit_events():
    """Every hook call of a 2-epoch `fit` with validation data."""
    recorder = EventRecorder()
    fit(tiny_model(), epochs=EPOCHS, callbacks=[recorder])
    return recorder.events


@pytest.fixture(scope="session")
def evaluate_events():
    """Every hook call of one `evaluate`."""
    recorder = EventRecorder()
    _, (x_test, y_test) = data()
    tiny_model().evaluate(x_test, y_test, batch_size=BATCH, callbacks=[recorder], verbose=0)
    return recorder.events


@pytest.fixture(scope="session")
def predict_events():
    """Every hook call of one `predict`."""
    recorder = EventRecorder()
    _, (x_test, _) = data()
    tiny_model().predict(x_test, batch_size=BATCH, callbacks=[recorder], verbose=0)
    return recorder.events
