"""The session's graded class of the real course: one `grade --jobs 2` that many engine tests read.

Its students are those that tests/lab/test_lab_grading.py, tests/grading/test_bounds.py and
tests/quiz/test_quiz_grading.py each graded in a run of their own: the lab's reference answers,
alternatives and wrong variants (`LAB_PLAN`), a blank and a smuggling lab, the hostile labs of
tests/grading/hostile_lab.py, and three quizzes (reference, blank, `QUIZ_MIXED`). After the first
run the class is graded again (every result from the cache), then as one shard + merge; TMPDIR
is a fresh folder throughout (nothing may be left in it).

Example (the fixture `course_class` of tests/conftest.py):

    def test_reference(course_class):
        assert course_class.totals("callbacks_lab")["reference"] == (37.0, 37.0)
"""

import csv
import dataclasses
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import pytest

from . import ROOT

# The marks of a test that reads a session class: one xdist worker builds it, and the test that builds it
# (its setup, counted in pytest-timeout's limit) may take the whole class's grading on a loaded machine.
CLASS_MARKS = [pytest.mark.xdist_group("graded_class"), pytest.mark.timeout(1800)]


def in_class(test):
    """`test` with CLASS_MARKS (for a module where only some tests read a session class)."""
    for mark in CLASS_MARKS:
        test = mark(test)
    return test

LAB, QUIZ = "callbacks_lab", "callbacks_quiz"
EXERCISES = ("ex1", "ex2", "ex3", "ex4", "ex5", "ex6", "ex7")
KEY_PATH = ROOT / "autograde" / "keys" / f"{QUIZ}.json"
FORM = 'Expected a set of option letters A-D'

# (answer cell source, score, status, start of the message); the key is in autograde/keys/callbacks_quiz.json
QUIZ_MIXED = {
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


def _on_path(folder):
    if str(ROOT / "tests" / folder) not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / folder))


def lab_plan():
    """{student: {exercise: (source, {item: fraction} or None for full marks)}} of tests/lab/lab_answers.py."""
    _on_path("lab")
    from lab_answers import CORRECT, WRONG, reference_answers

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


def lab_students():
    """{student: {grade_id: source}} of the class's lab submissions."""
    _on_path("lab")
    _on_path("grading")
    from hostile_lab import CASES
    from lab_answers import SMUGGLED

    students = {student: {ex: source for ex, (source, _) in answers.items()} for student, answers in lab_plan().items()}
    students["blank"] = {}
    students["smuggler"] = {ex: source for ex, (source, _, _) in SMUGGLED.items()}
    assert not set(CASES) & set(students)
    students.update({student: answers for student, (answers, _) in CASES.items()})
    return students


def quiz_students():
    """{student: {grade_id: source}} of the class's quiz submissions."""
    _on_path("quiz")
    from quiz_experiments import answer_key

    reference = {q: f"{q} = {set(entry['answer'])!r}" for q, entry in answer_key().items()}
    return {"reference": reference, "blank": {}, "mixed": {q: source for q, (source, *_) in QUIZ_MIXED.items()}}


@dataclasses.dataclass
class GradedClass:
    """The class's folders and its runs (CompletedProcess): first, second (cached), shard and merged."""

    base: pathlib.Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    shard: subprocess.CompletedProcess
    merged: subprocess.CompletedProcess
    took: float          # seconds of the first run
    submissions: int     # notebooks submitted
    pairs: int           # (student, assignment) pairs, one progress line each (a missing notebook too)
    left: list           # what the runs left in their TMPDIR

    @property
    def out(self):
        return self.base / "out"

    def rows(self, name="items.csv", out="out"):
        with open(self.base / out / name, newline="") as handle:
            return list(csv.DictReader(handle))

    def items(self, assignment):
        """{student: {item: row}} of items.csv for `assignment`."""
        items = {}
        for row in self.rows():
            if row["assignment"] == assignment:
                items.setdefault(row["student_id"], {})[row["item"]] = row
        return items

    def totals(self, assignment):
        """{student: (score, max_score)} of grades.csv for `assignment`."""
        return {r["student_id"]: (float(r["score"]), float(r["max_score"]))
                for r in self.rows("grades.csv") if r["assignment"] == assignment}


def _cli(*args, work, tmpdir, timeout=1800):
    env = dict(os.environ, TMPDIR=str(tmpdir), CALLBACKS_COURSE_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "autograde", "--work", str(work), *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def build(base):
    """Write, grade (twice, then as a shard + merge) the class under `base`; return its GradedClass."""
    from autograde.demo import write_class

    subs = base / "subs"
    lab, quiz = lab_students(), quiz_students()
    write_class(subs, ROOT / "quizzes" / LAB / f"{LAB}.ipynb", lab)
    write_class(subs, ROOT / "quizzes" / QUIZ / f"{QUIZ}.ipynb", quiz)
    tmpdir = pathlib.Path(tempfile.mkdtemp(prefix="graded-class-tmp-", dir="/tmp"))
    tmpdir.chmod(0o755)  # the sandbox's user must enter it (as root the jail stages Python there)
    started = time.monotonic()
    first = _cli("grade", str(subs), "--out", str(base / "out"), "--jobs", "2", work=base / "work", tmpdir=tmpdir)
    took = time.monotonic() - started
    second = _cli("grade", str(subs), "--out", str(base / "again"), work=base / "work", tmpdir=tmpdir)
    results = base / "work" / "results"  # the runs' results: the shard reuses them all
    shard = _cli("grade", str(subs), "--shard", "0/1", "--results", str(results), work=base / "shard_work",
                 tmpdir=tmpdir)
    merged = _cli("merge", str(results), "--out", str(base / "merged"), work=base / "merge_work", tmpdir=tmpdir)
    left = sorted(p.name for p in tmpdir.iterdir())
    tmpdir.rmdir() if not left else None
    return GradedClass(base, first, second, shard, merged, took, len(lab) + len(quiz), 2 * len({*lab, *quiz}), left)
