"""Answer-key experiments on the built-in callbacks: questions 4, 5, 6, 10, 11 (ModelCheckpoint,
EarlyStopping), 7, 19 (TensorBoard) and 18 (CSVLogger)."""

import csv
import inspect
import json

import keras
import numpy as np
import pytest
from callbacks_course.recorder import EventRecorder
from quiz_experiments import STEPS, assert_key, data, fit, overfit, overfitting_model, tiny_model
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util


def files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# ModelCheckpoint (questions 4 and 11)

@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_q04_A_save_weights_only(tmp_path):
    path = tmp_path / "w.weights.h5"
    trained = tiny_model()
    fit(trained, epochs=1, callbacks=[keras.callbacks.ModelCheckpoint(str(path), save_weights_only=True)])
    fresh = tiny_model(seed=1)
    fresh.load_weights(path)
    same = all(np.array_equal(a, b) for a, b in zip(trained.get_weights(), fresh.get_weights()))
    with pytest.raises(ValueError):
        keras.saving.load_model(path)  # weights only: no model to rebuild
    assert_key("q04", "A", files(tmp_path) == ["w.weights.h5"] and same)


def test_q04_B_save_best_only(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch}.keras"), monitor="loss", mode="max",
                                                 save_best_only=True)
    losses = fit(tiny_model(), epochs=3, callbacks=[checkpoint]).history["loss"]
    new_highs = [f"ck-{e + 1}.keras" for e, loss in enumerate(losses) if loss > max(losses[:e], default=-1.0)]
    assert len(new_highs) < 3, "the training loss should fall, so 'max' improves only once"
    assert_key("q04", "B", files(tmp_path) == new_highs)


def test_q04_C_checkpoint_never_stops_training(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"), save_best_only=True)
    history = overfit(overfitting_model(), epochs=8, callbacks=[checkpoint])
    assert np.argmin(history.history["val_loss"]) < 7, "the validation loss stopped improving"
    assert "stop_training" not in inspect.getsource(keras.callbacks.ModelCheckpoint)
    assert_key("q04", "C", len(history.epoch) < 8)


def checkpoint_count(folder, **kwargs):
    fit(tiny_model(), epochs=2, callbacks=[keras.callbacks.ModelCheckpoint(str(folder / "ck-{epoch}-{loss:.6f}.keras"),
                                                                           **kwargs)])
    return len(files(folder))


def test_q04_D_default_saves_once_per_epoch(tmp_path):
    (tmp_path / "default").mkdir()
    (tmp_path / "per_batch").mkdir()
    assert inspect.signature(keras.callbacks.ModelCheckpoint).parameters["save_freq"].default == "epoch"
    assert checkpoint_count(tmp_path / "per_batch", save_freq=1) == 2 * STEPS, "every batch needs save_freq=1"
    assert_key("q04", "D", checkpoint_count(tmp_path / "default") == 2 * STEPS)


def test_q11_A_h5_yes_savedmodel_no(tmp_path):
    fit(tiny_model(), epochs=1, callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "model.h5"))])
    h5_ok = keras.saving.load_model(tmp_path / "model.h5").count_params() == tiny_model().count_params()
    try:
        keras.callbacks.ModelCheckpoint(str(tmp_path / "saved_model"))
        savedmodel_ok = True
    except ValueError as error:
        assert ".keras" in str(error)
        savedmodel_ok = False
    assert_key("q11", "A", h5_ok and savedmodel_ok)


def test_q11_B_epoch_and_metrics_in_filename(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch:02d}-{val_loss:.3f}.keras"))
    val_losses = fit(tiny_model(), epochs=2, callbacks=[checkpoint]).history["val_loss"]
    expected = [f"ck-{e + 1:02d}-{loss:.3f}.keras" for e, loss in enumerate(val_losses)]
    assert_key("q11", "B", files(tmp_path) == expected)


def test_q11_C_weights_only_is_possible(tmp_path):
    fit(tiny_model(), epochs=1, callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "w.weights.h5"),
                                                                           save_weights_only=True)])
    weights_only_possible = files(tmp_path) == ["w.weights.h5"]
    assert_key("q11", "C", not weights_only_possible)


def test_q11_D_save_every_n_batches(tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch}-{batch}.keras"), save_freq=2)
    fit(tiny_model(), epochs=2, callbacks=[checkpoint])
    expected = sorted(f"ck-{epoch}-{batch}.keras" for epoch in (1, 2) for batch in range(2, STEPS + 1, 2))
    assert_key("q11", "D", files(tmp_path) == expected)


# EarlyStopping (questions 5, 6 and 10)

def test_q05_A_earlystopping_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1)
    overfit(overfitting_model(), epochs=10, callbacks=[stopper])
    assert_key("q05", "A", bool(files(tmp_path)) or stopper.best_weights is not None)


def test_q05_B_stops_when_the_metric_stops_improving():
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
    history = overfit(overfitting_model(), epochs=20, callbacks=[stopper])
    val_loss = history.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert_key("q05", "B", history.epoch[-1] == best + 2 and stopper.stopped_epoch == best + 2)


def test_q05_C_earlystopping_writes_no_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    overfit(overfitting_model(), epochs=10, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=1)])
    assert_key("q05", "C", any(name.endswith(".csv") for name in files(tmp_path)))


def val_loss_after(model):
    _, (x_val, y_val) = data()
    return model.evaluate(x_val, y_val, verbose=0)[0]


def test_q05_D_halting_early_avoids_the_overfitted_weights():
    full = overfitting_model()
    overfit(full, epochs=20)
    stopped = overfitting_model()
    history = overfit(stopped, epochs=20, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=1)])
    assert_key("q05", "D", len(history.epoch) < 20 and val_loss_after(stopped) < val_loss_after(full))


def epochs_run(learning_rate=1e-3, **kwargs):
    """Epochs a 6-epoch run lasts under EarlyStopping(monitor='loss', **kwargs); learning rate 0 means a flat loss."""
    stopper = keras.callbacks.EarlyStopping(monitor="loss", **kwargs)
    return len(fit(tiny_model(learning_rate=learning_rate), epochs=6, callbacks=[stopper], validation=False,
                   shuffle=False).epoch)


def test_q06_A_patience():
    assert_key("q06", "A", (epochs_run(0.0, patience=1), epochs_run(0.0, patience=3)) == (2, 4))


def test_q06_B_min_delta():
    assert_key("q06", "B", (epochs_run(patience=0), epochs_run(patience=0, min_delta=10.0)) == (6, 2))


def test_q06_C_baseline():
    assert_key("q06", "C", (epochs_run(0.0, patience=2), epochs_run(0.0, patience=2, baseline=0.0)) == (3, 2))


def test_q06_D_save_best_only_is_not_an_earlystopping_parameter():
    try:
        keras.callbacks.EarlyStopping(monitor="val_loss", save_best_only=True)
        accepted = True
    except TypeError:
        accepted = False
    assert "save_best_only" in inspect.signature(keras.callbacks.ModelCheckpoint).parameters
    assert_key("q06", "D", accepted)


def test_q10_A_best_weights_come_back():
    restored = overfitting_model()
    history = overfit(restored, epochs=20, callbacks=[
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)])
    kept = overfitting_model()
    kept_history = overfit(kept, epochs=20, callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)])
    best = min(history.history["val_loss"])
    assert val_loss_after(kept) == pytest.approx(kept_history.history["val_loss"][-1], rel=1e-5)
    assert_key("q10", "A", val_loss_after(restored) == pytest.approx(best, rel=1e-5)
               and history.history["val_loss"][-1] > best)


def test_q10_B_nothing_is_written_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    overfit(overfitting_model(), epochs=20, callbacks=[
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)])
    assert_key("q10", "B", bool(files(tmp_path)))


def test_q10_C_training_still_stops():
    history = overfit(overfitting_model(), epochs=20, callbacks=[
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)])
    assert_key("q10", "C", len(history.epoch) == 20)


def test_q10_D_patience_still_counts():
    runs = (epochs_run(0.0, patience=1, restore_best_weights=True),
            epochs_run(0.0, patience=3, restore_best_weights=True))
    assert runs == (2, 4)
    assert_key("q10", "D", runs[0] == runs[1])


# TensorBoard (questions 7 and 19)

def events(folder):
    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    return accumulator


def tensorboard_run(folder, **kwargs):
    history = fit(tiny_model(), epochs=2, callbacks=[keras.callbacks.TensorBoard(str(folder), **kwargs)])
    return history, events(folder / "train"), events(folder / "validation")


def test_q07_A_model_graph(tmp_path):
    _, with_graph, _ = tensorboard_run(tmp_path / "graph")
    _, without, _ = tensorboard_run(tmp_path / "no_graph", write_graph=False)
    plugin = with_graph.SummaryMetadata("keras").plugin_data.plugin_name
    assert "keras" not in without.Tags()["tensors"]
    assert_key("q07", "A", plugin == "graph_keras_model")


def test_q07_option_A_the_graph_is_the_layer_structure(tmp_path):
    """A's wording: what write_graph stores is the model's layers (the Keras model config)."""
    _, with_graph, _ = tensorboard_run(tmp_path)
    (event,) = with_graph.Tensors("keras")
    config = json.loads(tensor_util.make_ndarray(event.tensor_proto).item())
    assert config["class_name"] == "Sequential" and [layer["class_name"] for layer in config["config"]["layers"]] == [
        "InputLayer", "Flatten", "Dense", "Dense"]


def test_q07_B_loss_and_accuracy(tmp_path):
    history, train, validation = tensorboard_run(tmp_path)
    logged = [float(tensor_util.make_ndarray(event.tensor_proto)) for event in train.Tensors("epoch_loss")]
    assert {"epoch_loss", "epoch_accuracy"} <= set(validation.Tags()["tensors"])
    assert_key("q07", "B", "epoch_accuracy" in train.Tags()["tensors"]
               and logged == pytest.approx(history.history["loss"], rel=1e-5))


def test_q07_C_no_checkpoints(tmp_path):
    tensorboard_run(tmp_path)
    assert_key("q07", "C", not all("events.out.tfevents" in name for name in files(tmp_path)))


def test_q07_option_C_embeddings_freq_saves_weights_files(tmp_path):
    """C's explanation: only with embeddings_freq > 0 does TensorBoard save the model's weights."""
    tensorboard_run(tmp_path, embeddings_freq=1)
    saved = [name for name in files(tmp_path) if "events.out.tfevents" not in name]
    assert saved == ["projector_config.pbtxt", "train/keras_embedding.ckpt-0.weights.h5",
                     "train/keras_embedding.ckpt-1.weights.h5"]


def test_q07_D_log_dir_has_a_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fit(tiny_model(), epochs=1, callbacks=[keras.callbacks.TensorBoard()])
    default = inspect.signature(keras.callbacks.TensorBoard).parameters["log_dir"].default
    assert_key("q07", "D", not (default == "logs" and any((tmp_path / "logs" / "train").iterdir())))


def test_q19_A_update_freq_sets_how_often_logs_are_written(tmp_path):
    _, per_batch, _ = tensorboard_run(tmp_path / "batch", update_freq=1)
    _, per_epoch, _ = tensorboard_run(tmp_path / "epoch")
    batch_steps = [e.step for e in per_batch.Tensors("batch_loss")]
    assert_key("q19", "A", len(batch_steps) == 2 * STEPS and "batch_loss" not in per_epoch.Tags()["tensors"])


def test_q19_B_no_checkpoints(tmp_path):
    tensorboard_run(tmp_path, update_freq=1)
    assert_key("q19", "B", not all("events.out.tfevents" in name for name in files(tmp_path)))


def test_q19_option_B_update_freq_does_not_change_the_saved_weights(tmp_path):
    """B's explanation: the Projector's weights files follow embeddings_freq, whatever update_freq says."""
    def saved(update_freq):
        folder = tmp_path / str(update_freq)
        tensorboard_run(folder, embeddings_freq=1, update_freq=update_freq)
        return [name for name in files(folder) if "events.out.tfevents" not in name]

    assert saved(1) == saved("epoch") == ["projector_config.pbtxt", "train/keras_embedding.ckpt-0.weights.h5",
                                          "train/keras_embedding.ckpt-1.weights.h5"]


def evaluation_passes(tmp_path, update_freq):
    recorder = EventRecorder(hooks=("on_test_begin",))
    fit(tiny_model(), epochs=2, callbacks=[keras.callbacks.TensorBoard(str(tmp_path / str(update_freq)),
                                                                       update_freq=update_freq), recorder])
    return len(recorder.events)


def test_q19_C_evaluation_frequency_is_not_update_freq(tmp_path):
    assert_key("q19", "C", evaluation_passes(tmp_path, 1) != evaluation_passes(tmp_path, "epoch"))


def test_q19_D_early_stopping_checks_are_not_update_freq(tmp_path):
    def stop_epochs(update_freq):
        stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=100.0, patience=0)
        board = keras.callbacks.TensorBoard(str(tmp_path / str(update_freq)), update_freq=update_freq)
        return len(fit(tiny_model(), epochs=5, callbacks=[board, stopper]).epoch)

    assert_key("q19", "D", stop_epochs(1) != stop_epochs("epoch"))


# CSVLogger (question 18)

def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_q18_A_one_row_on_disk_after_each_epoch(tmp_path):
    path = tmp_path / "log.csv"

    class ReadBack(keras.callbacks.Callback):
        rows = []

        def on_epoch_end(self, epoch, logs=None):
            self.rows.append(len(read_rows(path)))

    fit(tiny_model(), epochs=3, callbacks=[keras.callbacks.CSVLogger(str(path)), ReadBack()])
    assert_key("q18", "A", ReadBack.rows == [1, 2, 3])


def test_q18_B_training_and_validation_metrics(tmp_path):
    fit(tiny_model(), epochs=2, callbacks=[keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))])
    columns = set(read_rows(tmp_path / "log.csv")[0])
    assert_key("q18", "B", {"loss", "accuracy", "val_loss", "val_accuracy"} <= columns)


def test_q18_C_never_stops_training(tmp_path):
    history = overfit(overfitting_model(), epochs=8, callbacks=[keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))])
    val_loss = history.history["val_loss"]
    assert any(later > earlier for earlier, later in zip(val_loss, val_loss[1:])), "the validation loss rose"
    assert_key("q18", "C", len(history.epoch) < 8)


def test_q18_D_no_manual_save(tmp_path):
    logger = keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))
    fit(tiny_model(), epochs=2, callbacks=[logger])
    complete = [row["epoch"] for row in read_rows(tmp_path / "log.csv")] == ["0", "1"] and logger.csv_file.closed
    assert_key("q18", "D", not complete)
