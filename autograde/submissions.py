"""Find the submissions in a folder `SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb`.

Nothing is opened here: entries are classified with `lstat`, so a symbolic link, FIFO,
socket or device in place of a student's or an assignment's folder becomes a `rejected`
submission with a one-line reason (never followed, never opened), a missing folder a
`missing` one.

Example:

```python
subs, assignments = discover("submissions", Course())
[(s.student, s.assignment, s.status) for s in subs]   # status "" when gradable
```
"""

import dataclasses
import os
import pathlib
import re

from callbacks_course.sandbox.protocol.bounded_json import kind

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclasses.dataclass
class Submission:
    """One student's submission of one assignment."""

    student: str
    assignment: str
    folder: pathlib.Path
    problem: str = ""  # set when the whole submission cannot be graded
    status: str = ""


def printable(student):
    """`student` with control characters shown as `\\xNN`, for progress lines and logs.

    Example:

    ```python
    printable("bob\\r\\x1b[2J")   # -> "bob\\x0d\\x1b[2J"
    ```
    """
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", student)


def _kind(path):
    """"a folder", "a file", "a symbolic link", "a FIFO (named pipe)", ... of `path` itself; None if missing."""
    try:
        return kind(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"unreadable ({exc.strerror})"


def _student_problem(folder, what):
    """(problem, status) of a student's folder that is `what` (`_kind`)."""
    if what == "a symbolic link":
        return "rejected: the student folder is a symbolic link (outside the submissions)", "rejected"
    if what != "a folder":
        return f"rejected: the student folder is {what}, not a folder", "rejected"
    if _CONTROL.search(folder.name):
        return "rejected: the student id contains control characters", "rejected"
    return "", ""


def _assignment_problem(folder, assignment):
    """(problem, status) of `folder/assignment`; ("", "") when it is a real folder."""
    what = _kind(folder / assignment)
    if what is None:
        return f"no submission of {assignment} (the folder is missing or empty)", "missing"
    if what == "a symbolic link":
        return "rejected: the assignment folder is a symbolic link", "rejected"
    if what != "a folder":
        return f"rejected: the assignment folder is {what}, not a folder", "rejected"
    return "", ""


def discover(submissions, course):
    """(submissions, assignments): every student's `Submission` of every assignment found, sorted.

    Args:
        submissions: the folder of student folders.
        course: the `Course` (its assignments are the folder names that count).

    Returns:
        A list of `Submission` (problems set for odd entries) and the sorted assignment ids
        that at least one student's folder holds. Regular files next to the student folders
        (a README) are skipped.
    """
    root = pathlib.Path(submissions)
    known = set(course.assignments())
    entries = sorted(((p, _kind(p)) for p in root.iterdir() if not p.name.startswith(".")),
                     key=lambda entry: entry[0].name)
    seen = set()
    for folder, what in entries:
        if what == "a folder":
            try:
                seen.update(a.name for a in folder.iterdir() if a.name in known and _kind(a) == "a folder")
            except OSError:
                pass  # reported per assignment below
    seen = sorted(seen)
    found = []
    for folder, what in entries:
        if what == "a file":
            continue
        problem, status = _student_problem(folder, what)
        for assignment in seen:
            sub = Submission(folder.name, assignment, folder / assignment, problem, status)
            if not problem:
                sub.problem, sub.status = _assignment_problem(folder, assignment)
            found.append(sub)
    return found, seen
