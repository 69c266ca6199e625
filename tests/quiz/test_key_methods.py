"""Answer-key experiments on where callbacks go and what they can do: questions 3, 8, 12, 15, 17 and 20."""

import os

import keras
import matplotlib
import numpy as np
import pytest
from callbacks_course.recorder import EventRecorder
from PIL import Image
from quiz_experiments import BATCH, N_TEST, STEPS, assert_key, data, fit, tiny_model

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def hooks(events):
    return [event.hook for event in events]


def test_q03_A_fit_takes_callbacks(fit_events):
    assert_key("q03", "A", hooks(fit_events)[0] == "on_train_begin")


def test_q03_B_evaluate_takes_callbacks(evaluate_events):
    assert_key("q03", "B", hooks(evaluate_events) == ["on_test_begin", "on_test_batch_begin",
                                                      "on_test_batch_end", "on_test_end"])


def test_q03_C_predict_takes_callbacks(predict_events):
    assert_key("q03", "C", "on_predict_begin" in hooks(predict_events))


def test_q03_D_compile_rejects_callbacks():
    model = tiny_model()
    try:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", callbacks=[EventRecorder()])
        accepted = True
    except TypeError as error:
        assert "callbacks" in str(error)
        accepted = False
    assert_key("q03", "D", accepted)


def batch_logs(events):
    return [e for e in events if e.hook == "on_train_batch_end"]


def test_q08_A_batch_number_is_an_argument_not_a_log(fit_events):
    logged = batch_logs(fit_events)
    assert [e.index for e in logged] == list(range(STEPS)) * 2, "the batch number comes as `batch`"
    assert_key("q08", "A", any({"batch", "step", "size"} & set(e.logs) for e in logged))


def test_q08_B_logs_hold_the_current_metrics(fit_events):
    logged = batch_logs(fit_events)
    assert_key("q08", "B", all(set(e.logs) == {"loss", "accuracy"} for e in logged)
               and logged[0].logs["loss"] != logged[-1].logs["loss"])


def test_q08_option_B_batch_logs_are_running_averages_over_the_epoch():
    """B's explanation: a batch end's loss is the mean over the epoch's batches so far (lesson 1)."""
    (x, y), _ = data()
    model = tiny_model(learning_rate=0.0)  # weights stay put, so each batch's own loss can be measured after
    recorder = EventRecorder(hooks=("on_train_batch_end", "on_epoch_end"))
    fit(model, epochs=1, callbacks=[recorder], validation=False, shuffle=False)
    own = [model.evaluate(x[i:i + BATCH], y[i:i + BATCH], verbose=0)[0] for i in range(0, STEPS * BATCH, BATCH)]
    logged = [e.logs["loss"] for e in recorder.events]
    assert logged[:-1] == pytest.approx(np.cumsum(own) / np.arange(1, STEPS + 1), rel=1e-5)
    assert logged[-1] == pytest.approx(logged[-2], rel=1e-6) and logged[0] != pytest.approx(logged[-2], rel=1e-3)


def test_q08_C_logs_are_not_always_empty(fit_events):
    assert_key("q08", "C", all(not e.logs for e in fit_events))


def test_q08_D_epoch_end_logs_hold_validation_metrics(fit_events):
    ends = [e.logs for e in fit_events if e.hook == "on_epoch_end"]
    assert_key("q08", "D", bool(ends) and all({"val_loss", "val_accuracy"} <= set(logs) for logs in ends))


class StopAt(EventRecorder):
    """Records training hooks and sets `stop_training` in `hook` at `index`."""

    def __init__(self, hook, index):
        super().__init__(hooks=("on_epoch_end", "on_train_batch_end"))
        self.stop_hook, self.stop_index = hook, index

    def _record(self, hook, index, logs):
        super()._record(hook, index, logs)
        if hook == self.stop_hook and index == self.stop_index:
            self.model.stop_training = True


def test_q12_A_stops_after_the_current_batch_or_epoch():
    in_batch = StopAt("on_train_batch_end", 1)
    fit(tiny_model(), epochs=3, callbacks=[in_batch])
    in_epoch = StopAt("on_epoch_end", 0)
    fit(tiny_model(), epochs=3, callbacks=[in_epoch])
    after_batch = in_batch.hooks_called() == ["on_train_batch_end"] * 2 + ["on_epoch_end"]
    after_epoch = in_epoch.hooks_called() == ["on_train_batch_end"] * STEPS + ["on_epoch_end"]
    assert_key("q12", "A", after_batch and after_epoch)


@pytest.mark.parametrize("hook", ["on_train_begin", "on_epoch_begin", "on_train_batch_begin"])
def test_q12_option_A_too_a_flag_set_before_a_batch_lets_that_batch_run(hook):
    """A's wording and its explanation agree with lesson 7: Keras checks the flag after a batch."""
    class StopEarly(EventRecorder):
        def __init__(self):
            super().__init__(hooks=("on_epoch_end", "on_train_batch_end"))

    stopper = StopEarly()
    setattr(stopper, hook, lambda *args, **kwargs: setattr(stopper.model, "stop_training", True))
    fit(tiny_model(), epochs=3, callbacks=[stopper])
    assert_key("q12", "A", stopper.hooks_called() == ["on_train_batch_end", "on_epoch_end"])


def test_q12_B_training_ends_it_does_not_pause():
    model = tiny_model()
    first = fit(model, epochs=3, callbacks=[StopAt("on_epoch_end", 0)])
    again = fit(model, epochs=2)
    assert first.epoch == [0]
    assert_key("q12", "B", again.epoch[0] == 1)


def test_q12_C_weights_are_not_reset():
    model = tiny_model()
    initial = model.get_weights()
    fit(model, epochs=3, callbacks=[StopAt("on_train_batch_end", 1)])
    assert_key("q12", "C", all(np.array_equal(a, b) for a, b in zip(initial, model.get_weights())))


def test_q12_D_stopping_saves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "ck.keras"), save_freq=1000)
    fit(tiny_model(), epochs=3, callbacks=[StopAt("on_train_batch_end", 1), checkpoint])
    assert_key("q12", "D", any(tmp_path.iterdir()))


def test_q15_A_log_what_no_builtin_logs():
    class WeightNorm(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["kernel_norm"] = float(np.linalg.norm(self.model.layers[1].kernel.numpy()))

    history = fit(tiny_model(), epochs=2, callbacks=[WeightNorm()])
    norms = history.history.get("kernel_norm", [])
    assert_key("q15", "A", len(norms) == 2 and norms[0] != norms[1])


def test_q15_B_stop_on_a_custom_condition():
    class StopWhenAccurate(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs["accuracy"] > 0.05:
                self.model.stop_training = True

    history = fit(tiny_model(), epochs=5, callbacks=[StopWhenAccurate()])
    assert_key("q15", "B", history.epoch == [0])


def test_q15_C_visualize_intermediate_predictions(tmp_path):
    class PlotPredictions(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            _, (x_test, y_test) = data()
            predicted = self.model.predict(x_test[:4], verbose=0).argmax(axis=1)
            figure, axes = plt.subplots(1, 4, figsize=(4, 1.2))
            for axis, image, label, truth in zip(axes, x_test, predicted, y_test):
                axis.imshow(image, cmap="gray")
                axis.set_title(f"{label}/{truth}")
                axis.axis("off")
            figure.savefig(tmp_path / f"epoch{epoch}.png")
            plt.close(figure)

    fit(tiny_model(), epochs=2, callbacks=[PlotPredictions()])
    sizes = [Image.open(tmp_path / f"epoch{epoch}.png").size for epoch in range(2)]
    assert_key("q15", "C", sizes == [(400, 120)] * 2)


def test_q15_D_tune_a_hyperparameter_during_training():
    class HalveLearningRate(keras.callbacks.Callback):
        used = []

        def on_epoch_begin(self, epoch, logs=None):
            if epoch > 0:
                self.model.optimizer.learning_rate.assign(self.model.optimizer.learning_rate * 0.5)

        def on_train_batch_end(self, batch, logs=None):
            self.used.append(round(float(self.model.optimizer.learning_rate), 6))

    halving = HalveLearningRate()
    fit(tiny_model(learning_rate=0.01), epochs=3, callbacks=[halving])
    used = sorted(set(halving.used), reverse=True)
    assert issubclass(keras.callbacks.ReduceLROnPlateau, keras.callbacks.Callback)
    assert_key("q15", "D", used == [0.01, 0.005, 0.0025])


def test_q17_A_every_callback_gets_every_event():
    recorders = [EventRecorder() for _ in range(3)]
    fit(tiny_model(), epochs=2, callbacks=recorders)
    calls = [r.hooks_called() for r in recorders]
    assert_key("q17", "A", calls[0] == calls[1] == calls[2] and len(calls[0]) > 20)


def test_q17_B_one_callback_can_break_another():
    class DropValLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs.pop("val_loss")

    class ReadValLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.seen = logs["val_loss"]

    fit(tiny_model(), epochs=1, callbacks=[ReadValLoss(), DropValLoss()])
    try:
        fit(tiny_model(), epochs=1, callbacks=[DropValLoss(), ReadValLoss()])
        broke = False
    except KeyError as error:
        broke = "val_loss" in str(error)
    assert_key("q17", "B", broke)


def test_q17_C_earlystopping_checkpoint_and_tensorboard_together(tmp_path):
    callbacks = [keras.callbacks.EarlyStopping(monitor="loss", min_delta=100.0, patience=0),
                 keras.callbacks.ModelCheckpoint(str(tmp_path / "ck-{epoch}.keras")),
                 keras.callbacks.TensorBoard(str(tmp_path / "logs"))]
    history = fit(tiny_model(), epochs=5, callbacks=callbacks)
    checkpoints = sorted(p.name for p in tmp_path.glob("ck-*.keras"))
    events = list((tmp_path / "logs" / "train").glob("events.out.tfevents.*"))
    assert_key("q17", "C", history.epoch == [0, 1] and checkpoints == ["ck-1.keras", "ck-2.keras"] and len(events) == 1)


def test_q17_D_all_callbacks_are_active_at_once():
    recorders = [EventRecorder(hooks=("on_epoch_end",)) for _ in range(2)]
    fit(tiny_model(), epochs=2, callbacks=recorders)
    assert_key("q17", "D", sum(bool(r.events) for r in recorders) <= 1)


PREDICT_STEPS = -(-N_TEST // BATCH)


def test_q20_A_predict_takes_callbacks(predict_events):
    names = hooks(predict_events)
    assert_key("q20", "A", names[0] == "on_predict_begin" and names[-1] == "on_predict_end")


def test_q20_B_predict_batch_hooks_run_per_batch(predict_events):
    names = hooks(predict_events)
    assert_key("q20", "B", names.count("on_predict_batch_begin") == names.count("on_predict_batch_end") == PREDICT_STEPS)


def test_q20_C_callbacks_cannot_change_what_predict_returns():
    class Overwrite(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            outputs = logs["outputs"]
            if isinstance(outputs, np.ndarray) and outputs.flags.writeable:
                outputs[...] = 0.0
            logs["outputs"] = np.zeros_like(np.asarray(outputs))

    model = tiny_model()
    _, (x_test, _) = data()
    plain = model.predict(x_test, batch_size=BATCH, verbose=0)
    tampered = model.predict(x_test, batch_size=BATCH, verbose=0, callbacks=[Overwrite()])
    assert np.abs(plain).sum() > 0
    assert_key("q20", "C", not np.array_equal(plain, tampered))


def test_q20_D_prediction_supports_callbacks(predict_events):
    assert_key("q20", "D", not predict_events)
