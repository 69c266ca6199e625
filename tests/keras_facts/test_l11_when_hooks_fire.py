"""Lesson 11's claims about when hooks fire, each checked on the installed Keras."""

import http.server
import json
import threading
import urllib.parse
import warnings

import keras
import pytest

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier
from callbacks_course.recorder import EventRecorder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits():
    (x, y), (x_val, y_val) = load_mnist(n_train=512, n_test=64)
    return normalize(x), y, normalize(x_val), y_val


def grouped_model(steps=4):
    model = make_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", steps_per_execution=steps)
    return model


def test_grouped_batches_begin_at_the_first_index_and_end_at_the_last(digits):
    x, y, _, _ = digits
    recorder = EventRecorder(hooks=("on_train_batch_begin", "on_train_batch_end"))
    grouped_model().fit(x, y, batch_size=32, epochs=1, callbacks=[recorder], verbose=0)
    assert [(e.hook[9:], e.index) for e in recorder.events] == [
        ("batch_begin", 0), ("batch_end", 3), ("batch_begin", 4), ("batch_end", 7),
        ("batch_begin", 8), ("batch_end", 11), ("batch_begin", 12), ("batch_end", 15)]


def test_model_checkpoint_counts_every_batch_of_a_group_backup_and_restore_misses_one_an_epoch(digits, tmp_path):
    x, y, _, _ = digits
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "b{batch}.weights.h5", save_weights_only=True, save_freq=8)
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=8, delete_checkpoint=False)
    grouped_model().fit(x, y, batch_size=32, epochs=1, callbacks=[checkpoint, backup], verbose=0)
    assert sorted(p.name for p in tmp_path.glob("*.h5")) == ["b16.weights.h5", "b8.weights.h5"]
    # BackupAndRestore starts each epoch with "last end index 0" instead of "none seen": its first group
    # (end index 3) counts 3 batches, not 4, so 8 batches are reached only at end index 11
    assert json.loads((tmp_path / "backup/training_metadata.json").read_text()) == {"epoch": 0, "batch": 11}


def test_validation_freq_skips_test_hooks_and_early_stopping_warns_and_skips(digits):
    x, y, x_val, y_val = digits
    recorder = EventRecorder(hooks=("on_test_begin", "on_epoch_end"))
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=0, min_delta=100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = make_classifier().fit(x[:128], y[:128], batch_size=64, epochs=4, validation_data=(x_val, y_val),
                                        validation_freq=2, callbacks=[recorder, stopper], verbose=0)
    assert recorder.count("on_test_begin") == 2
    assert [e.index for e in recorder.events if e.hook == "on_epoch_end" and "val_loss" in e.logs] == [1, 3]
    messages = [str(w.message) for w in caught if "Early stopping conditioned on metric `val_loss`" in str(w.message)]
    assert len(messages) == 2 and "not available" in messages[0]
    # min_delta=100 makes epoch 3 no improvement on epoch 1: with patience 0 it stops there, so the
    # skipped epochs 0 and 2 counted neither as patience nor as an improvement
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3


def test_params_hold_epochs_steps_and_verbose(digits):
    x, y, _, _ = digits
    seen = {}
    probe = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: seen.update(probe.params))
    make_classifier().fit(x[:200], y[:200], batch_size=100, epochs=2, callbacks=[probe], verbose=0)
    assert seen == {"verbose": 0, "epochs": 2, "steps": 2}


def test_a_lambda_callback_gets_a_class_hooks_arguments_and_any_other_hook_by_keyword(digits):
    x, y, x_val, y_val = digits
    class_calls, lambda_calls, test_ends = [], [], []

    class EpochEnds(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            class_calls.append((epoch, dict(logs)))

    one_liner = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: lambda_calls.append((epoch, dict(logs))),
        on_test_end=lambda logs: test_ends.append(sorted(logs)))  # not one of its named arguments
    make_classifier().fit(x[:128], y[:128], batch_size=64, epochs=2, validation_data=(x_val, y_val),
                          callbacks=[EpochEnds(), one_liner], verbose=0)
    assert lambda_calls == class_calls and [epoch for epoch, _ in lambda_calls] == [0, 1]
    assert sorted(lambda_calls[0][1]) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert test_ends == [["accuracy", "loss"]] * 2


def test_fit_adds_history_always_and_a_progress_bar_only_when_verbose(digits, monkeypatch, capsys):
    x, y, _, _ = digits
    bars = []
    begin = keras.callbacks.ProgbarLogger.on_train_begin
    monkeypatch.setattr(keras.callbacks.ProgbarLogger, "on_train_begin",
                        lambda self, logs=None: (bars.append(self), begin(self, logs)))
    model = make_classifier()
    quiet = model.fit(x[:64], y[:64], batch_size=32, epochs=1, verbose=0)
    assert isinstance(quiet, keras.callbacks.History) and quiet is model.history and bars == []
    capsys.readouterr()
    loud = model.fit(x[:64], y[:64], batch_size=32, epochs=1, verbose=1)
    assert len(bars) == 1 and "2/2" in capsys.readouterr().out and loud is model.history


def test_swap_ema_weights_needs_an_optimizer_created_with_use_ema(digits):
    x, y, x_val, y_val = digits
    fit = dict(batch_size=32, epochs=1, validation_data=(x_val, y_val), verbose=0,
               callbacks=[keras.callbacks.SwapEMAWeights()])
    with pytest.raises(ValueError, match="must be used when `use_ema=True` is set on the optimizer"):
        make_classifier().fit(x[:64], y[:64], **fit)  # at the first evaluation
    ema = make_classifier()
    ema.compile(optimizer=keras.optimizers.Adam(use_ema=True), loss="sparse_categorical_crossentropy")
    assert "val_loss" in ema.fit(x[:64], y[:64], **fit).history  # validated with the averaged weights


def test_remote_monitor_posts_each_epochs_logs_as_json_to_a_server(digits, monkeypatch):
    x, y, _, _ = digits
    posts = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the handler's name)
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            posts.append((self.path, json.loads(urllib.parse.parse_qs(body)["data"][0])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        monitor = keras.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{server.server_port}", path="/epoch")
        make_classifier().fit(x[:128], y[:128], batch_size=32, epochs=2, callbacks=[monitor], verbose=0)
    finally:
        server.shutdown()
        server.server_close()
    # 4 batches an epoch, one post an epoch
    assert [(path, data["epoch"], sorted(data)) for path, data in posts] == [
        ("/epoch", 0, ["accuracy", "epoch", "loss"]), ("/epoch", 1, ["accuracy", "epoch", "loss"])]
