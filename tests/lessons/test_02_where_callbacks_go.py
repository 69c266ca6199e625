import pytest

from test_recorder import expected_fit

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "02_where_callbacks_go"
# 512 digits in batches of 128 -> 4 training batches; 128 in batches of 64 -> 2 validation batches
FIT_ORDER = expected_fit(epochs=2, train_batches=4, val_batches=2)


def test_each_method_fires_only_its_own_hooks(lesson):
    counts = lesson.value("counts")
    fit, evaluate, predict = counts["fit"], counts["evaluate"], counts["predict"]
    assert fit["on_epoch_end"] == 2 and fit["on_train_batch_end"] == 8 and fit["on_test_end"] == 2
    assert fit["on_predict_begin"] == 0
    assert {hook for hook, n in evaluate.items() if n} == {
        "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end"}
    assert evaluate["on_test_batch_end"] == 2
    assert {hook for hook, n in predict.items() if n} == {
        "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"}


def test_compile_and_the_generator_methods_refuse(lesson):
    assert "unexpected keyword argument 'callbacks'" in lesson.value("compile_error")
    errors = lesson.value("generator_errors")
    assert sorted(errors) == ["evaluate_generator", "fit_generator", "predict_generator"]
    assert all("has no attribute" in message for message in errors.values())


def test_every_input_kind_gives_the_same_hook_sequence(lesson):
    orders = lesson.value("source_orders")
    assert list(orders) == ["arrays", "generator", "PyDataset", "tf.data"]
    for name, order in orders.items():
        assert order == FIT_ORDER, name


def test_pictures_and_widgets(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 2  # the two hook-count tables
    widgets = lesson.outputs(mime="application/vnd.jupyter.widget-view+json")
    assert len(widgets) >= 2  # the input picker and the self-check panel
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "same hook sequence for all four sources: True" in printed
    assert "AttributeError: 'Sequential' object has no attribute 'fit_generator'" in printed


def test_sequence_is_an_alias_of_pydataset(lesson):
    """Keras 2's keras.utils.Sequence is the same class as PyDataset, so old code still runs."""
    assert lesson.value("sequence_is_pydataset") is True
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "keras.utils.Sequence is keras.utils.PyDataset: True" in printed


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under each loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
