import pytest

from test_recorder import batches, expected_fit

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "01_callback_anatomy"


def test_fit_order_recorded_in_the_lesson(lesson):
    # 256 digits in batches of 64 -> 4 batches; 64 validation digits -> 1 batch; 2 epochs
    assert lesson.value("fit_order") == expected_fit(epochs=2, train_batches=4, val_batches=1)


def test_evaluate_and_predict_orders(lesson):
    assert lesson.value("eval_order") == ["on_test_begin", *batches("test", 2), "on_test_end"]
    assert lesson.value("predict_order") == ["on_predict_begin", *batches("predict", 2), "on_predict_end"]


def test_last_batch_logs_equal_epoch_logs(lesson):
    last, end = lesson.value("last_batch"), lesson.value("epoch_end")
    assert last["loss"] == pytest.approx(end["loss"]) and last["accuracy"] == pytest.approx(end["accuracy"])
    assert {"val_loss", "val_accuracy"} <= set(end)


def test_lesson_draws_its_timelines_and_widgets(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 2
    widgets = lesson.outputs(mime="application/vnd.jupyter.widget-view+json")
    assert len(widgets) >= 2  # the step-through slider and the self-check panel
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "epoch 1 ends" in printed and "on_test_end" in printed


def test_no_red_lines_reach_the_student(lesson):
    """TensorFlow's C++ start-up lines are kept out (the lesson imports callbacks_course.quiet first)."""
    assert [o.text for o in lesson.outputs("stream") if o.name == "stderr"] == []


def test_the_plain_keras_model_is_the_one_make_classifier_builds(lesson):
    plain = lesson.value("[model.name, [l.__class__.__name__ for l in model.layers], model.count_params()]")
    assert plain == ["mnist_dense", ["Flatten", "Dense", "Dense"], 784 * 64 + 64 + 64 * 10 + 10]
    assert lesson.value("model.loss") == "sparse_categorical_crossentropy"


def test_editing_logs_outputs_does_not_change_predict_but_changing_the_model_does(lesson):
    """Quiz q20 C: what predict() returns comes from the model, not from logs["outputs"]."""
    assert lesson.value("outputs_unchanged") is True
    assert lesson.value("float(abs(plain).sum()) > 0") is True
    assert lesson.value("list(after_zeroing_weights.shape)") == [64, 10]
    assert lesson.value("bool(np.allclose(after_zeroing_weights, 0.1))") is True
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "editing logs['outputs'] changed predict()'s result: False" in printed
