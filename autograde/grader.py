"""`grade`: autograde a folder of submissions through nbgrader; student code runs confined, per item.

The recipe (autograde/steps/): `prepare` reads each submission (`SUBMISSIONS/<student_id>/
<assignment>/<notebook>.ipynb`) bounded, never modifying it; `run` grades every item on the
workers unless a cached result matches, the score decided here, in the trusted process; `book`
has nbgrader autograde a clean copy with feedback and reads its scores into the CSVs.

Example:

```python
grade(Course(), "submissions", out="grades", jobs=2)
```
"""

from .steps.book import book, write_tables
from .steps.prepare import UsageError, find, prepare, submissions_folder
from .steps.run import Workers, result_path, run


def check_arguments(submissions, jobs):
    """`submissions` as a Path; UsageError when it is not a folder or `jobs` < 1."""
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return submissions_folder(submissions)


def grade(course, submissions, out, jobs=1, confine=True, memory_mb=2048, log=print):
    """Grade every submission under `submissions`; write CSVs and feedback into `out`.

    Args:
        course: the `Course`.
        submissions: folder `<student_id>/<assignment>/<notebook>.ipynb`.
        out: folder for grades.csv, items.csv, choices.csv and feedback/.
        jobs: parallel grading workers.
        confine: run student code in the jail (bubblewrap, cgroups); on by default.
        memory_mb: memory of one item's jailed processes together.
        log: called with each progress line.

    Returns:
        The `Workers` (their `sandbox_runs` counts the items graded in jails this run).
    """
    subs = find(course, check_arguments(submissions, jobs))
    with Workers(course, jobs, confine, memory_mb) as workers:
        # the workers import TensorFlow and make the reference runs while nbgrader generates the release
        workers.load({sub.assignment for sub in subs if not result_path(course, sub).exists()})
        prepared = prepare(course, subs, log)
        booked = book(course, prepared, run(course, prepared, workers), out, log)
    write_tables(out, [entry["rows"] for entry in booked.values()])
    return workers
