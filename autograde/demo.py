"""`demo`: a small class graded end to end, for an instructor's first taste (`make grade`).

Builds `<work>/demo/submissions/` from the released notebooks (`quizzes/`) and the reference
answers (`solutions/`): five quiz submissions (reference, blank, half done, answers written as
lowercase strings, hostile cells) and two lab submissions (reference, half done with a crashing
exercise), grades them with two workers and prints nbgrader's gradebook.

Its class builder is the one the benchmarks use too (`write_class`, `reference_answers`).

Example:

```python
expected = demo(Course())   # {(student, assignment): expected score}
write_class(folder, course.quizzes / "callbacks_lab" / "callbacks_lab.ipynb",
            {f"student{n:02d}": reference_answers(course, "callbacks_lab") for n in range(40)})
```
"""

import ast
import pathlib
import re
import shutil

import nbformat

from .notebooks import Layout, graded_copy, student_answers

QUIZ, LAB = "callbacks_quiz", "callbacks_lab"


def reference_answers(course, assignment):
    """{grade_id: source} of the solution's answer cells of `assignment` (from `course.solutions`)."""
    return student_answers(nbformat.read(str(course.solutions / assignment / f"{assignment}.ipynb"), as_version=4))


def write_class(folder, released, students):
    """`folder/<student>/<assignment>/<assignment>.ipynb`: the released notebook with each student's answers.

    Args:
        folder: the submissions folder (created if missing).
        released: the released notebook's path; its file name names the assignment.
        students: {student: {grade_id: source}}.

    Returns:
        `folder`.
    """
    released = pathlib.Path(released)
    notebook = nbformat.read(str(released), as_version=4)
    for student, answers in students.items():
        path = pathlib.Path(folder) / student / released.stem / released.name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(graded_copy(notebook, answers), str(path))
    return folder


def _as_lowercase_string(source):
    """`q07 = {"A", "B"}` (with solution markers) -> `q07 = "a, b"`."""
    match = re.search(r"^(q\d\d) = (\{.*\})\s*$", source, flags=re.M)
    letters = sorted(ast.literal_eval(match.group(2)))
    return f'{match.group(1)} = "{", ".join(letters).lower()}"'


def _quiz_class(reference, key_file):
    questions = sorted(reference)
    half = {q: reference[q] for q in questions[:10]}
    steal = f"import json\nq02 = json.load(open({str(key_file)!r}))['q02']['answer']"  # the key is not in the jail
    hostile = dict(reference, q01="import os\nos._exit(1)", q02=steal)
    return {
        "ada": (reference, 20),
        "blake": ({}, 0),
        "chen": (half, 10),
        "dana": ({q: _as_lowercase_string(src) for q, src in reference.items()}, 20),
        "eve": (hostile, 18),
    }


def _lab_class(reference, points):
    done = ("ex1", "ex2", "ex3", "ex7")
    half = {k: v for k, v in reference.items() if k in done}
    half["ex4"] = reference["ex4"] + "\nimport os\nos._exit(0)"
    kept = sum(p for grade_id, p in points.items() if grade_id.split("_")[0] in done)
    return {"ada": (reference, sum(points.values())), "chen": (half, kept)}


def build(course, folder):
    """Write the demo submissions under `folder`; return {(student, assignment): expected score}."""
    shutil.rmtree(folder, ignore_errors=True)
    expected = {}
    key_file = course.root / "autograde" / "keys" / f"{QUIZ}.json"
    classes = {QUIZ: _quiz_class(reference_answers(course, QUIZ), key_file)}
    lab_points = Layout.read(course.solutions / LAB / f"{LAB}.ipynb").tests
    classes[LAB] = _lab_class(reference_answers(course, LAB), lab_points)
    for assignment, students in classes.items():
        write_class(folder, course.quizzes / assignment / f"{assignment}.ipynb",
                    {student: answers for student, (answers, _) in students.items()})
        expected.update({(student, assignment): float(score) for student, (_, score) in students.items()})
    return expected


def gradebook_table(course, students, assignments):
    """Lines of the gradebook: one row per student, `score/max` per assignment (`-` when not submitted)."""
    from nbgrader.api import Gradebook, MissingEntry

    from .course import _quiet_logs
    from .results import nbgrader_id

    width = max(len(s) for s in [*students, "student"]) + 2
    lines = ["student".ljust(width) + "".join(a.ljust(18) for a in assignments)]
    with _quiet_logs(), Gradebook(f"sqlite:///{course.nbgrader_root / 'gradebook.db'}",
                                  course_id="keras-callbacks") as gb:
        for student in students:
            cells = []
            for assignment in assignments:
                try:
                    submission = gb.find_submission(assignment, nbgrader_id(student))
                    cells.append(f"{submission.score:g}/{submission.max_score:g}")
                except MissingEntry:
                    cells.append("-")
            lines.append(student.ljust(width) + "".join(c.ljust(18) for c in cells))
    return lines


def demo(course, jobs=2, log=print):
    """Build, grade and print the demo class; return {(student, assignment): expected score}."""
    from .course import CourseError
    from .csv_safe import read_rows
    from .grader import grade

    missing = [a for a in (QUIZ, LAB) if not (course.quizzes / a / f"{a}.ipynb").exists()]
    if missing:
        raise CourseError(f"the demo needs the released {', '.join(missing)}: run `python -m autograde release`")
    folder = course.work / "demo"
    expected = build(course, folder / "submissions")
    log(f"Demo class: {len({s for s, _ in expected})} students in {folder / 'submissions'}")
    grade(course, folder / "submissions", folder / "grades", jobs=jobs, log=log)
    students = sorted({s for s, _ in expected})
    log("")
    log("Gradebook (nbgrader):")
    for line in gradebook_table(course, students, [LAB, QUIZ]):
        log("  " + line)
    got = {(r["student_id"], r["assignment"]): float(r["score"]) for r in read_rows(folder / "grades" / "grades.csv")[1]}
    wrong = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    log("")
    log("Every score is as expected." if not wrong else f"UNEXPECTED scores (got, expected): {wrong}")
    log(f"Per-item messages: {folder / 'grades' / 'items.csv'}; feedback: {folder / 'grades' / 'feedback'}")
    return expected
