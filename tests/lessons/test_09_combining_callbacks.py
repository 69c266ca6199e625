import csv

import nbformat
import numpy as np
import pytest

from callbacks_course.tb_events import read_scalars

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "09_combining_callbacks"
PATIENCE = 3


@pytest.fixture(scope="module")
def run_dir(lesson):
    return lesson.workdir / "runs" / LESSON


def test_the_combined_run_leaves_its_files(run_dir):
    assert (run_dir / "best.keras").stat().st_size > 0
    for folder in ("train", "validation"):
        assert len(list((run_dir / "tensorboard" / folder).glob("events.out.tfevents.*"))) == 1
    assert (run_dir / "log.csv").exists() and (run_dir / "late_loss_gap.csv").exists()


def test_early_stopping_stopped_patience_epochs_after_the_best(lesson):
    history = lesson.value("history.history")
    stopped, best = lesson.value("stopped_epoch"), lesson.value("best_epoch")
    assert best == int(np.argmin(history["val_loss"]))
    assert stopped == best + PATIENCE < 39
    assert lesson.value("history.epoch") == list(range(stopped + 1))


def test_checkpoint_and_restored_model_hold_the_best_epoch(lesson):
    best = lesson.value("best_val_loss")
    assert lesson.value("checkpoint_val_loss") == pytest.approx(best, rel=1e-5)
    assert lesson.value("restored_val_loss") == pytest.approx(best, rel=1e-5)


def test_csv_rows_carry_the_key_the_earlier_callback_added(lesson, run_dir):
    with open(run_dir / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == lesson.value("stopped_epoch") + 1
    assert list(rows[0]) == ["epoch", "accuracy", "loss", "loss_gap", "val_accuracy", "val_loss"]
    for row in rows:
        assert float(row["loss_gap"]) == pytest.approx(float(row["val_loss"]) - float(row["loss"]), abs=1e-6)


def test_history_and_tensorboard_saw_the_added_key(lesson, run_dir):
    history = lesson.value("history.history")
    assert history["loss_gap"] == pytest.approx(np.subtract(history["val_loss"], history["loss"]).tolist())
    scalars = read_scalars(run_dir / "tensorboard" / "train")
    assert [step for step, _ in scalars["epoch_loss_gap"]] == lesson.value("history.epoch")
    assert [v for _, v in scalars["epoch_loss_gap"]] == pytest.approx(history["loss_gap"], rel=1e-5)


def test_spies_show_list_order_and_one_shared_logs_dict(lesson):
    first, last = lesson.value("first_spy.seen"), lesson.value("last_spy.seen")
    assert len(first) == len(last) == lesson.value("stopped_epoch") + 1
    for epoch, (front, back) in enumerate(zip(first, last)):
        assert (front["csv rows"], back["csv rows"]) == (epoch, epoch + 1)
        assert (front["loss_gap in logs"], back["loss_gap in logs"]) == (False, True)
    assert [back["wait"] for back in last[:-1]] == [front["wait"] for front in first[1:]]
    assert last[-1]["wait"] == PATIENCE
    assert lesson.value("same_object") is True


def test_key_added_after_csvlogger_misses_the_csv_but_reaches_history(lesson):
    assert "loss_gap" not in lesson.value("late_header")
    assert "loss_gap" in lesson.value("sorted(late.history)")


def test_lesson_draws_offers_widgets_and_points_to_quiz_and_lab(lesson):
    assert len(lesson.outputs(mime="image/png")) >= 1
    assert len(lesson.outputs(mime="application/vnd.jupyter.widget-view+json")) >= 2
    sources = {source: len(keys["loss"]) for source, keys in lesson.value("sources").items()}
    assert set(sources.values()) == {lesson.value("stopped_epoch") + 1}
    markdown = " ".join(c.source for c in nbformat.read(lesson.source, 4).cells if c.cell_type == "markdown")
    assert "quizzes/callbacks_quiz/" in markdown and "quizzes/callbacks_lab/" in markdown


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under each loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout


def test_the_progress_bar_comes_last_and_shows_the_added_key(lesson):
    assert lesson.value("callback_order") == ["LossGap", "History", "ProgbarLogger"]
    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    (bar,) = [line for line in stdout.splitlines() if "ms/step" in line or "s/step" in line]
    assert " - loss_gap: " in bar and " - val_loss: " in bar
