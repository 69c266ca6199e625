import matplotlib
import pytest

from callbacks_course.es_playground import EarlyStoppingPlayground
from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier
from callbacks_course.replay import EpochSnapshots, replay_early_stopping

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def recorded():
    (x, y), (xt, yt) = load_mnist(n_train=128, n_test=64)
    model = make_classifier(hidden_units=32, learning_rate=1e-2)
    snapshots = EpochSnapshots()
    model.fit(normalize(x), y, batch_size=32, epochs=6, validation_data=(normalize(xt), yt),
              callbacks=[snapshots], verbose=0)
    return snapshots.recording(), model


@pytest.mark.slow
def test_each_control_change_replays_with_the_new_parameters(recorded):
    recording, model = recorded
    playground = EarlyStoppingPlayground(recording, model)
    assert playground.params() == dict(monitor="val_loss", mode="auto", patience=0, min_delta=0.0, baseline=None,
                                       start_from_epoch=0, restore_best_weights=False)
    for name, value in [("patience", 2), ("restore_best_weights", True), ("min_delta", 0.05),
                        ("monitor", "val_accuracy"), ("mode", "min"), ("start_from_epoch", 3)]:
        playground.controls[name].value = value
        assert playground.result == replay_early_stopping(recording, model, **playground.params())
        assert "stopped at epoch" in playground.verdict.value and playground.text in playground.verdict.value
        labels = [line.get_label() for line in playground.figure.axes[0].get_lines()]
        assert f"stopped (epoch {playground.result.epochs_run})" in labels
        assert f"weights kept (epoch {playground.result.kept_epoch})" in labels


@pytest.mark.slow
def test_baseline_follows_the_monitored_range_and_its_checkbox(recorded):
    recording, model = recorded
    playground = EarlyStoppingPlayground(recording, model)
    accuracy = recording.series("val_accuracy")
    playground.controls["monitor"].value = "val_accuracy"
    slider = playground.controls["baseline"]
    assert (slider.min, slider.max) == (round(min(accuracy), 3), round(max(accuracy), 3))
    assert playground.params()["baseline"] is None and slider.disabled
    playground.controls["use_baseline"].value = True
    assert not slider.disabled
    assert playground.params()["baseline"] == slider.value
    assert playground.result.params["baseline"] == slider.value


def test_an_unrecorded_monitor_is_refused_up_front(recorded):
    recording, model = recorded
    with pytest.raises(KeyError, match="'val_auc' is not in the logs"):
        EarlyStoppingPlayground(recording, model, monitors=("val_loss", "val_auc"))
