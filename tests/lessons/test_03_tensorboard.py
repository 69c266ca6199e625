import numpy as np
import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "03_tensorboard"
BATCHES_PER_EPOCH, EPOCHS = 16, 3  # 1024 digits in batches of 64


def test_epoch_scalars_match_the_history(lesson):
    history = lesson.value("history.history")
    scalars = lesson.value("epoch_scalars")
    for tag, key in [("epoch_loss", "loss"), ("epoch_accuracy", "accuracy")]:
        assert scalars["train"][tag] == [[step, pytest.approx(value, rel=1e-6)]
                                         for step, value in enumerate(history[key])]
        assert scalars["validation"][tag] == [[step, pytest.approx(value, rel=1e-6)]
                                              for step, value in enumerate(history[f"val_{key}"])]
    assert "epoch_learning_rate" in scalars["train"] and "val_loss" not in scalars["validation"]


def test_update_freq_decides_which_steps_are_written(lesson):
    written = lesson.value("written")
    steps = {name: [step for step, _ in series.get("batch_loss", [])] for name, series in written.items()}
    total = BATCHES_PER_EPOCH * EPOCHS
    assert steps["epoch"] == []
    assert steps["batch"] == list(range(1, total + 1))
    assert steps["every_4"] == list(range(4, total + 1, 4))
    assert steps["every_5"] == list(range(5, total + 1, 5))
    # the last batch of an epoch carries the epoch's figure
    batch_loss = dict(written["batch"]["batch_loss"])
    for epoch, value in written["batch"]["epoch_loss"]:
        assert batch_loss[BATCHES_PER_EPOCH * (epoch + 1)] == pytest.approx(value, rel=1e-6)
    # epoch summaries survive only when an epoch ends on a multiple of N
    assert len(written["every_4"]["epoch_loss"]) == EPOCHS
    assert "epoch_loss" not in written["every_5"]


def test_write_graph_stores_the_model_config(lesson):
    config = lesson.value("config")
    assert config["class_name"] == "Sequential"
    assert [layer["class_name"] for layer in config["config"]["layers"]] == ["InputLayer", "Flatten", "Dense", "Dense"]
    assert lesson.value("no_graph_config") is None
    assert lesson.value("op_graph_written") is False  # the docstring's "not supported": no op graph


def test_the_event_files_are_in_the_lesson_folder(lesson):
    folders = lesson.value("sorted(str(p.relative_to(LOGS)) for p in LOGS.glob('*/*') if p.is_dir())")
    assert {"epoch/train", "epoch/validation", "batch/train", "every_4/train"} <= set(folders)
    assert lesson.value("str(LOGS)") == "runs/03_tensorboard"


def test_pictures_widgets_and_server_instructions(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 2
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2
    markdown = "".join(cell.source for cell in lesson.nb.cells if cell.cell_type == "markdown")
    assert "%load_ext tensorboard" in markdown and "%tensorboard --logdir runs/03_tensorboard" in markdown


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under each loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout


def test_histogram_freq_histograms_are_read_back_and_drawn(lesson):
    tags = lesson.value("sorted(histograms)")
    assert tags == lesson.value("sorted(f'{w.path}/histogram' for w in hist_model.weights)") and len(tags) == 4
    assert lesson.value("kernel_counts") == {"0": 784 * 64, "1": 784 * 64, "2": 784 * 64}
    first, last = (np.array(lesson.value(f"histograms[kernel_tag][{k}][1].tolist()")) for k in (0, -1))
    assert first.shape[1] == last.shape[1] == 3 and not np.array_equal(first, last)
    assert len(lesson.outputs(mime="image/png")) >= 3


def test_under_steps_per_execution_a_batch_step_is_a_group_of_batches(lesson):
    assert lesson.value("batch_steps") == [1, 2, 3, 4, 5, 6, 7, 8]  # 2 epochs x 16 batches / 4
    assert lesson.value("optimizer_steps") == 2 * BATCHES_PER_EPOCH
    assert [s for s, _ in lesson.value("grouped_validation['evaluation_loss_vs_iterations']")] == [16, 32]
    assert [s for s, _ in lesson.value("grouped['batch_steps_per_second']")] == list(range(1, 9))
    assert len(lesson.value("grouped['epoch_steps_per_second']")) == EPOCHS - 1
