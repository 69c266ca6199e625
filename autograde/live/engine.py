"""The grading service's one call into the engine: grade one submission and book it, feedback released.

`grade_and_book` runs in a grading server (`python -m autograde.live grade-server`, see `serve`), a
child process of the service that grades one submission at a time and stays warm in between: its
worker pool (TensorFlow imported, the jail's zygote ready, the lab's reference runs done once)
and nbgrader's import are paid when the service starts, not by each submission. A crash, a hang
or a memory blow-up costs that grading only: the service kills the server and starts another.

1. **prepare** (under the course's nbgrader lock): the engine reads the submission's copy and
   nbgrader generates the release it is graded against (`steps.prepare`);
2. **run**: the engine grades each item in its jail, its results cached per submission as for
   `python -m autograde grade` (`steps.run`); a grader-side failure (no cacheable result)
   raises `EngineFailure`, which the service retries once;
3. **book** (under the lock): the submission goes into nbgrader's `submitted/` as collected,
   `nbgrader autograde` writes the engine's result into the gradebook (`GradeWithEngine`
   applying the cached result, as the formgrader's Autograde button does), then
   `generate_feedback` and `release_feedback` for this student only, so the student's Fetch
   Feedback finds it. With `best` (the assignment counts the best submission) and an earlier
   submission scoring higher, that one is booked again afterwards, from its archived copy.

Example:

```python
outcome = grade_and_book(Course(root="~/callbacks-course"), "/opt/callbacks-course-hub/exchange",
                         "ann", "callbacks_quiz", pathlib.Path("archive/ann+callbacks_quiz+..."))
outcome["score"], outcome["max_score"]
```
"""

import contextlib
import fcntl
import json
import logging
import os
import pathlib
import shutil
import sys
import tempfile
import time

from .. import results
from ..course import _quiet_logs
from ..steps.prepare import find, prepare
from ..steps.run import Workers, run

RECORD = "engine-result.json"  # the engine's result of an archived submission, next to its files


class EngineFailure(RuntimeError):
    """The grading failed on the grader's side (not the student's doing): worth one more try."""


@contextlib.contextmanager
def nbgrader_lock(course):
    """Exclusive use of the course's nbgrader folders and gradebook (one booking at a time)."""
    path = course.work / "live" / "nbgrader.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _api(course, exchange):
    """nbgrader's API on the course, releasing feedback into the class's `exchange`."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    bin_dir = os.path.dirname(sys.executable)  # nbgrader's gradebook runs alembic from there
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    config = course.config()
    config.Exchange.root = str(exchange)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config,
                      log=logging.getLogger("autograde.live.nbgrader"))
    api.log.setLevel(logging.ERROR)
    return api


def _check(outcome, step, student):
    if not outcome["success"]:
        raise RuntimeError(f"nbgrader {step} failed for {student}: {outcome.get('error') or outcome.get('log')}")


def _book(course, api, sid, assignment, folder):
    """nbgrader's submitted copy of `folder` (as collected), autograded with the engine's cached result."""
    submitted = course.nbgrader_root / "submitted" / sid / assignment
    shutil.rmtree(submitted, ignore_errors=True)
    shutil.copytree(folder, submitted, ignore=shutil.ignore_patterns(RECORD))
    with _quiet_logs():
        _check(api.autograde(assignment, sid, force=True, create=True), "autograde", sid)


def _score(api, sid, assignment):
    from nbgrader.api import Gradebook

    with _quiet_logs(), Gradebook(api.coursedir.db_url, course_id=api.coursedir.course_id) as gb:
        submission = gb.find_submission(assignment, sid)
        return float(submission.score), float(submission.max_score)


def grade_and_book(course, exchange, student, assignment, folder, best=None, person=None, grader=None):
    """Grade the collected submission in `folder` with the engine, book it and release its feedback.

    Args:
        course: the engine's `Course` (the instructor's course folder).
        exchange: nbgrader's exchange root of the class.
        student: the student's account name.
        assignment: the assignment id.
        folder: the submission as collected (`inbox.collect`): notebooks, timestamp.txt,
            submission_secret.txt. The engine's result is archived next to them.
        best: (archived folder, score) of the best earlier submission, when the best counts: it
            stays in the gradebook if this one scores less.
        person: {"first_name", "last_name", "email"} for the gradebook, if known.
        grader: warm `Workers` to grade with (closed by their owner); fresh ones when None.

    Returns:
        {"score", "max_score" (this submission's, as booked by nbgrader), "items": {grade_id: row},
        "booked": the score now in the gradebook, "timings": seconds per step}.

    Raises:
        EngineFailure: the engine could not grade it (a grader-side failure: retry).
    """
    folder = pathlib.Path(folder)
    timings, mark = {}, time.monotonic()

    def lap(name):
        nonlocal mark
        now = time.monotonic()
        timings[name] = round(now - mark, 3)
        mark = now

    sid = results.nbgrader_id(student)
    with tempfile.TemporaryDirectory(prefix="autograde-live-") as scratch:
        submissions = pathlib.Path(scratch) / "submissions"
        shutil.copytree(folder, submissions / student / assignment, ignore=shutil.ignore_patterns("*.txt", RECORD))
        with nbgrader_lock(course):
            prepared = prepare(course, find(course, submissions), log=lambda line: None)
        lap("prepare")
        with contextlib.nullcontext(grader) if grader else Workers(course) as workers:
            (prep, record, cached), = list(run(course, prepared, workers))
        lap("run")
    if record.get("retry"):
        failed = {g: record["items"][g]["message"] for g in record["retry"]}
        raise EngineFailure(f"the engine could not grade {sorted(failed)}: {next(iter(failed.values()), '')}")
    shutil.copyfile(results.result_path(course.results, sid, assignment), folder / RECORD)
    api = _api(course, exchange)
    with nbgrader_lock(course):
        if person:
            from nbgrader.api import Gradebook

            with _quiet_logs(), Gradebook(api.coursedir.db_url, course_id=api.coursedir.course_id) as gb:
                gb.update_or_create_student(sid, **person)
        _book(course, api, sid, assignment, folder)
        score, max_score = _score(api, sid, assignment)
        with _quiet_logs():
            _check(api.generate_feedback(assignment, sid, force=True), "generate_feedback", sid)
            _check(api.release_feedback(assignment, sid), "release_feedback", sid)
        lap("book")
        booked = score
        if best is not None and best[1] > score:
            earlier = pathlib.Path(best[0])
            shutil.copyfile(earlier / RECORD, results.result_path(course.results, sid, assignment))
            _book(course, api, sid, assignment, earlier)
            booked = _score(api, sid, assignment)[0]
            lap("book_best")
    return {"score": score, "max_score": max_score, "booked": booked, "cached": cached,
            "items": {g: {k: r[k] for k in ("score", "max_score", "status")} for g, r in record["items"].items()},
            "timings": timings}


def _warm_grader(course):
    grader = Workers(course)
    grader.start()
    import nbgrader.apps  # noqa: F401  (seconds to import: once per server, not per submission)

    return grader


def serve(course, requests, channel):
    """`grade-server`: grade each JSON request of `requests` with one warm grader, one JSON reply each on `channel`.

    A request: {"student", "assignment", "folder", "exchange", "best": [folder, score] or null,
    "person"}. The reply is `grade_and_book`'s outcome, or {"engine_failure": ...} after which the
    server exits (status 3), so that the service's retry starts from fresh workers. The grader is
    made again when the course's release changes between the normal and the exam release.
    """
    grader, exam = _warm_grader(course), course.released_as_exam()
    channel.write(json.dumps({"ready": True}) + "\n")
    channel.flush()
    try:
        for line in requests:
            request = json.loads(line)
            if exam != course.released_as_exam():
                grader.close()
                grader, exam = _warm_grader(course), course.released_as_exam()
            try:
                outcome = grade_and_book(course, request["exchange"], request["student"], request["assignment"],
                                         request["folder"], best=request.get("best"), person=request.get("person"),
                                         grader=grader)
            except EngineFailure as exc:
                channel.write(json.dumps({"engine_failure": str(exc)}) + "\n")
                channel.flush()
                return 3
            channel.write(json.dumps(outcome) + "\n")
            channel.flush()
    finally:
        grader.close()
    return 0


def main(course):
    """The grading server's process: replies on the original stdout, every library's prints on stderr."""
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return serve(course, sys.stdin, channel)
