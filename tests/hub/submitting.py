"""A student's side of a class on the hub, through the REST APIs their JupyterLab uses.

`release` (the formgrader's button), `submit` (fetch, write answers with the contents API, submit
from the Assignments tab's API), `fetch_feedback` (the Fetch Feedback button) and `answers`
(correct, partial or blank answers from the solutions, or any {grade_id: source}).

Example:

```python
release(hub, "callbacks_quiz")
submitted_at = submit(hub, student, "callbacks_quiz", answers("callbacks_quiz", "partial"))
fetched_at, page = wait_for_feedback(hub, student, "callbacks_quiz", count=1, timeout=15)
```
"""

import re
import time

import nbformat

from autograde.notebooks import student_answers
from hubclass import ROOT

COURSE_ID = "keras-callbacks"
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$\n?", re.M)


def answers(assignment, kind):
    """{grade_id: source} a student writes: all correct, the first half correct, or nothing."""
    solution = nbformat.read(str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"), as_version=4)
    correct = {k: MARKERS.sub("", v).strip() for k, v in student_answers(solution).items()}
    if kind == "correct":
        return correct
    if kind == "partial":
        return dict(list(correct.items())[: len(correct) // 2])
    return {}


def _form(assignment):
    return {"assignment_id": assignment, "course_id": COURSE_ID}


def release(hub, assignment):
    result = hub.post(f"user/{hub.instructor}/formgrader/api/assignment/{assignment}/release")
    assert result["success"], result


def submit(hub, student, assignment, sources):
    """Fetch (once), write `sources` into the answer cells (the rest as released), submit; when Submit returned."""
    if not (hub.home(student) / assignment).exists():
        fetched = hub.post(f"user/{student}/assignments/fetch", form=_form(assignment))
        assert fetched["success"], fetched
    path = f"user/{student}/api/contents/{assignment}/{assignment}.ipynb"
    status, model = hub.request("GET", path)
    assert status == 200, model
    nb = nbformat.from_dict(model["content"])
    stubs = student_answers(nbformat.read(str(ROOT / "quizzes" / assignment / f"{assignment}.ipynb"), as_version=4))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in stubs:
            cell.source = sources.get(grade_id, stubs[grade_id])
    status, saved = hub.request("PUT", path, data={"type": "notebook", "format": "json", "content": nb})
    assert status == 200, saved
    submitted = hub.post(f"user/{student}/assignments/submit", form=_form(assignment))
    assert submitted["success"], submitted
    return time.monotonic()


def feedback_pages(hub, student, assignment):
    """{timestamp folder: feedback HTML} fetched so far by `student`."""
    return {p.parent.name: p.read_text()
            for p in sorted((hub.home(student) / assignment / "feedback").glob(f"*/{assignment}.html"))}


def fetch_feedback(hub, student, assignment):
    """Press Fetch Feedback; the feedback pages the student has then."""
    done = hub.post(f"user/{student}/assignments/fetch_feedback", form=_form(assignment))
    assert done["success"], done
    return feedback_pages(hub, student, assignment)


def wait_for_feedback(hub, student, assignment, count, timeout, poll=0.5):
    """Press Fetch Feedback until the student has `count` feedback pages; (`time.monotonic()` then, newest page).

    Raises:
        TimeoutError: fewer pages after `timeout` seconds.
    """
    start = time.monotonic()
    while True:
        pages = fetch_feedback(hub, student, assignment)
        if len(pages) >= count:
            return time.monotonic(), pages[max(pages)]
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{student} has {len(pages)} feedback page(s) of {assignment} after {timeout} s, "
                               f"expected {count}")
        time.sleep(poll)


def page_score(page):
    """The total score `Score: 12.0 / 20.0` of an nbgrader feedback page, as (score, max)."""
    match = re.search(r"Score: ([\d.]+) / ([\d.]+)", page)
    assert match, page[:2000]
    return float(match.group(1)), float(match.group(2))
