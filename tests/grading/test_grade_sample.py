"""End to end through the CLI on the sample assignment: scores, CSVs, feedback, nbgrader's gradebook."""

import csv
import sqlite3

import nbformat
import pytest

from support.grading import REFERENCE, SAMPLE, autograde, submission

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(sample_release, tmp_path_factory):
    _, released = sample_release
    base = tmp_path_factory.mktemp("graded")
    subs = base / "subs"
    wrong = {"ex1": "def add(a, b):\n    return a - b if a < 0 else a + b",
             "ex2": ("class EpochCounter(keras.callbacks.Callback):\n    epochs = []\n"
                     "    def on_epoch_end(self, epoch, logs=None):\n        self.epochs.append(epoch)")}
    for student, answers in {"ref": REFERENCE, "blank": {}, "wrong": wrong}.items():
        (subs / student / "sample").mkdir(parents=True)
        nbformat.write(submission(released, answers), str(subs / student / "sample" / "sample.ipynb"))
    done = autograde("grade", str(subs), "--out", str(base / "out"), work=base / "work")
    assert done.returncode == 0, done.stderr
    return base, done


def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_scores_per_student(graded):
    base, _ = graded
    assert rows(base / "out" / "grades.csv") == [
        {"student_id": "blank", "assignment": "sample", "score": "0", "max_score": "4"},
        {"student_id": "ref", "assignment": "sample", "score": "4", "max_score": "4"},
        {"student_id": "wrong", "assignment": "sample", "score": "2.5", "max_score": "4"},
    ]


def test_items_carry_status_and_teaching_message(graded):
    base, _ = graded
    items = {(r["student_id"], r["item"]): r for r in rows(base / "out" / "items.csv")}
    assert items["wrong", "ex1_hidden"]["score"] == "0.5"
    assert items["wrong", "ex1_hidden"]["status"] == "partial"
    assert items["wrong", "ex2_epochs"]["message"].startswith("after a 3-epoch and a 2-epoch fit")
    assert items["blank", "ex2_epochs"]["status"] == "blank"
    assert {r["status"] for k, r in items.items() if k[0] == "ref"} == {"passed"}


def test_progress_is_one_counted_line_per_submission(graded):
    _, done = graded
    lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert lines == ["[1/3] blank sample 0/4", "[2/3] ref sample 4/4", "[3/3] wrong sample 2.5/4"]


def test_gradebook_holds_the_same_scores(graded):
    base, _ = graded
    with sqlite3.connect(base / "work" / "course" / "gradebook.db") as db:
        scores = dict(db.execute(
            "select student.id, sum(coalesce(grade.auto_score, 0)) from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
            "join student on submitted_assignment.student_id = student.id group by student.id"))
    assert scores == {"blank": 0.0, "ref": 4.0, "wrong": 2.5}


def test_feedback_shows_messages_but_no_hidden_tests(graded):
    base, _ = graded
    html = (base / "out" / "feedback" / "wrong" / "sample" / "sample.html").read_text()
    assert "2 of 4 hidden cases right" in html
    assert "Score: 2.5 / 4.0" in html
    for secret in ("HIDDEN TESTS", "graded by the engine"):
        assert secret not in html
    assert "BEGIN HIDDEN TESTS" in (SAMPLE / "solutions" / "sample" / "sample.ipynb").read_text()
