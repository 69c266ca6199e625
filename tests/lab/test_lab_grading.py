"""The lab through a real `python -m autograde grade`: fair to correct answers, firm on wrong ones.

A handful of whole submissions cover every variant in `lab_answers`: exercises are graded
independently, so one submission carries a wrong (or differently written correct) answer for
every exercise at once (`lab_plan`). They are graded in the session's class (`course_class`,
tests/support/graded_class.py); scores are asserted exactly, item by item.
"""

import nbformat
import pytest

from lab_answers import SMUGGLED, SOURCE, WRONG, nbgrader_meta
from support.graded_class import CLASS_MARKS, EXERCISES, LAB, lab_plan

pytestmark = [pytest.mark.slow, *CLASS_MARKS]

_nbgrader = nbgrader_meta


def points():
    """{item: points} of the test cells, and {exercise: [items]}."""
    items = {_nbgrader(c)["grade_id"]: float(_nbgrader(c)["points"])
             for c in nbformat.read(SOURCE, as_version=4).cells if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")}
    return items, {ex: [item for item in items if item.startswith(ex + "_")] for ex in EXERCISES}


plan = lab_plan


def variant_cases():
    """(student, exercise, variant name) for every wrong answer, for test ids."""
    cases = []
    for k in range(max(len(WRONG[ex]) for ex in EXERCISES)):
        for ex in EXERCISES:
            names = list(WRONG[ex])
            if k < len(names):
                cases.append((f"mixed{k}", ex, names[k]))
    return cases


@pytest.fixture(scope="module")
def graded(course_class):
    """{student: {item: row}} of the lab's items and {student: (score, max_score)}."""
    run = course_class.first
    assert run.returncode == 0, run.stderr[-3000:]
    assert "reference run" not in run.stderr, run.stderr[-3000:]
    return course_class.items(LAB), course_class.totals(LAB)


def _exercise_score(rows, names):
    return sum(float(rows[name]["score"]) for name in names)


def test_reference_scores_37_of_37(graded):
    items, totals = graded
    assert totals["reference"] == (37.0, 37.0)
    assert {row["status"] for row in items["reference"].values()} == {"passed"}


def test_blank_scores_0_of_37(graded):
    items, totals = graded
    assert totals["blank"] == (0.0, 37.0)
    assert all(float(row["score"]) == 0 for row in items["blank"].values())


def test_the_points_add_up_as_specified():
    item_points, by_exercise = points()
    assert {ex: sum(item_points[i] for i in names) for ex, names in by_exercise.items()} == {
        "ex1": 3, "ex2": 5, "ex3": 8, "ex4": 6, "ex5": 4, "ex6": 4, "ex7": 7}


@pytest.mark.parametrize("student", [student for student in plan() if student != "reference"])
def test_correct_answers_get_full_points_on_their_exercise(graded, student):
    items, _ = graded
    item_points, by_exercise = points()
    for ex, (_, fractions) in plan()[student].items():
        if fractions is None:
            rows = items[student]
            assert _exercise_score(rows, by_exercise[ex]) == sum(item_points[i] for i in by_exercise[ex]), (
                ex, {i: rows[i]["message"] for i in by_exercise[ex] if rows[i]["status"] != "passed"})


@pytest.mark.parametrize("student, exercise, variant", variant_cases(),
                         ids=[f"{ex}: {name}" for _, ex, name in variant_cases()])
def test_wrong_answers_lose_exactly_the_expected_points(graded, student, exercise, variant):
    items, _ = graded
    item_points, by_exercise = points()
    _, fractions = WRONG[exercise][variant]
    rows = items[student]
    got = {item: float(rows[item]["score"]) for item in by_exercise[exercise]}
    want = {item: float(f"{item_points[item] * fractions[item]:.4f}") for item in by_exercise[exercise]}
    assert got == pytest.approx(want, abs=1e-4), {i: rows[i]["message"] for i in by_exercise[exercise]}
    assert sum(got.values()) < sum(item_points[i] for i in by_exercise[exercise])
    failing = [rows[i]["message"] for i in by_exercise[exercise] if float(rows[i]["score"]) < item_points[i]]
    assert all("✗" in message for message in failing), "every lost point comes with a ✗ line saying why"


def test_forged_model_state_scores_0_with_a_message_never_a_grader_error(graded):
    items, totals = graded
    _, by_exercise = points()
    assert totals["smuggler"] == (0.0, 37.0)
    for exercise, (_, status, message) in SMUGGLED.items():
        for item in by_exercise[exercise]:
            row = items["smuggler"][item]
            assert (float(row["score"]), row["status"]) == (0.0, status) and message in row["message"], row
