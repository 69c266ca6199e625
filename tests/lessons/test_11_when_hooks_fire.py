import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "11_when_hooks_fire"


def test_params_and_a_lambda_callback(lesson):
    assert lesson.value("show_params.seen") == {"verbose": 0, "epochs": 2, "steps": 10}
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "epoch 0: loss" in printed and "epoch 1: loss" in printed


def test_grouped_batches_begin_at_the_first_index_and_end_at_the_last(lesson):
    assert lesson.value("batch_begins") == [0, 4, 8, 12]
    assert lesson.value("batch_ends") == [3, 7, 11, 15]
    assert lesson.value("one_by_one.count('on_train_batch_end')") == 16
    # the timeline draws one span per group: begin 0 paired with end 3, and so on
    assert lesson.value("[s[1] for s in __import__('callbacks_course.timeline').timeline.spans(grouped.events) "
                        "if s[0] == 'train batch']") == [0, 4, 8, 12]


def test_counting_batches_in_groups(lesson):
    assert lesson.value("[counter.calls, counter.batches]") == [8, 32]
    assert lesson.value("saved") == ["e1-b16.weights.h5", "e1-b8.weights.h5", "e2-b16.weights.h5", "e2-b8.weights.h5"]


def test_validation_freq_and_early_stopping_on_epochs_without_validation(lesson):
    assert lesson.value("every_2nd.count('on_test_begin')") == 2
    assert lesson.value("validated") == [1, 3]
    assert lesson.value("early_stopping_warnings") == [
        "Early stopping conditioned on metric `val_loss` which is not available"] * 2


def test_pictures_widgets_and_no_stderr(lesson):
    assert len(lesson.outputs(mime="image/png")) == 1  # the two timelines
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 1
    assert [o for o in lesson.outputs("stream") if o.name == "stderr"] == []


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under its loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
