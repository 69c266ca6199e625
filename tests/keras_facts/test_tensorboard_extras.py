"""Lesson 3: what `histogram_freq`, `write_steps_per_second` and `steps_per_execution` do to the
event files of Keras 3.15's `TensorBoard` callback."""

import time

import keras
import numpy as np
import pytest
from callbacks_course.tb_events import read_scalars
from facts import STEPS, fit, tiny_model
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util.tensor_util import make_ndarray


def histograms(folder):
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    events.Reload()
    return {tag: [(e.step, make_ndarray(e.tensor_proto)) for e in events.Tensors(tag)]
            for tag in events.Tags()["tensors"] if events.SummaryMetadata(tag).plugin_data.plugin_name == "histograms"}


def test_histogram_freq_writes_a_histogram_of_every_weight_each_nth_epoch_without_validation_data(tmp_path):
    model = tiny_model()
    fit(model, epochs=3, callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=2)], validation=False)
    found = histograms(tmp_path / "train")
    assert sorted(found) == sorted(f"{w.path}/histogram" for w in model.weights)
    hidden = model.layers[1]  # its name varies with the models built before in this process
    kernel = dict(found[f"{hidden.kernel.path}/histogram"])
    assert sorted(kernel) == [0, 2]  # epochs 0 and 2 of 0, 1, 2
    buckets = kernel[2]  # one row per bucket: left edge, right edge, count
    assert buckets.shape[1] == 3 and buckets[:, 2].sum() == 784 * 16
    weights = keras.ops.convert_to_numpy(hidden.kernel)
    assert buckets[0, 0] == pytest.approx(weights.min()) and buckets[-1, 1] == pytest.approx(weights.max())


def test_write_steps_per_second_adds_a_rate_per_epoch_and_per_batch_call(tmp_path):
    fit(tiny_model(), epochs=2, callbacks=[keras.callbacks.TensorBoard(tmp_path / "batch", update_freq="batch",
                                                                       write_steps_per_second=True)])
    fit(tiny_model(), epochs=2, callbacks=[keras.callbacks.TensorBoard(tmp_path / "epoch", write_steps_per_second=True)])
    batch, epoch = read_scalars(tmp_path / "batch" / "train"), read_scalars(tmp_path / "epoch" / "train")
    assert [step for step, _ in batch["epoch_steps_per_second"]] == [0, 1]
    assert [step for step, _ in batch["batch_steps_per_second"]] == list(range(1, 2 * STEPS + 1))
    assert all(rate > 0 for _, rate in batch["batch_steps_per_second"] + batch["epoch_steps_per_second"])
    assert "epoch_steps_per_second" in epoch and "batch_steps_per_second" not in epoch


def test_under_steps_per_execution_the_batch_step_counts_callback_calls_not_batches(tmp_path):
    """10 batches an epoch in groups of 5: the batch hooks run twice an epoch, and TensorBoard's batch
    step counts those calls (1..4 over 2 epochs), while the optimizer counts 20 batches."""
    model = tiny_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=5)
    fit(model, epochs=2, validation=True,
        callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq="batch", write_steps_per_second=True)])
    train, validation = read_scalars(tmp_path / "train"), read_scalars(tmp_path / "validation")
    assert [step for step, _ in train["batch_loss"]] == [1, 2, 3, 4]
    assert [step for step, _ in train["batch_steps_per_second"]] == [1, 2, 3, 4]
    assert int(model.optimizer.iterations) == 2 * STEPS
    assert [step for step, _ in validation["evaluation_loss_vs_iterations"]] == [STEPS, 2 * STEPS]
    assert np.isfinite([v for _, v in train["epoch_steps_per_second"]]).all()


class EpochClock(keras.callbacks.Callback):
    """Wall time of every epoch, from on_epoch_begin to on_epoch_end (after validation)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def test_epoch_steps_per_second_is_the_epochs_batches_over_its_wall_time_validation_included(tmp_path):
    clock = EpochClock()
    fit(tiny_model(), epochs=2, validation=True,
        callbacks=[clock, keras.callbacks.TensorBoard(tmp_path, write_steps_per_second=True)])
    rates = [rate for _, rate in read_scalars(tmp_path / "train")["epoch_steps_per_second"]]
    assert rates == pytest.approx([STEPS / seconds for seconds in clock.seconds], rel=0.2)


def test_under_steps_per_execution_an_integer_update_freq_counts_calls(tmp_path):
    """update_freq=2 with groups of 5 batches: a batch point every 2 calls, i.e. every 10 batches."""
    model = tiny_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=5)
    fit(model, epochs=2, callbacks=[keras.callbacks.TensorBoard(tmp_path, update_freq=2)])
    assert [step for step, _ in read_scalars(tmp_path / "train")["batch_loss"]] == [2, 4]
