"""The quiz through a real `python -m autograde grade`: reference 20/20, blank 0/20, a mixed hand-made
submission its exact score item by item (normalised forms, a wrong letter, all four options, objects,
attempts to read the key), and feedback that names no right letter."""

import csv
import subprocess
import sys

import nbformat
import pytest
from quiz_experiments import ROOT, answer_key

pytestmark = pytest.mark.slow

STUDENT = ROOT / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb"
KEY_PATH = ROOT / "autograde" / "keys" / "callbacks_quiz.json"
FORM = 'Expected a set of option letters A-D'

# (answer cell source, score, status, start of the message); the key is in autograde/keys/callbacks_quiz.json
MIXED = {
    "q01": ('q01 = "a, b"', 1, "passed", "All your choices are right"),                     # key A, B
    "q02": ('q02 = ["B", "A"]', 1, "passed", "All your choices are right"),                 # key A, B
    "q03": ('q03 = "E"', 0, "failed", "q03: 'E' is not an option. " + FORM),                  # key A, B, C
    "q04": ('q04 = {"A", "B", "C", "D"}', 0, "failed", "2 of your 4 choices are right, 2 are wrong."),
    "q05": ('q05 = ("b",)', 0.5, "partial", "1 of your 1 choice is right, 0 are wrong; some"),  # key B, D
    "q06": ('q06 = "ABCD"', 0.6667, "partial", "3 of your 4 choices are right, 1 is wrong."),  # key A, B, C
    "q07": ('q07 = {"A", "D"}', 0, "failed", "1 of your 2 choices is right, 1 is wrong; some"),  # key A, B
    "q08": ('q08 = "B D"', 1, "passed", "All your choices are right"),                       # key B, D
    "q09": ('q09 = {"A", "B"}', 0, "failed", "1 of your 2 choices is right, 1 is wrong."),   # key A
    "q10": ('q10 = "a"', 1, "passed", "All your choices are right"),                         # key A
    "q11": ('q11 = ["B", "D", "A"]', 0.5, "partial", "2 of your 3 choices are right, 1 is wrong."),  # key B, D
    "q12": ("q12 = 12", 0, "failed", "q12: Your answer is of type int. " + FORM),                   # key A
    "q13": ("q13 = set()", 0, "failed", "No answer: assign your letters to q13"),            # key A, C
    "q14": ("# no idea", 0, "failed", "No answer: assign your letters to q14"),              # key A
    "q15": ('q15 = {"A", "B", "C", "D"}', 1, "passed", "All your choices are right"),        # key A, B, C, D
    "q16": ("class Any:\n    def __eq__(self, other):\n        return True\n    __hash__ = object.__hash__\n"
            "q16 = Any()", 0, "failed", "q16: Your answer is of type Any. " + FORM),               # key A
    "q17": ('q17 = "A, B"', 0.6667, "partial", "2 of your 2 choices are right, 0 are wrong; some"),  # key A, B, C
    "q18": ("class Letters(str):\n    pass\nq18 = Letters('AB')", 0, "failed", "q18: Your answer is of type Letters."),
    # no self-check object while grading, and the sandbox cannot read the key file
    "q19": ('q19 = set(check._key["q19"]["answer"])', 0, "error", "your code in cell q19 raised NameError"),
    "q20": (f"import json\nq20 = json.load(open({str(KEY_PATH)!r}))['q20']['answer']", 0, "error",
            "your code in cell q20 raised FileNotFoundError"),  # the key is not even in the jail
}
MIXED_TOTAL = "7.3334"


def submission(answers):
    nb = nbformat.read(str(STUDENT), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("quiz_graded")
    reference = {q: f"{q} = {set(entry['answer'])!r}" for q, entry in answer_key().items()}
    students = {"reference": reference, "blank": {}, "mixed": {q: source for q, (source, *_) in MIXED.items()}}
    for student, answers in students.items():
        folder = base / "subs" / student / "callbacks_quiz"
        folder.mkdir(parents=True)
        nbformat.write(submission(answers), str(folder / "callbacks_quiz.ipynb"))
    done = subprocess.run([sys.executable, "-m", "autograde", "--work", str(base / "work"), "grade",
                           str(base / "subs"), "--out", str(base / "out"), "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr
    return base


def test_totals(graded):
    assert rows(graded / "out" / "grades.csv") == [
        {"student_id": "blank", "assignment": "callbacks_quiz", "score": "0", "max_score": "20"},
        {"student_id": "mixed", "assignment": "callbacks_quiz", "score": MIXED_TOTAL, "max_score": "20"},
        {"student_id": "reference", "assignment": "callbacks_quiz", "score": "20", "max_score": "20"},
    ]


def items(graded, student):
    return {r["item"]: r for r in rows(graded / "out" / "items.csv") if r["student_id"] == student}


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
    html = (graded / "out" / "feedback" / "mixed" / "callbacks_quiz" / "callbacks_quiz.html").read_text()
    assert "Score: 7.33 / 20.0" in html and "3 of your 4 choices are right, 1 is wrong." in html
    explanations = [why for entry in answer_key().values() for why in entry["why"].values()]
    messages = " ".join(r["message"] for r in rows(graded / "out" / "items.csv"))
    assert not [why for why in explanations if why in html or why in messages]
    assert not [word for word in ("HIDDEN TESTS", "BEGIN SOLUTION", "Instructor note") if word in html]
