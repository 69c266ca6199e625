"""Step 1, `prepare`: find the submissions, read each one bounded, make its cache key and nbgrader's copies.

Nothing here runs student code or starts a worker; nbgrader generates the release each
assignment is graded against (`GRADING_RELEASE`), and each submission becomes a `Prepared`:
the items decided without grading (missing, unreadable, blank), the tasks for the workers, the
clean copies nbgrader autogrades, and two fingerprints: `key` (everything its grade depends on:
the result cache's key) and `source` (what the student submitted: `merge` compares it to tell
a submission changed since its shard ran).

Example:

```python
subs = find(course, "submissions")           # [Submission], UsageError when none
prepared = prepare(course, subs)             # [Prepared]
prepared[0].key, prepared[0].tasks
```
"""

import dataclasses
import os
import pathlib

from callbacks_course.quiz_variant import personalize

from .. import results
from ..course import GRADING_RELEASE
from ..notebooks import Layout, SubmissionError, graded_copy, parse_notebook, read_submitted, student_answers
from ..submissions import Submission, discover

ENGINE_VERSION = "2"


class UsageError(Exception):
    """Arguments the engine cannot work with (the CLI prints it on one line and exits 2)."""


def submissions_folder(submissions):
    """`submissions` as a Path; UsageError when it is not a folder."""
    submissions = pathlib.Path(submissions)
    if not submissions.is_dir():
        raise UsageError(f"{submissions} is not a folder of submissions")
    return submissions


def find(course, submissions, holds=None):
    """Every `Submission` under `submissions` of a known assignment (only those of students `holds` accepts).

    Args:
        course: the `Course`.
        submissions: folder `<student_id>/<assignment>/<notebook>.ipynb`.
        holds: `holds(student)` -> bool, e.g. `Shard.holds`; None takes every student.

    Raises:
        UsageError: the folder holds no submission of a known assignment.
    """
    subs, assignments = discover(submissions, course)
    if not assignments:
        raise UsageError(f"no submissions of a known assignment ({', '.join(course.assignments())}) "
                         f"under {submissions}: expected SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb")
    return [sub for sub in subs if holds is None or holds(sub.student)]


def read(sub, notebooks):
    """({notebook: bytes, None or SubmissionError}, source fingerprint) of what a student submitted.

    Each notebook is read bounded (`read_submitted`); a missing one is None, one that cannot be
    read its `SubmissionError`. The fingerprint covers the student, the assignment, the folder's problem
    and every notebook's bytes or error: it changes exactly when the submission does.

    Args:
        sub: the `Submission`.
        notebooks: the assignment's notebook names (`Course.notebooks`).
    """
    raws, parts = {}, [sub.student, sub.assignment, sub.problem]
    for notebook in notebooks if not sub.problem else ():
        path = sub.folder / f"{notebook}.ipynb"
        try:
            raws[notebook] = read_submitted(path) if os.path.lexists(path) else None
        except SubmissionError as exc:
            raws[notebook] = exc
        raw = raws[notebook]
        parts += [notebook, f"error:{raw}" if isinstance(raw, SubmissionError) else raw]
    return raws, results.fingerprint(*parts)


@dataclasses.dataclass
class Prepared:
    """A submission read and ready for the workers.

    Args:
        sub: the `Submission`.
        key: the result cache's key (engine, checks, release, the student's variant, the notebooks).
        source: the fingerprint of what was submitted (`read`).
        items: {grade_id: row} of the items decided without grading.
        tasks: [{grade_id, setup, answers}] for the workers.
        copies: {notebook: nbformat notebook} nbgrader autogrades.
        points: {grade_id: points} of the assignment's test cells.
        variant: the student's quiz `Variant`, or None.
    """

    sub: Submission
    key: str
    source: str
    items: dict
    tasks: list
    copies: dict
    points: dict
    variant: object


class _Released:
    """A notebook as released to the students: the base of graded copies, its answer stubs, its text."""

    def __init__(self, nb):
        import nbformat

        self.nb = nb
        self.answers = Layout.of(nb).answers
        self.text = nbformat.writes(nb)


def _assignment(course, assignment, exam):
    """({notebook: source Layout}, {notebook: _Released}) of `assignment`, nbgrader's release generated."""
    import nbformat  # imported on use: about 1 s (jsonschema), overlapped with the workers' start

    course.generate(assignment, release_directory=GRADING_RELEASE, exam=exam)
    layouts, released = {}, {}
    for notebook in course.notebooks(assignment):
        layouts[notebook] = Layout.read(course.solutions / assignment / f"{notebook}.ipynb")
        path = course.nbgrader_root / GRADING_RELEASE / assignment / f"{notebook}.ipynb"
        released[notebook] = _Released(nbformat.read(str(path), as_version=4))
    return layouts, released


def _prepare_one(sub, course, layouts, released):
    items, tasks, copies, points = {}, [], {}, {}
    checks = course.items(sub.assignment)
    # the student's own variant, from their real id (never from the notebook); part of the cache key
    variant = course.variant(sub.assignment, sub.student)
    parts = [ENGINE_VERSION, sub.assignment, course.checks_fingerprint(sub.assignment),
             variant.describe() if variant else "original"]
    raws, source = read(sub, course.notebooks(sub.assignment))
    for notebook in course.notebooks(sub.assignment):
        layout, stubs = layouts[notebook], released[notebook]
        parts += [notebook, (course.solutions / sub.assignment / f"{notebook}.ipynb").read_bytes(), stubs.text]
        problem, status, answers = sub.problem, sub.status, {}
        if not problem:
            raw = raws[notebook]
            if raw is None:
                problem, status = f"missing notebook: {notebook}.ipynb was not submitted", "missing"
            else:
                try:
                    if isinstance(raw, SubmissionError):
                        raise raw
                    answers = student_answers(parse_notebook(raw))
                    parts.append(raw)
                    copies[notebook] = graded_copy(stubs.nb, answers)
                    if variant:  # nbgrader's feedback shows the options as the student saw them
                        personalize(copies[notebook], variant)
                except SubmissionError as exc:
                    problem, status = f"{notebook}.ipynb: {exc}", "unreadable"
        if problem:
            parts.append(f"problem:{problem}")
        points.update(layout.tests)
        for grade_id, maximum in layout.tests.items():
            row = {"max_score": maximum, "score": 0.0}
            if problem:
                items[grade_id] = dict(row, status=status, message=problem)
                continue
            cells = [(cid, answers.get(cid, stubs.answers.get(cid, ""))) for cid in checks[grade_id].answer_cells]
            if all(src.strip() == stubs.answers.get(cid, "").strip() for cid, src in cells):
                names = ", ".join(checks[grade_id].answer_cells)
                items[grade_id] = dict(row, status="blank", message=f"not answered: cell {names} is as released")
                continue
            tasks.append({"grade_id": grade_id, "setup": layout.setup, "answers": cells})
    return Prepared(sub, results.fingerprint(*parts), source, items, tasks, copies, points, variant)


def prepare(course, subs, log=print):
    """Each `Submission` of `subs` read and made ready for the workers (`Prepared`), in order.

    Args:
        course: the `Course`.
        subs: the submissions (`find`).
        log: told when the assignments are graded against the exam release.
    """
    exam = course.released_as_exam()  # which release the students got (`Course.release`)
    context = {}
    for assignment in sorted({sub.assignment for sub in subs}):
        if exam:
            log(f"{assignment}: grading against the exam release (the last `release` was `release --exam`)")
        context[assignment] = _assignment(course, assignment, exam)
    return [_prepare_one(sub, course, *context[sub.assignment]) for sub in subs]
