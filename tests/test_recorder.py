import matplotlib
import pytest

from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier
from callbacks_course.recorder import ALL_HOOKS, Event, EventRecorder, log_keys_by_hook
from callbacks_course.timeline import plot_hook_timeline, spans

matplotlib.use("Agg")


def batches(phase, n):
    return [f"on_{phase}_batch_{edge}" for _ in range(n) for edge in ("begin", "end")]


def expected_fit(epochs, train_batches, val_batches):
    order = ["on_train_begin"]
    for _ in range(epochs):
        order += ["on_epoch_begin", *batches("train", train_batches), "on_test_begin",
                  *batches("test", val_batches), "on_test_end", "on_epoch_end"]
    return order + ["on_train_end"]


@pytest.fixture(scope="module")
def runs():
    (x, y), (xt, yt) = load_mnist(n_train=192, n_test=48)
    x, xt = normalize(x), normalize(xt)
    model = make_classifier()
    fit, evaluate, predict = EventRecorder(), EventRecorder(), EventRecorder()
    model.fit(x, y, batch_size=64, epochs=2, validation_data=(xt, yt), callbacks=[fit], verbose=0)
    model.evaluate(xt, yt, batch_size=16, callbacks=[evaluate], verbose=0)
    model.predict(xt, batch_size=16, callbacks=[predict], verbose=0)
    return fit, evaluate, predict


def test_fit_calls_hooks_in_order(runs):
    fit, _, _ = runs
    assert fit.hooks_called() == expected_fit(epochs=2, train_batches=3, val_batches=1)
    assert [e.index for e in fit.events if e.hook == "on_epoch_end"] == [0, 1]
    assert [e.index for e in fit.events if e.hook == "on_train_batch_end"] == [0, 1, 2, 0, 1, 2]


def test_evaluate_and_predict_call_only_their_hooks(runs):
    _, evaluate, predict = runs
    assert evaluate.hooks_called() == ["on_test_begin", *batches("test", 3), "on_test_end"]
    assert predict.hooks_called() == ["on_predict_begin", *batches("predict", 3), "on_predict_end"]


def test_logs_are_recorded_per_hook(runs):
    fit, evaluate, predict = runs
    keys = log_keys_by_hook(fit.events + evaluate.events + predict.events)
    assert keys["on_epoch_begin"] == [] and keys["on_train_batch_begin"] == []
    assert keys["on_train_batch_end"] == ["accuracy", "loss"]
    assert keys["on_epoch_end"] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert keys["on_predict_batch_end"] == ["outputs"]
    last_batch = [e for e in fit.events if e.hook == "on_train_batch_end"][-1].logs
    epoch_end = [e for e in fit.events if e.hook == "on_epoch_end"][-1].logs
    assert last_batch["loss"] == pytest.approx(epoch_end["loss"])
    assert isinstance(epoch_end["val_loss"], float)


def test_recorder_can_watch_only_some_hooks(runs):
    recorder = EventRecorder(hooks=("on_epoch_end",))
    assert recorder.hooks == ("on_epoch_end",)
    with pytest.raises(ValueError, match="unknown hooks"):
        EventRecorder(hooks=("on_epoch_finish",))
    assert set(ALL_HOOKS) >= {"on_train_begin", "on_predict_batch_end"} and len(ALL_HOOKS) == 14


def test_timeline_pairs_every_begin_with_its_end(runs):
    fit, _, _ = runs
    found = spans(fit.events)
    assert len(found) == len(fit.events) // 2
    lanes = [lane for lane, *_ in found]
    assert lanes.count("epoch") == 2 and lanes.count("train batch") == 6 and lanes.count("test") == 2
    ax = plot_hook_timeline(fit.events)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["train", "epoch", "train batch", "test", "test batch"]
    assert len(ax.collections) == len(found)


def test_timeline_pairs_grouped_batches_by_lane():
    events = [Event("on_epoch_begin", 0, {}), Event("on_train_batch_begin", 0, {}), Event("on_train_batch_end", 3, {}),
              Event("on_train_batch_begin", 4, {}), Event("on_train_batch_end", 7, {}), Event("on_epoch_end", 0, {})]
    assert spans(events) == [("epoch", 0, 0, 5), ("train batch", 0, 1, 2), ("train batch", 4, 3, 4)]
