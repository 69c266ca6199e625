import math

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "10_steering_training"


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


def test_terminate_on_nan_stops_a_run_that_really_diverges(lesson):
    losses = lesson.value("[float(l) for l in batch_losses.losses]")
    assert len(losses) < 32 and lesson.value("diverged.epoch") == [0]
    assert math.isinf(losses[-1]) or math.isnan(losses[-1])
    assert all(math.isfinite(loss) for loss in losses[:-1]) and losses[-2] > 1e6 * losses[0]


def test_backup_and_restore_resumes_to_the_same_weights(lesson):
    assert lesson.value("backup_files") == ["latest.weights.h5", "training_metadata.json"]
    assert lesson.value("resumed.epoch") == [3, 4, 5]
    assert lesson.value("same_as_uninterrupted") is True
    assert lesson.value("BACKUP.exists()") is False  # deleted once the run completed
    assert lesson.value("by_hand.epoch") == [3, 4, 5] and lesson.value("by_hand_same") is True


def test_params_and_when_hooks_fire(lesson):
    assert lesson.value("show_params.seen") == {"verbose": 0, "epochs": 2, "steps": 10}
    assert lesson.value("batch_ends") == [3, 7, 11, 15]
    assert lesson.value("every_2nd.count('on_test_begin')") == 2
    assert lesson.value("validated") == [1, 3]


def test_pictures_widgets_and_printed_results(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 1
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "Invalid loss, terminating training" in printed and "epoch 1: loss" in printed
    assert [o for o in lesson.outputs("stream") if o.name == "stderr"] == []
