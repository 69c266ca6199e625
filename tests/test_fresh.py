"""callbacks_course.fresh: a rewound model trains exactly as a freshly built one, and only a new model rewinds."""

import keras
import numpy as np
import pytest

from callbacks_course.fresh import Rewind
from callbacks_course.models import make_classifier

RNG = np.random.default_rng(0)
X, Y = RNG.random((96, 28, 28), dtype=np.float32), RNG.integers(0, 10, 96)


def train(model, callbacks=()):
    return model.fit(X, Y, batch_size=32, epochs=3, validation_split=0.25, callbacks=list(callbacks),
                     verbose=0).history


def test_a_rewound_model_repeats_a_fresh_models_run():
    fresh = train(make_classifier(hidden_units=16, dropout=0.5, learning_rate=5e-3))
    model = make_classifier(hidden_units=16, dropout=0.5, learning_rate=5e-3)
    rewind = Rewind(model)
    changed = train(model, [keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate / 10)])
    assert changed["loss"] != fresh["loss"]  # another run: other weights, moments, rate, seed states
    rewind()
    assert float(model.optimizer.learning_rate) == pytest.approx(5e-3)
    assert train(model) == fresh  # the same run, to the last digit: weights, dropout, shuffling, Adam


def test_only_an_untrained_model_can_be_rewound():
    model = make_classifier(hidden_units=16)
    train(model)
    with pytest.raises(ValueError, match="has trained already: make the Rewind before its first fit"):
        Rewind(model)
