"""Step 3, `book`: nbgrader's autograde + feedback of each result, and the submission's CSV rows.

nbgrader autogrades a clean copy of each submission (the released notebook with the student's
answers) in the course's nbgrader folder, its `ApplyResults` preprocessor writing each test
cell's outcome from the result file, then writes the feedback HTML, copied to
`OUT/feedback/<student>/<assignment>/`. The scores are read back from nbgrader's gradebook into
the submission's rows of grades.csv, items.csv and choices.csv; `write_tables` writes them.

Example:

```python
booked = book(course, prepared, run(course, prepared, workers), "grades")
write_tables("grades", [entry["rows"] for entry in booked.values()])
```
"""

import pathlib
import shutil
import sys

from .. import csv_safe, results
from ..course import GRADING_RELEASE, _quiet_logs
from .run import progress, result_path
from .score import fmt

TABLES = {  # file: columns
    "grades.csv": ["student_id", "assignment", "score", "max_score"],
    "items.csv": ["student_id", "assignment", "item", "score", "max_score", "status", "message"],
    "choices.csv": ["student_id", "assignment", "item", "choices"],  # multiple-choice answers
}


def feedback_folder(out, sub):
    """`out/feedback/<student>/<assignment>`: a submission's feedback HTML."""
    return pathlib.Path(out) / "feedback" / sub.student / sub.assignment


def book(course, prepared, graded, out, log=print):
    """Book each (prep, record, cached) of `graded`; {(student, assignment): {"rows", "retry"}} of each.

    "rows" are the submission's CSV rows (`rows`), "retry" the items it could not grade (an
    instructor-side failure, booked as errors).

    Args:
        course: the `Course` (nbgrader's folder and gradebook: `course.nbgrader_root`).
        prepared: every prepared submission (their count is the progress lines' total).
        graded: (prep, record, cached) per submission, as `run` yields them.
        out: the folder of `feedback/`.
        log: called with each progress line.
    """
    booked = {}
    for done, (prep, record, cached) in enumerate(graded, 1):
        _nbgrader(course, prep, record, cached, feedback_folder(out, prep.sub))
        booked[prep.sub.student, prep.sub.assignment] = {"rows": rows(prep.sub, record),
                                                         "retry": record.get("retry", [])}
        log(progress(prep.sub, record, done, len(prepared), cached))
    return booked


def _nbgrader(course, prep, record, cached, feedback):
    """nbgrader autograde + feedback of one submission (not again for a cached one already booked)."""
    sub = prep.sub
    if not prep.copies or (cached and record.get("gradebook") and feedback.is_dir()):
        return
    try:
        record["gradebook"] = _autograde(course, prep, feedback)
    except Exception as exc:  # keep the engine's scores; the next run tries nbgrader again
        print(f"autograde: warning: nbgrader could not autograde {sub.student!r} {sub.assignment}: "
              f"{str(exc).splitlines()[0]}", file=sys.stderr)
        record["gradebook"] = None
    results.save(result_path(course, sub), record)


def _autograde(course, prep, feedback):
    """{grade_id: score} nbgrader booked for `prep`, its feedback copied into `feedback`."""
    import nbformat
    from nbgrader.api import Gradebook

    sub = prep.sub
    sid = results.nbgrader_id(sub.student)
    root = course.nbgrader_root
    submitted = root / "submitted" / sid / sub.assignment
    shutil.rmtree(submitted, ignore_errors=True)
    submitted.mkdir(parents=True)
    for notebook, nb in prep.copies.items():
        nbformat.write(nb, str(submitted / f"{notebook}.ipynb"))
    api = course.api(release_directory=GRADING_RELEASE)
    with _quiet_logs():
        outcome = api.autograde(sub.assignment, sid, force=True, create=True)
        if not outcome["success"]:
            raise RuntimeError(f"nbgrader autograde failed for {sub.student}:\n{outcome.get('log')}")
        outcome = api.generate_feedback(sub.assignment, sid, force=True)
        if not outcome["success"]:
            raise RuntimeError(f"nbgrader generate_feedback failed for {sub.student}:\n{outcome.get('log')}")
    shutil.rmtree(feedback, ignore_errors=True)
    feedback.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(root / "feedback" / sid / sub.assignment, feedback)
    scores = {}
    with _quiet_logs(), Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="keras-callbacks") as gb:
        for notebook in gb.find_submission(sub.assignment, sid).notebooks:
            for grade in notebook.grades:
                scores[grade.name] = grade.score
    return scores


def rows(sub, record):
    """{table file: [row]} of one booked submission; nbgrader's scores where it booked them."""
    book = record.get("gradebook") or {}
    tables = {name: [] for name in TABLES}
    total = maximum = 0.0
    for grade_id, row in record["items"].items():
        score = float(book.get(grade_id, row["score"]))
        total += score
        maximum += row["max_score"]
        tables["items.csv"].append([sub.student, sub.assignment, grade_id, fmt(score), fmt(row["max_score"]),
                                    row["status"], row["message"]])
        if row.get("choices"):
            tables["choices.csv"].append([sub.student, sub.assignment, grade_id, row["choices"]])
    tables["grades.csv"].append([sub.student, sub.assignment, fmt(total), fmt(maximum)])
    return tables


def write_tables(out, booked):
    """grades.csv, items.csv and choices.csv in `out` from the `rows` of each booked submission, sorted."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, columns in TABLES.items():
        csv_safe.write_rows(out / name, columns, sorted(row for tables in booked for row in tables[name]))
