"""Lesson 3 and the README: TensorBoard's numbers are tensor summaries because TensorFlow 2's summary
API writes them so, with or without Keras: not a Keras 3 change."""

import keras
import tensorflow as tf
from facts import fit, tiny_model
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util.tensor_util import make_ndarray


def accumulator(folder):
    events = EventAccumulator(str(folder))
    events.Reload()
    return events


def test_keras_writes_its_scalars_as_tensor_summaries(tmp_path):
    history = fit(tiny_model(), epochs=2, callbacks=[keras.callbacks.TensorBoard(tmp_path)])
    events = accumulator(tmp_path / "train")
    assert events.Tags()["scalars"] == []
    assert events.SummaryMetadata("epoch_loss").plugin_data.plugin_name == "scalars"
    assert [float(make_ndarray(e.tensor_proto)) for e in events.Tensors("epoch_loss")] == history.history["loss"]


def test_tensorflow_2s_summary_api_alone_writes_the_same_kind(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        tf.summary.scalar("epoch_loss", 0.5, step=0)
    events = accumulator(tmp_path)
    assert events.Tags()["scalars"] == [] and events.Tags()["tensors"] == ["epoch_loss"]
    assert events.SummaryMetadata("epoch_loss").plugin_data.plugin_name == "scalars"
    assert float(make_ndarray(events.Tensors("epoch_loss")[0].tensor_proto)) == 0.5
