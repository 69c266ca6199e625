import numpy as np
import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "07_custom_callbacks"


def test_batch_timer_measures_every_batch_and_the_slow_first_one(lesson):
    durations = lesson.value("timer.durations")
    assert len(durations) == 3 * 32  # 1000 digits in batches of 32, 3 epochs
    assert all(d > 0 for d in durations)
    assert durations[0] > 5 * np.median(durations[1:])  # building the graph


def test_the_uncontrolled_run_really_overfits(lesson):
    history = lesson.value("overfit")
    assert len(history["loss"]) == 30
    assert history["loss"][-1] < 0.05 * history["loss"][0]  # memorised its 500 digits
    assert history["val_loss"][-1] > 1.1 * min(history["val_loss"])  # while validation got worse


def test_detector_stops_at_the_first_epoch_over_the_threshold(lesson):
    history = lesson.value("history.history")
    ratios = np.array(history["val_loss"]) / np.array(history["loss"])
    stopped = lesson.value("detector.stopped_epoch")
    assert stopped is not None and stopped < 29
    assert stopped == int(np.argmax(ratios > 2.5))
    assert lesson.value("history.epoch") == list(range(stopped + 1))
    assert lesson.value("detector.ratios") == pytest.approx(ratios.tolist())


def test_threshold_replay_uses_the_detector_on_recorded_logs(lesson):
    history = lesson.value("overfit")
    ratios = np.array(history["val_loss"]) / np.array(history["loss"])
    for threshold in (1.5, 2.5, 10.0):
        printed = lesson.run(f"_stop = replay({threshold})")  # the detector announces its stop
        assert lesson.value("_stop") == int(np.argmax(ratios > threshold))
        assert f"> {threshold}, stopping" in printed
    assert lesson.run("_stop = replay(1e9)") == "" and lesson.value("_stop") is None


def test_stop_in_batch_end_skips_the_rest_of_the_epoch_but_validates_and_ends(lesson):
    assert lesson.value("after_stop") == [
        "on_epoch_begin(1)",
        *[f"on_train_batch_{edge}({b})" for b in range(3) for edge in ("begin", "end")],
        "on_test_begin", *[f"on_test_batch_{edge}({b})" for b in range(2) for edge in ("begin", "end")],
        "on_test_end", "on_epoch_end(1)", "on_train_end",
    ]
    assert lesson.value("stopped.epoch") == [0, 1]


def test_where_the_flag_is_set_decides_what_still_runs(lesson):
    table = lesson.value("where_table")
    row = lambda batches, epochs: {"batches run in epoch 1": batches, "validated": True,  # noqa: E731
                                   "epochs started": epochs, "on_train_end": True}
    assert table == {
        "on_epoch_begin": row(1, 2),
        "on_train_batch_begin": row(1, 2),
        "on_train_batch_end": row(1, 2),
        "on_epoch_end": row(8, 2),
    }


def test_lesson_draws_and_offers_its_widgets(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 3  # timer plot, overfitting curves, timeline
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under each loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout


def test_keras_2_learning_rate_names_fail_and_keras_3_ones_work(lesson):
    old = lesson.value("old_names")
    assert old == {"stop_model.optimizer.lr": "AttributeError: 'Adam' object has no attribute 'lr'",
                   "keras.backend.get_value": "AttributeError: module 'keras.backend' has no attribute 'get_value'",
                   "keras.backend.set_value": "AttributeError: module 'keras.backend' has no attribute 'set_value'"}
    halved, scheduled = lesson.value("halving.history"), lesson.value("scheduled.history")
    assert halved["learning_rate"] == pytest.approx([5e-4, 2.5e-4, 1.25e-4]) == scheduled["learning_rate"]
    assert "lr" not in scheduled and "lr" not in halved
