import keras
import pytest

from callbacks_course.mnist import load_mnist, normalize

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "04_model_checkpoint"


def test_a_checkpoint_per_epoch_each_holding_that_epochs_model(lesson):
    assert lesson.value("every_epoch_files") == [f"epoch{e:02d}.keras" for e in range(1, 11)]
    val_loss = lesson.value("val_loss")
    _, (x_test, y_test) = load_mnist(n_train=300, n_test=500)  # the lesson's validation digits
    for epoch in (1, 4, 10):  # load the files back, in the test process
        model = keras.models.load_model(lesson.workdir / f"runs/04_model_checkpoint/every_epoch/epoch{epoch:02d}.keras")
        loss = model.evaluate(normalize(x_test), y_test, verbose=0)[0]
        assert loss == pytest.approx(val_loss[epoch - 1], rel=1e-5)


def test_save_best_only_saves_exactly_the_improvements(lesson):
    history = lesson.value("history.history['val_loss']")
    improved = [e for e in range(1, len(history) + 1) if history[e - 1] < min(history[:e - 1], default=float("inf"))]
    assert 1 < len(improved) < len(history)  # the run overfits, so some epochs do not improve
    files = lesson.value("improvement_files")
    assert files == [f"{e:02d}-{history[e - 1]:.4f}.keras" for e in improved]
    assert lesson.value("sorted(p.name for p in (CKPT / 'best').iterdir())") == ["best.keras"]


def test_the_loaded_best_checkpoint_has_the_best_validation_loss(lesson):
    history = lesson.value("history.history['val_loss']")
    assert lesson.value("best_loaded_val_loss") == pytest.approx(min(history), rel=1e-5)
    assert min(history) < history[-1]
    assert lesson.value("weights_val_loss") == pytest.approx(min(history), rel=1e-5)


def test_save_freq_counts_batches_across_epochs(lesson):
    # 10 batches an epoch, a save every 4 batches: global batches 4, 8, 12, ..., 28
    expected = [f"e{(g - 1) // 10 + 1:02d}-b{(g - 1) % 10 + 1:02d}.weights.h5" for g in range(4, 31, 4)]
    assert lesson.value("batch_files") == expected


def test_formats_accepted_and_refused(lesson):
    verdicts = lesson.value("format_verdicts")
    accepted = {k for k, v in verdicts.items() if v == "accepted"}
    assert accepted == {"model.keras, save_weights_only=False", "model.h5, save_weights_only=False",
                        "model.weights.h5, save_weights_only=True"}
    assert "must end in `.keras`" in verdicts["saved_model_folder, save_weights_only=False"]
    assert "must end in `.weights.h5`" in verdicts["model.keras, save_weights_only=True"]
    assert lesson.value("legacy.count_params()") == lesson.value("best_model.count_params()")


def test_pictures_and_widgets(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 1
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "val_loss did not improve from" in printed


def test_batch_level_best_only_fails_only_with_two_saves_before_the_first_epoch_end(lesson):
    # monitor="val_loss" (default): no val_loss mid-epoch, so a warning and a save every 4 batches regardless
    assert lesson.value("best_every_4_files") == [f"e{(g - 1) // 10 + 1:02d}-b{(g - 1) % 10 + 1:02d}.weights.h5"
                                                  for g in range(4, 21, 4)]
    assert lesson.value("save_warnings") == ["Can save best model only with val_loss available."]
    # monitor="loss": the first save has nothing to compare with; the second compares with a
    # comparison that is set up only at the first on_epoch_end
    assert lesson.value("best_loss_files") == ["e01-b04.weights.h5"]
    assert lesson.value("loss_outcome") == "TypeError: 'NoneType' object is not callable"


def test_batch_level_best_only_compares_the_running_training_loss_once_an_epoch_has_ended(lesson):
    """save_freq=6, 10 batches an epoch: one save in epoch 1, then each save compares logs["loss"]."""
    points = lesson.value("at_saves.points")
    assert [(e, b) for e, b, _ in points] == [(1, 6), (2, 2), (2, 8), (3, 4), (3, 10)]
    expected, best = [], None
    for epoch, batch, loss in points:
        if best is None or loss < best:
            best = loss
            expected.append(f"e{epoch:02d}-b{batch:02d}.weights.h5")
    assert lesson.value("every_6_files") == expected == lesson.value("saved_when_better")
    assert lesson.value("by_loss_6.best") == pytest.approx(best)
    printed = "".join(o.get("text", "") for o in lesson.outputs("stream"))
    assert "saved exactly when the running loss beat the best so far: True" in printed
