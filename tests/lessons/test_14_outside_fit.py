import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "14_outside_fit"


def test_a_custom_loop_drives_callbacks_like_fit(lesson):
    assert lesson.value("recorder.model is model") is True
    assert lesson.value("recorder.params") == {"epochs": 20, "steps": 4, "verbose": 0}
    assert lesson.value("stopper.stopped_epoch") == 3 and lesson.value("model.stop_training") is True
    history = lesson.value("custom_history")
    assert sorted(history) == ["loss", "val_accuracy", "val_loss"] and len(history["val_loss"]) == 4
    assert lesson.value("same_order") is True and lesson.value("same_losses") is True
    hooks = lesson.value("[e.hook for e in recorder.events]")
    assert hooks[:3] == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin"]
    assert hooks.count("on_train_batch_end") == 16 and hooks[-2:] == ["on_epoch_end", "on_train_end"]


def test_a_custom_train_step_gives_its_own_batch_values_and_the_last_batch_at_epoch_end(lesson):
    batch = lesson.value("batch_logs")
    epochs = lesson.value("epoch_logs")
    assert sorted(batch[0]) == ["grad_norm", "loss"] and len(batch) == 20
    assert epochs[0] == batch[9] and epochs[1] == batch[19]
    losses = [b["loss"] for b in batch[:10]]
    assert epochs[0]["loss"] < sum(losses) / 10  # not the epoch's mean: the last batch's


def test_evaluate_and_predict_callbacks(lesson):
    quick, first_96, full = lesson.value("[quick['loss'], first_96['loss'], full['loss']]")
    assert quick == pytest.approx(first_96, abs=1e-6) and quick != pytest.approx(full, abs=1e-3)
    assert lesson.value("len(quick_predictions)") == 96
    assert lesson.value("len(collector.digits)") == 300
    assert lesson.value("collected_match") is True and lesson.value("unchanged") is True


def test_figure_widgets_and_no_stderr(lesson):
    assert len(lesson.outputs(mime="image/png")) == 1  # the loop's History against fit's val_loss
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 1
    assert [o for o in lesson.outputs("stream") if o.name == "stderr"] == []


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under its loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
