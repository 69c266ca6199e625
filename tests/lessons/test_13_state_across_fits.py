import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "13_state_across_fits"


def test_early_stopping_and_reduce_lr_reset_at_every_fit_model_checkpoint_does_not(lesson):
    first = lesson.value("{k: float(v) for k, v in after_first.items()}")
    second = lesson.value("{k: (None if v is None else float(v)) for k, v in probe.seen[1].items()}")
    assert first["EarlyStopping best"] == pytest.approx(first["ModelCheckpoint best"])
    assert first["EarlyStopping wait"] > 0 and first["ReduceLROnPlateau best"] is not None
    assert second["EarlyStopping best"] is None and second["EarlyStopping wait"] == 0
    assert second["ReduceLROnPlateau best"] is None and second["ReduceLROnPlateau wait"] == 0
    assert second["ModelCheckpoint best"] == pytest.approx(first["ModelCheckpoint best"])
    assert second["learning rate"] < lesson.value("probe.seen[0]['learning rate']") == pytest.approx(1e-2)


def test_a_resume_is_a_new_start_and_the_threshold_keeps_the_best_checkpoint(lesson):
    results = lesson.value("{n: {k: v for k, v in r.items()} for n, r in results.items()}")
    plain, resumed, kept = results["uninterrupted"], results["resumed"], results["resumed with a threshold"]
    best = plain["best val_loss in the log"]
    assert plain["val_loss of best.weights.h5"] == pytest.approx(best, abs=1e-4)
    stop = plain["epochs run by the last fit"][-1]
    assert resumed["epochs run by the last fit"][0] == 4 and resumed["epochs run by the last fit"][-1] > stop
    assert resumed["best val_loss in the log"] == pytest.approx(best)  # the same run up to the crash
    assert resumed["val_loss of best.weights.h5"] > best + 0.01  # overwritten by a worse epoch
    assert kept["threshold"] == pytest.approx(best)
    assert kept["val_loss of best.weights.h5"] == pytest.approx(best, abs=1e-4)


def test_the_log_is_appended_and_plotted(lesson):
    assert lesson.value("resumed_log['epoch']") == [str(e) for e in range(4)] + [str(e) for e in range(4, 7)]
    assert len(lesson.outputs(mime="image/png")) == 1
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 1
    assert [o for o in lesson.outputs("stream") if o.name == "stderr"] == []


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under its loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
