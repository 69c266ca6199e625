"""The lab through a real `python -m autograde grade`: fair to correct answers, firm on wrong ones.

A handful of whole submissions cover every variant in `lab_answers`: exercises are graded
independently, so one submission carries a wrong (or differently written correct) answer for
every exercise at once. Scores are asserted exactly, item by item.
"""

import csv
import pathlib
import subprocess
import sys

import nbformat
import pytest

from autograde.notebooks import graded_copy
from lab_answers import CORRECT, SMUGGLED, SOURCE, WRONG, nbgrader_meta, reference_answers

ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

ASSIGNMENT = "callbacks_lab"
RELEASED = ROOT / "quizzes" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
EXERCISES = ("ex1", "ex2", "ex3", "ex4", "ex5", "ex6", "ex7")


_nbgrader = nbgrader_meta


def points():
    """{item: points} of the test cells, and {exercise: [items]}."""
    items = {_nbgrader(c)["grade_id"]: float(_nbgrader(c)["points"])
             for c in nbformat.read(SOURCE, as_version=4).cells if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")}
    return items, {ex: [item for item in items if item.startswith(ex + "_")] for ex in EXERCISES}


def plan():
    """{student: {exercise: (source, {item: fraction} or None for full marks)}}."""
    reference = reference_answers()
    students = {"reference": {ex: (reference[ex], None) for ex in EXERCISES}}
    spare = {ex: list(CORRECT[ex].values()) for ex in EXERCISES}
    students["alternatives"] = {ex: (spare[ex].pop(0), None) for ex in EXERCISES}
    for k in range(max(len(WRONG[ex]) for ex in EXERCISES)):
        answers = {}
        for ex in EXERCISES:
            wrong = list(WRONG[ex].values())
            if k < len(wrong):
                answers[ex] = wrong[k]
            else:
                answers[ex] = (spare[ex].pop(0) if spare[ex] else reference[ex], None)
        students[f"mixed{k}"] = answers
    for n in range(2, 2 + max(map(len, spare.values()))):  # the other exercises of these are blank
        students[f"alternatives{n}"] = {ex: (spare[ex].pop(0), None) for ex in EXERCISES if spare[ex]}
    return students


def variant_cases():
    """(student, exercise, variant name) for every wrong answer, for test ids."""
    cases = []
    for k in range(max(len(WRONG[ex]) for ex in EXERCISES)):
        for ex in EXERCISES:
            names = list(WRONG[ex])
            if k < len(names):
                cases.append((f"mixed{k}", ex, names[k]))
    return cases


def _write_submission(folder, released, answers):
    folder.mkdir(parents=True)
    nbformat.write(graded_copy(released, answers), folder / f"{ASSIGNMENT}.ipynb")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade every planned submission plus a blank one; return {student: {item: row}} and grades."""
    root = tmp_path_factory.mktemp("lab_grading")
    released = nbformat.read(RELEASED, as_version=4)
    submissions = root / "submissions"
    for student, answers in plan().items():
        _write_submission(submissions / student / ASSIGNMENT, released,
                          {ex: source for ex, (source, _) in answers.items()})
    _write_submission(submissions / "blank" / ASSIGNMENT, released, {})
    _write_submission(submissions / "smuggler" / ASSIGNMENT, released,
                      {ex: source for ex, (source, _, _) in SMUGGLED.items()})
    out = root / "out"
    run = subprocess.run([sys.executable, "-m", "autograde", "--work", str(root / "work"), "grade",
                          str(submissions), "--out", str(out), "--jobs", "2"],
                         cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "reference run" not in run.stderr, run.stderr[-3000:]
    items = {}
    with open(out / "items.csv", newline="") as f:
        for row in csv.DictReader(f):
            items.setdefault(row["student_id"], {})[row["item"]] = row
    with open(out / "grades.csv", newline="") as f:
        totals = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    return items, totals


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
