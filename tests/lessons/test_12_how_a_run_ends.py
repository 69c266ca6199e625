import math
import re

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "12_how_a_run_ends"


def test_terminate_on_nan_stops_a_run_that_really_diverges(lesson):
    losses = lesson.value("[float(l) for l in batch_losses.losses]")
    assert len(losses) < 32 and lesson.value("diverged.epoch") == [0]
    assert math.isinf(losses[-1]) or math.isnan(losses[-1])
    assert all(math.isfinite(loss) for loss in losses[:-1]) and losses[-2] > 1e6 * losses[0]


def test_on_train_end_runs_only_when_fit_ends_normally(lesson):
    assert lesson.value("endings") == {"all 6 epochs": True, "EarlyStopping": True,
                                       "a RuntimeError": False, "a KeyboardInterrupt": False}


def test_terminate_on_nan_with_raise_error_raises_at_the_same_batch_and_skips_the_ends(lesson):
    """Section 1's run repeated from its starting weights: the same last batch, now a RuntimeError."""
    last_batch = lesson.value("len(batch_losses.losses)") - 1
    assert re.match(rf"RuntimeError: NaN or Inf loss encountered at batch {last_batch}\. Loss value: (inf|nan)\.",
                    lesson.value("raise_outcome"))
    assert lesson.value("raise_watcher.epochs") == [] and lesson.value("raise_watcher.train_end_ran") is False


def test_backup_and_restore_resumes_to_the_same_weights(lesson):
    assert lesson.value("backup_files") == ["latest.weights.h5", "training_metadata.json"]
    assert lesson.value("metadata") == {"epoch": 3, "batch": 0}
    assert lesson.value("saved_steps") == 96  # the optimizer's variables are in the weights file
    assert lesson.value("resumed.epoch") == [3, 4, 5]
    assert lesson.value("same_as_uninterrupted") is True
    assert lesson.value("BACKUP.exists()") is False  # deleted once the run completed
    assert lesson.value("by_hand.epoch") == [3, 4, 5] and lesson.value("by_hand_same") is True
    assert "must be built before you call `fit()`" in lesson.value("unbuilt_error")


def test_integer_save_freq_resumes_at_the_start_of_the_epoch(lesson):
    metadata = lesson.value("batch_metadata")
    assert metadata["epoch"] == 1 and 10 <= metadata["batch"] < 20
    assert lesson.value("resumed_10.epoch") == [1, 2]
    assert lesson.value("batches_seen.counts") == {"1": 32, "2": 32}
    assert lesson.value("same_10") is False
    # compared with real copies: the weights kept after the uninterrupted run's last epoch are its final ones
    assert lesson.value("sorted(weights_after)") == [0, 1, 2, 3, 4, 5]
    assert lesson.value("all(np.array_equal(a, b) for a, b in zip(weights_after[5], uninterrupted.get_weights()))")
    assert not lesson.value("all(np.array_equal(a, b) for a, b in zip(weights_after[2], weights_after[5]))")


def test_every_normal_end_deletes_the_backup(lesson):
    assert lesson.value("after_stop") == {"TerminateOnNaN": False, "EarlyStopping": False}
    assert lesson.value("stopper.stopped_epoch") == 1


def test_printed_results_and_no_stderr(lesson):
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert printed.count("Invalid loss, terminating training") == 2
    assert "Adam's step count 96" in printed
    assert len(lesson.outputs(mime="image/png")) == 1  # the resumed epochs on the uninterrupted curve
    assert lesson.value("[round(float(l), 6) for l in resumed.history['loss']]") == lesson.value(
        "[round(float(l), 6) for l in uninterrupted_history.history['loss'][3:]]")
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 1
    assert [o for o in lesson.outputs("stream") if o.name == "stderr"] == []


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under its loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
