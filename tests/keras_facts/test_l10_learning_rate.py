"""Lesson 10's claims about steering the learning rate, checked on the installed Keras."""

import keras
import numpy as np
import pytest

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits():
    (x, y), (x_val, y_val) = load_mnist(n_train=96, n_test=32)
    return normalize(x), y, normalize(x_val), y_val


def test_the_rate_is_an_optimizer_variable_a_callback_sets_by_assignment(digits):
    x, y, _, _ = digits
    seen = []

    class Halve(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 1e-3 / 2 ** epoch
            seen.append(float(self.model.optimizer.learning_rate))

    model = make_classifier()
    model.fit(x, y, epochs=3, callbacks=[Halve()], verbose=0)
    assert seen == pytest.approx([1e-3, 5e-4, 2.5e-4])
    assert isinstance(model.optimizer.learning_rate, keras.Variable)


def test_an_assigned_rate_reaches_the_compiled_step_stays_and_is_logged_only_if_written(digits):
    x, y, _, _ = digits
    weights = {}

    class StopLearningAtEpoch1(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.learning_rate = 0.0

        def on_epoch_end(self, epoch, logs=None):
            weights[epoch] = self.model.get_weights()

    model = make_classifier(learning_rate=1e-3)
    start = model.get_weights()
    history = model.fit(x, y, batch_size=32, epochs=3, callbacks=[StopLearningAtEpoch1()], verbose=0)
    same = lambda a, b: all(np.array_equal(u, v) for u, v in zip(a, b))  # noqa: E731
    assert not same(start, weights[0])  # epoch 0 trained at 1e-3
    assert same(weights[0], weights[1]) and same(weights[1], weights[2])  # rate 0 in the compiled step, epochs 1 and 2
    assert float(model.optimizer.learning_rate) == 0.0  # nothing set it back
    assert "learning_rate" not in history.history  # History keeps the rate only when a callback writes it into logs


def test_learning_rate_scheduler_calls_the_schedule_at_epoch_begin_and_logs_the_rate(digits):
    x, y, _, _ = digits
    calls, batches_before = [], []
    counter = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: batches_before.append(batch))

    def schedule(epoch, rate):
        calls.append((epoch, round(float(rate), 6), len(batches_before)))
        return 4e-3 * 0.5 ** (epoch // 2)

    history = make_classifier().fit(x, y, batch_size=32, epochs=4, verbose=0,
                                    callbacks=[keras.callbacks.LearningRateScheduler(schedule), counter])
    assert calls == [(0, 0.001, 0), (1, 0.004, 3), (2, 0.004, 6), (3, 0.002, 9)]  # once per epoch, before its batches
    assert history.history["learning_rate"] == pytest.approx([4e-3, 4e-3, 2e-3, 2e-3])


def test_reduce_lr_on_plateau_logs_the_rate_at_every_epoch_end_and_never_stops_the_run(digits):
    x, y, x_val, y_val = digits
    reducer = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=0, min_delta=100)
    model = make_classifier(learning_rate=1e-2)
    history = model.fit(x, y, epochs=3, validation_data=(x_val, y_val), verbose=0,
                                                      callbacks=[reducer])
    # min_delta=100: every epoch after the first is a stall; each epoch logs the rate it trained with,
    # before the reduction that follows it
    assert history.history["learning_rate"] == pytest.approx([1e-2, 1e-2, 5e-3])
    assert float(model.optimizer.learning_rate) == pytest.approx(2.5e-3)
    assert history.epoch == [0, 1, 2]  # it never stops the run


def test_a_per_step_schedule_belongs_to_the_optimizer(digits):
    x, y, _, _ = digits
    model = make_classifier()
    decay = keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=1, decay_rate=0.5)
    model.compile(optimizer=keras.optimizers.Adam(decay), loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)  # 3 steps
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-2 * 0.5 ** 3)
