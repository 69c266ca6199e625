import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "10_learning_rate"


def test_warm_up_sets_the_rate_from_a_custom_callback(lesson):
    assert lesson.value("warm.history['learning_rate']") == pytest.approx([1e-3, 2e-3, 3e-3, 4e-3, 4e-3, 4e-3])


def test_step_schedule_halves_every_two_epochs(lesson):
    assert lesson.value("scheduled.history['learning_rate']") == pytest.approx([4e-3, 4e-3, 2e-3, 2e-3, 1e-3, 1e-3])


def test_reduce_on_plateau_lowers_the_rate_after_a_stall(lesson):
    rates = lesson.value("plateau_rates")
    val_loss = lesson.value("plateau.history['val_loss']")
    assert rates[0] == pytest.approx(1e-2) and rates[-1] < rates[0]
    for epoch in range(1, len(rates)):  # a lower rate at epoch e follows a stall at epoch e - 1
        if rates[epoch] < rates[epoch - 1]:
            assert val_loss[epoch - 1] > min(val_loss[:epoch - 1]) - 0.01
            assert rates[epoch] == pytest.approx(rates[epoch - 1] / 2)


def test_pictures_widgets_and_no_stderr(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 1  # the rate-and-loss plot
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2  # schedule sliders, self-check
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "epoch 5: learning rate 0.0040" in printed and "ReduceLROnPlateau reducing learning rate" in printed
    assert [o for o in lesson.outputs("stream") if o.name == "stderr"] == []


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under its loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
