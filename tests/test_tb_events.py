import json

import keras
import pytest

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier
from callbacks_course.tb_events import keras_model_config, read_histograms, read_scalars


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    (x, y), (xt, yt) = load_mnist(n_train=128, n_test=32)
    model = make_classifier()
    log_dir = tmp_path_factory.mktemp("tb")
    history = model.fit(normalize(x), y, batch_size=64, epochs=2, validation_data=(normalize(xt), yt),
                        callbacks=[keras.callbacks.TensorBoard(log_dir, update_freq="batch")], verbose=0)
    return log_dir, history.history, model


def test_reads_every_scalar_with_its_steps(logged):
    log_dir, history, _ = logged
    train = read_scalars(log_dir / "train")
    assert [step for step, _ in train["batch_loss"]] == [1, 2, 3, 4]
    assert [value for _, value in train["epoch_loss"]] == pytest.approx(history["loss"], rel=1e-6)
    validation = read_scalars(log_dir / "validation")
    assert [value for _, value in validation["epoch_loss"]] == pytest.approx(history["val_loss"], rel=1e-6)
    assert "keras" not in train  # the model config is not a scalar


def test_reads_the_model_config(logged):
    log_dir, _, model = logged
    assert keras_model_config(log_dir / "train") == json.loads(model.to_json())
    assert keras_model_config(log_dir / "validation") is None


def test_a_folder_without_event_files_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no TensorBoard event file"):
        read_scalars(tmp_path)


def test_reads_histograms_with_their_buckets(tmp_path):
    (x, y), _ = load_mnist(n_train=128, n_test=32)
    model = make_classifier(hidden_units=8)
    model.fit(normalize(x), y, batch_size=64, epochs=2, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(tmp_path, histogram_freq=1)])
    found = read_histograms(tmp_path / "train")
    assert sorted(found) == sorted(f"{w.path}/histogram" for w in model.weights)
    kernel = f"{model.layers[1].kernel.path}/histogram"  # the hidden layer's (layer names vary by process)
    steps = [step for step, _ in found[kernel]]
    step, buckets = found[kernel][-1]
    assert steps == [0, 1] and buckets.shape[1] == 3 and buckets[:, 2].sum() == 784 * 8
    assert (buckets[1:, 0] == pytest.approx(buckets[:-1, 1]))  # edges join up
    assert "epoch_loss" not in found and kernel not in read_scalars(tmp_path / "train")
