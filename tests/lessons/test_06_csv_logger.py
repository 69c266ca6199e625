import csv

import pytest

pytestmark = [pytest.mark.notebook, pytest.mark.slow]
LESSON = "06_csv_logger"
HEADER = ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]


def read(lesson, name, delimiter=","):
    path = lesson.workdir / "runs" / LESSON / name
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=delimiter))


def test_training_csv_has_a_header_and_one_row_per_epoch_equal_to_the_history(lesson):
    header, *rows = read(lesson, "training.csv")
    assert header == HEADER
    assert [int(row[0]) for row in rows] == list(range(6))
    history = lesson.value("history.history")
    for column, name in enumerate(HEADER[1:], start=1):
        assert [float(row[column]) for row in rows] == pytest.approx(history[name], rel=1e-6)


def test_without_validation_the_val_columns_hold_NA(lesson):
    header, *rows = read(lesson, "no_validation.csv")
    assert header == HEADER and len(rows) == 2
    assert all(row[3:] == ["NA", "NA"] for row in rows)


def test_the_NA_columns_serve_validation_every_nth_epoch(lesson):
    header, *rows = read(lesson, "validation_every_2nd_epoch.csv")
    assert header == HEADER and [int(row[0]) for row in rows] == [0, 1, 2, 3]
    assert [row[3:] == ["NA", "NA"] for row in rows] == [True, False, True, False]
    assert all(float(value) > 0 for row in rows[1::2] for value in row[3:])


def test_append_continues_one_file_across_two_fits(lesson):
    header, *rows = read(lesson, "resumed.csv")
    assert header == HEADER
    assert [row[0] for row in rows] == [str(e) for e in range(8)]  # one header, epochs 0..7
    assert float(rows[-1][2]) < float(rows[3][2])  # the loss kept falling after the resume


def test_without_append_the_old_rows_are_gone(lesson):
    header, *rows = read(lesson, "overwritten.csv")
    assert header == HEADER and [row[0] for row in rows] == ["8"]


def test_separator_writes_tabs_that_read_back(lesson):
    text = (lesson.workdir / "runs" / LESSON / "training.tsv").read_text()
    assert text.splitlines()[0] == "\t".join(HEADER) and "," not in text
    assert lesson.value("list(tab_rows[0])") == HEADER
    assert len(read(lesson, "training.tsv", delimiter="\t")) == 3


def test_lesson_reads_back_plots_and_offers_its_widgets(lesson):
    assert lesson.value("columns['loss']") == pytest.approx(lesson.value("history.history['loss']"), rel=1e-6)
    assert lesson.value("column_names") == HEADER[1:]
    assert len(lesson.outputs(mime="image/png")) >= 2  # the learning curves and the resumed curve
    widgets = lesson.outputs(mime="application/vnd.jupyter.widget-view+json")
    assert len(widgets) >= 2  # the column dropdown and the self-check panel


def test_the_notebook_says_it_runs_on_the_bundled_subset(lesson):
    """Offline, the data loader prints an output line (not a stderr line) under each loading cell."""
    from callbacks_course.mnist import SUBSET_NOTICE

    stdout = "".join(o.get("text", "") for o in lesson.outputs("stream") if o.name == "stdout")
    assert f"{SUBSET_NOTICE} (CALLBACKS_COURSE_OFFLINE=1)." in stdout
