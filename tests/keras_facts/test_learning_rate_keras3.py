"""Lesson 7: the Keras 2 names for the learning rate are gone in Keras 3 (`optimizer.lr`,
`keras.backend.get_value`/`set_value`, the history key "lr"); `optimizer.learning_rate` works."""

import keras
import pytest
from facts import fit, tiny_model


def test_optimizer_lr_is_gone():
    with pytest.raises(AttributeError, match="has no attribute 'lr'"):
        tiny_model().optimizer.lr  # noqa: B018


@pytest.mark.parametrize("name", ["get_value", "set_value"])
def test_keras_backend_get_value_and_set_value_are_gone(name):
    assert not hasattr(keras.backend, name)


def test_learning_rate_is_a_variable_read_with_float_and_set_by_assignment():
    optimizer = tiny_model(learning_rate=1e-3).optimizer
    assert isinstance(optimizer.learning_rate, keras.Variable)
    assert float(optimizer.learning_rate) == pytest.approx(1e-3)
    optimizer.learning_rate = 5e-4
    assert float(optimizer.learning_rate) == pytest.approx(5e-4)
    optimizer.learning_rate.assign(2.5e-4)
    assert float(optimizer.learning_rate) == pytest.approx(2.5e-4)


def test_the_schedulers_log_learning_rate_not_lr():
    scheduled = fit(tiny_model(), epochs=2, validation=False,
                    callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, rate: rate / 2)]).history
    reduced = fit(tiny_model(), epochs=2, validation=True,
                  callbacks=[keras.callbacks.ReduceLROnPlateau(patience=0, min_delta=10.0)]).history
    assert scheduled["learning_rate"] == pytest.approx([5e-4, 2.5e-4])
    assert "learning_rate" in reduced and "lr" not in scheduled and "lr" not in reduced
