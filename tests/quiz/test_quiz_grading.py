"""The quiz through a real `python -m autograde grade`: reference 20/20, blank 0/20, a mixed hand-made
submission its exact score item by item (normalised forms, a wrong letter, all four options, objects,
attempts to read the key), and feedback that names no right letter. The three are graded in the session's
class (tests/support/graded_class.py, its `QUIZ_MIXED` the mixed answers)."""

import pytest
from quiz_experiments import answer_key

from support.graded_class import CLASS_MARKS, QUIZ, QUIZ_MIXED as MIXED

pytestmark = [pytest.mark.slow, *CLASS_MARKS]

MIXED_TOTAL = "7.3334"
STUDENTS = ("reference", "blank", "mixed")  # graded in the session's class (tests/support/graded_class.py)


@pytest.fixture(scope="module")
def graded(course_class):
    assert course_class.first.returncode == 0, course_class.first.stderr
    return course_class


def rows(graded, name):
    """The quiz's rows of `name` for this test's students (the class has lab-only students too)."""
    return [r for r in graded.rows(name) if r["assignment"] == QUIZ and r["student_id"] in STUDENTS]


def test_totals(graded):
    assert rows(graded, "grades.csv") == [
        {"student_id": "blank", "assignment": "callbacks_quiz", "score": "0", "max_score": "20"},
        {"student_id": "mixed", "assignment": "callbacks_quiz", "score": MIXED_TOTAL, "max_score": "20"},
        {"student_id": "reference", "assignment": "callbacks_quiz", "score": "20", "max_score": "20"},
    ]


def items(graded, student):
    return {r["item"]: r for r in rows(graded, "items.csv") if r["student_id"] == student}


def test_reference_and_blank_item_by_item(graded):
    assert {(r["score"], r["status"]) for r in items(graded, "reference").values()} == {("1", "passed")}
    blank = items(graded, "blank")
    assert sorted(blank) == [f"q{n:02d}_check" for n in range(1, 21)]
    assert {(r["score"], r["status"]) for r in blank.values()} == {("0", "blank")}


@pytest.mark.parametrize("question", sorted(MIXED))
def test_mixed_submission_item(graded, question):
    _, score, status, message = MIXED[question]
    row = items(graded, "mixed")[f"{question}_check"]
    assert (float(row["score"]), row["status"]) == (score, status)
    assert row["message"].startswith(message)


def test_messages_and_feedback_name_no_right_letter(graded):
    html = (graded.out / "feedback" / "mixed" / "callbacks_quiz" / "callbacks_quiz.html").read_text()
    assert "Score: 7.33 / 20.0" in html and "3 of your 4 choices are right, 1 is wrong." in html
    explanations = [why for entry in answer_key().values() for why in entry["why"].values()]
    messages = " ".join(r["message"] for r in rows(graded, "items.csv"))
    assert not [why for why in explanations if why in html or why in messages]
    assert not [word for word in ("HIDDEN TESTS", "BEGIN SOLUTION", "Instructor note") if word in html]
