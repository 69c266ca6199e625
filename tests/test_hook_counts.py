import matplotlib

from callbacks_course.hook_counts import hook_counts, plot_hook_counts
from callbacks_course.recorder import ALL_HOOKS, EventRecorder

matplotlib.use("Agg")


def recorded(*calls):
    recorder = EventRecorder()
    for hook, index in calls:
        getattr(recorder, hook)(*([] if index is None else [index]), logs={})
    return recorder


def test_counts_every_hook_including_the_silent_ones():
    evaluate = recorded(("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                        ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end", None))
    counts = hook_counts({"evaluate": evaluate})["evaluate"]
    assert set(counts) == set(ALL_HOOKS)
    assert counts["on_test_batch_end"] == 2 and counts["on_test_begin"] == 1 and counts["on_epoch_end"] == 0


def test_plot_shows_only_hooks_that_fired():
    runs = {"a": recorded(("on_predict_begin", None), ("on_predict_end", None)), "b": recorded()}
    ax = plot_hook_counts(runs)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["on_predict_begin", "on_predict_end"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "·", "·"]

