"""End to end through the CLI on the sample assignment: scores, CSVs, feedback, nbgrader's gradebook.

Three students ("ref", "blank", "wrong") of the session's sample class, graded among the others."""

import csv
import re
import sqlite3

import pytest

from support.graded_class import CLASS_MARKS
from support.grading import SAMPLE

pytestmark = [pytest.mark.slow, *CLASS_MARKS]

STUDENTS = ("blank", "ref", "wrong")  # graded in the session's sample class (tests/support/sample_class.py)


@pytest.fixture(scope="module")
def graded(sample_class):
    assert set(sample_class["plain"]) == set(STUDENTS)
    return sample_class["base"], sample_class["done"]


def rows(path):
    """This test's students' rows of `path`."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["student_id"] in STUDENTS]


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
    lines = [re.fullmatch(r"\[(\d+)/(\d+)\] (.*)", line).groups() for line in done.stdout.splitlines()
             if line.startswith("[")]
    total = len(lines)
    assert [(int(count), int(of)) for count, of, _ in lines] == [(n, total) for n in range(1, total + 1)]
    mine = sorted(what for *_, what in lines if what.split(" sample ")[0] in STUDENTS)  # two workers: any order
    assert mine == ["blank sample 0/4", "ref sample 4/4", "wrong sample 2.5/4"]


def test_gradebook_holds_the_same_scores(graded):
    base, _ = graded
    with sqlite3.connect(base / "work" / "course" / "gradebook.db") as db:
        scores = dict(db.execute(
            "select student.id, sum(coalesce(grade.auto_score, 0)) from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
            "join student on submitted_assignment.student_id = student.id group by student.id"))
    scores = {student: score for student, score in scores.items() if student in STUDENTS}
    assert scores == {"blank": 0.0, "ref": 4.0, "wrong": 2.5}


def test_feedback_shows_messages_but_no_hidden_tests(graded):
    base, _ = graded
    html = (base / "out" / "feedback" / "wrong" / "sample" / "sample.html").read_text()
    assert "2 of 4 hidden cases right" in html
    assert "Score: 2.5 / 4.0" in html
    for secret in ("HIDDEN TESTS", "graded by the engine"):
        assert secret not in html
    assert "BEGIN HIDDEN TESTS" in (SAMPLE / "solutions" / "sample" / "sample.ipynb").read_text()
