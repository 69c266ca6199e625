"""`grade`: autograde a folder of submissions through nbgrader; student code runs confined, per item.

Steps per submission (`SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb`):

1. read each notebook safely (never modifying it) and take the student's answer cells;
2. unless a cached result matches, grade every item on a worker (in parallel with `jobs`
   workers), whose check drives the student's code in a confined process, and score it here,
   in the trusted process;
3. nbgrader autogrades a clean copy (the released notebook with the student's answers), its
   `ApplyResults` preprocessor writing each test cell's outcome, then writes feedback HTML;
4. scores are read back from nbgrader's gradebook into `grades.csv` and `items.csv`.

Example:

```python
summary = grade(Course(), "submissions", out="grades", jobs=2)
```
"""

import os
import pathlib
import shutil
import sys

from callbacks_course.grading import Result
from callbacks_course.quiz_variant import personalize

from . import csv_safe, results
from .course import GRADING_RELEASE, _quiet_logs
from .notebooks import Layout, SubmissionError, graded_copy, parse_notebook, read_submitted, student_answers
from .submissions import discover, printable

ENGINE_VERSION = "2"
MESSAGE_LIMIT = 4000  # characters of one item's message in items.csv and the feedback
GRADE_COLUMNS = ["student_id", "assignment", "score", "max_score"]
ITEM_COLUMNS = ["student_id", "assignment", "item", "score", "max_score", "status", "message"]
CHOICE_COLUMNS = ["student_id", "assignment", "item", "choices"]  # choices.csv: multiple-choice answers


class UsageError(Exception):
    """Arguments the engine cannot work with (the CLI prints it on one line and exits 2)."""


def _points(value):
    return float(f"{value:.4f}")


def _fmt(value):
    return f"{_points(value):g}"


class _Prepared:
    """A submission read and ready for the workers: answers per notebook, the grading tasks."""

    def __init__(self, sub, course, layouts, released):
        self.sub = sub
        self.items = {}   # grade_id -> row dict for items decided without grading
        self.tasks = []   # [{grade_id, setup, answers}]
        self.copies = {}  # notebook -> graded copy (nbformat) for nbgrader
        self.points = {}  # grade_id -> points of its test cell
        items = course.items(sub.assignment)
        # the student's own variant, from their real id (never from the notebook); part of the cache key
        self.variant = course.variant(sub.assignment, sub.student)
        parts = [ENGINE_VERSION, sub.assignment, course.checks_fingerprint(sub.assignment),
                 self.variant.describe() if self.variant else "original"]
        for notebook in course.notebooks(sub.assignment):
            source, stubs = layouts[notebook], released[notebook]
            path = sub.folder / f"{notebook}.ipynb"
            parts += [notebook, (course.solutions / sub.assignment / f"{notebook}.ipynb").read_bytes(), stubs.text]
            problem, status = sub.problem, sub.status
            answers = {}
            if not problem:
                if not os.path.lexists(path):
                    problem, status = f"missing notebook: {notebook}.ipynb was not submitted", "missing"
                else:
                    try:
                        raw = read_submitted(path)
                        answers = student_answers(parse_notebook(raw))
                        parts.append(raw)
                        self.copies[notebook] = graded_copy(stubs.nb, answers)
                        if self.variant:  # nbgrader's feedback shows the options as the student saw them
                            personalize(self.copies[notebook], self.variant)
                    except SubmissionError as exc:
                        problem, status = f"{notebook}.ipynb: {exc}", "unreadable"
            if problem:
                parts.append(f"problem:{problem}")
            self.points.update(source.tests)
            for grade_id, points in source.tests.items():
                row = {"max_score": points, "score": 0.0}
                if problem:
                    self.items[grade_id] = dict(row, status=status, message=problem)
                    continue
                item = items[grade_id]
                cells = [(cid, answers.get(cid, stubs.answers.get(cid, ""))) for cid in item.answer_cells]
                if all(src.strip() == stubs.answers.get(cid, "").strip() for cid, src in cells):
                    names = ", ".join(item.answer_cells)
                    self.items[grade_id] = dict(row, status="blank", message=f"not answered: cell {names} is as released")
                    continue
                self.tasks.append({"grade_id": grade_id, "setup": source.setup, "answers": cells})
        self.key = results.fingerprint(*parts)


class _Released:
    """A notebook as released to the students: the base of graded copies, its answer stubs, its text."""

    def __init__(self, nb):
        import nbformat

        self.nb = nb
        self.answers = Layout.of(nb).answers
        self.text = nbformat.writes(nb)


def _score(item, points, outcome, expected):
    """Turn a worker's outcome into an items.csv row; `score` runs here, in the trusted process.

    Only an instructor-side failure (a reference run, the setup cells, the machine) is marked
    `retry`; anything the student's answer caused is final, in our words.
    """
    status, message = outcome["status"], outcome["message"]
    if status == "ok":
        if expected is _FAILED:
            return {"score": 0.0, "max_score": points, "status": "error", "retry": True,
                    "message": "the reference run failed; tell your instructor"}
        try:
            result = item.score(outcome["observed"], expected)
            if not isinstance(result, Result):
                raise TypeError(f"score returned {type(result).__name__}, not Result")
        except Exception as exc:  # on observations of the student's answer: final (a fixed registry regrades)
            print(f"autograde: warning: the score function of {item.grade_id} failed: {type(exc).__name__}: "
                  f"{str(exc)[:500]}", file=sys.stderr)
            return {"score": 0.0, "max_score": points, "status": "error",
                    "message": f"your answer could not be scored: the check failed on what your code gave it "
                               f"({type(exc).__name__}); this item scores 0"}
        fraction = result.fraction
        status = "passed" if fraction >= 1 else "partial" if fraction > 0 else "failed"
        row = {"score": _points(fraction * points), "max_score": points, "status": status,
               "message": result.message[:MESSAGE_LIMIT]}
        if result.choices:
            row["choices"] = str(result.choices)[:64]
        return row
    if status == "fail":
        status = "failed"
    row = {"score": 0.0, "max_score": points, "status": status, "message": str(message)[:MESSAGE_LIMIT]}
    if outcome.get("retry"):
        row["retry"] = True
    return row


_FAILED = object()


def progress(sub, record, done, total, cached):
    """The progress line of a graded submission: `[3/24] ada callbacks_quiz 20/20 (cached)`."""
    score = sum(r["score"] for r in record["items"].values())
    maximum = sum(r["max_score"] for r in record["items"].values())
    note = " (cached)" if cached else ""
    return f"[{done}/{total}] {printable(sub.student)} {sub.assignment} {_fmt(score)}/{_fmt(maximum)}{note}"


class Grader:
    """One grading run over a submissions folder (see `grade`)."""

    def __init__(self, course, out, jobs=1, confine=True, memory_mb=2048, log=print, keep_workers=False):
        self.course, self.out, self.jobs = course, pathlib.Path(out) if out else None, jobs
        self.keep_workers = keep_workers  # a long-lived grader (autograde/live) closes them with `close`
        self.confine, self.memory_mb, self.log = confine, memory_mb, log
        self.results_dir = course.results
        self.exam = course.released_as_exam()  # which release the students got (`Course.release`)
        self.sandbox_runs = 0
        self._records = {}
        self._pool = None
        self._loaded = set()  # the assignments whose checks the pool has
        self._references = []  # their reference runs, queued on the pool
        self._expected = {}  # (assignment, item) -> a reference run's observation, or _FAILED

    def _layouts(self, assignment):
        import nbformat  # imported on use: about 1 s (jsonschema), overlapped with the workers' start

        if self.exam:
            self.log(f"{assignment}: grading against the exam release (the last `release` was `release --exam`)")
        self.course.generate(assignment, release_directory=GRADING_RELEASE, exam=self.exam)
        layouts, released = {}, {}
        for notebook in self.course.notebooks(assignment):
            layouts[notebook] = Layout.read(self.course.solutions / assignment / f"{notebook}.ipynb")
            path = self.course.nbgrader_root / GRADING_RELEASE / assignment / f"{notebook}.ipynb"
            released[notebook] = _Released(nbformat.read(str(path), as_version=4))
        return layouts, released

    def run(self, submissions):
        """Grade and book every submission: `results` feeding `book`, nbgrader overlapped with the workers."""
        prepared = self.prepare(submissions)
        self.book(prepared, self.results(prepared))
        return prepared

    def prepare(self, submissions, shard=None, start_workers=True):
        """The submissions under `submissions` (only shard `shard` of them, a `shards.Shard`), read."""
        subs, assignments = discover(submissions, self.course)
        if not assignments:
            raise UsageError(f"no submissions of a known assignment ({', '.join(self.course.assignments())}) "
                             f"under {submissions}: expected SUBMISSIONS/<student_id>/<assignment>/<notebook>.ipynb")
        if shard is not None:
            subs = [sub for sub in subs if shard.holds(sub.student)]
        ungraded = sorted({sub.assignment for sub in subs if not self._path(sub).exists()})
        if start_workers and ungraded:  # the workers import TF and make the reference runs meanwhile
            self._load(ungraded)
        context = {a: self._layouts(a) for a in sorted({s.assignment for s in subs})}
        return [_Prepared(s, self.course, *context[s.assignment]) for s in subs]

    def results(self, prepared):
        """First half: yield (prep, record, cached) per submission, cached results first, then graded ones."""
        todo = []
        for prep in prepared:
            record = self.stored(prep)
            if record is None:
                todo.append(prep)
            else:
                yield prep, record, True
        try:
            if todo:
                for prep, record in self._grade_all(todo):
                    yield prep, record, False
        finally:
            if not self.keep_workers:
                self.close()

    def start_workers(self):
        """Start the worker pool now (TensorFlow's import, the jail), before any submission arrives."""
        self._load(())

    def close(self):
        """Stop the workers (`results` does it at its end unless `keep_workers`)."""
        if self._pool:
            self._pool.close()
            self._pool = None
            self._loaded, self._references, self._expected = set(), [], {}

    def book(self, prepared, graded):
        """Second half: nbgrader autograde + feedback of each (prep, record, cached) in `graded`, then the CSVs.

        Submissions of `prepared` without a record in `graded` are left out of the CSVs.
        """
        total = len(prepared)
        for done, (prep, record, cached) in enumerate(graded, 1):
            self._finish(prep, record, done, total, cached)
        self._write_csvs([prep for prep in prepared if (prep.sub.student, prep.sub.assignment) in self._records])

    def stored(self, prep, retried=False):
        """The result of a prepared submission in the results folder, None when missing, stale or invalid.

        A result with items to grade again (an instructor-side failure, see `_record`) counts as
        missing, unless `retried` (`merge` books it as it is, with those items' errors).
        """
        record = results.load(self._path(prep.sub), prep.key, prep.sub.student, prep.sub.assignment, prep.points)
        return record if record is None or retried or not record.get("retry") else None

    def _path(self, sub):
        return results.result_path(self.results_dir, results.nbgrader_id(sub.student), sub.assignment)

    def _load(self, assignments):
        """Give the workers (started on first use) the checks of `assignments`; queue their reference runs."""
        if self._pool is None:
            from callbacks_course.sandbox.host.worker import WorkerPool

            self.course.work.mkdir(parents=True, exist_ok=True)
            self._pool = WorkerPool(self.jobs, self.course.sys_path(), log_path=self.course.work / "worker.log",
                                    confine=self.confine, memory_mb=self.memory_mb,
                                    warn=lambda warning: print(f"autograde: warning: {warning}", file=sys.stderr))
        for assignment in sorted(set(assignments) - self._loaded):
            self._loaded.add(assignment)
            items = self.course.items(assignment)
            self._pool.load(assignment, {g: (i.collect, i.expect, float(i.timeout), tuple(i.forbid))
                                         for g, i in items.items()})
            references = [{"op": "expect", "assignment": assignment, "item": g}
                          for g, i in items.items() if i.expect is not None]
            self._pool.submit(references)
            self._references += references

    def _grade_all(self, todo):
        """Every submission's items on the workers (after the reference runs); yield (prep, record) as done."""
        expected = self._expected
        for prep in todo:
            if not prep.tasks:
                yield prep, self._record(prep, {}, expected)
        tasks = [{"op": "grade", "assignment": p.sub.assignment, "items": p.tasks, "index": n}
                 for n, p in enumerate(todo) if p.tasks]
        if not tasks:
            return
        self._load({task["assignment"] for task in tasks})  # stale results: not loaded by `prepare`
        # The reference runs were queued first, without a barrier: a worker that is done with them
        # starts grading; a submission graded before the last reference is in waits to be scored.
        waiting, parts = [], {}
        for task, reply in self._pool.run(tasks):
            if task["op"] == "expect":
                reply = {"status": "crashed", "message": reply["worker_error"]} if "worker_error" in reply else reply
                ok = reply.get("status") == "ok"
                if not ok:
                    print(f"autograde: the reference run of {task['item']} failed: {reply.get('message')}",
                          file=sys.stderr)
                expected[task["assignment"], task["item"]] = reply["observed"] if ok else _FAILED
            else:
                done = self._after_worker(todo[task["index"]], task, reply, parts)
                if done is not None:
                    waiting.append(done)
            if len(expected) < len(self._references):
                continue
            for done, answer in waiting:
                yield self._graded(todo[done["index"]], done, answer, expected)
            waiting = []

    def _after_worker(self, prep, task, reply, parts):
        """(task, reply) of a whole submission once all its items are in, else None.

        A worker that dies costs nothing the first time: each item of its task is graded again
        on its own. An item whose worker dies again is final (crashed), so a submission that
        kills workers is cached like any other and never regraded run after run.
        """
        if "worker_error" in reply and "part" not in task:
            print(f"autograde: warning: {reply['worker_error']} while grading {printable(prep.sub.student)!r}; "
                  "grading its items again one by one", file=sys.stderr)
            parts[task["index"]] = {}
            self._pool.submit([dict(task, items=[item], part=True) for item in task["items"]])
            return None
        if "part" not in task:
            return task, reply
        item = task["items"][0]["grade_id"]
        if "worker_error" in reply:
            print(f"autograde: warning: {reply['worker_error']} again while grading {item} of "
                  f"{printable(prep.sub.student)!r}: final", file=sys.stderr)
            reply = {"results": {item: {"status": "crashed", "observed": None, "message": (
                "the grader's worker stopped twice while grading this item (your code may have exhausted "
                "the grading machine); it scores 0")}}}
        results_so_far = parts[task["index"]]
        results_so_far.update(reply["results"])
        if len(results_so_far) < len(prep.tasks):
            return None
        del parts[task["index"]]
        return dict(task, items=prep.tasks), {"results": results_so_far}

    def _graded(self, prep, task, reply, expected):
        """(prep, record) for a worker's reply to a "grade" task."""
        self.sandbox_runs += len(task["items"])
        for grade_id, outcome in reply["results"].items():
            if outcome.pop("check_failed", False):
                print(f"autograde: warning: the check of {grade_id} failed on {printable(prep.sub.student)!r}'s "
                      "answer (scored 0; the traceback is in the worker log)", file=sys.stderr)
        return prep, self._record(prep, reply["results"], expected)

    def _record(self, prep, outcomes, expected):
        items = self.course.items(prep.sub.assignment)
        rows = dict(prep.items)
        for grade_id, outcome in outcomes.items():
            exp = expected.get((prep.sub.assignment, grade_id))
            if prep.variant and outcome["status"] == "ok":  # the student's letters, as original options
                outcome = dict(outcome, observed=prep.variant.observed(items[grade_id], outcome["observed"]))
            rows[grade_id] = _score(items[grade_id], prep.points[grade_id], outcome, exp)
        # an instructor-side failure is kept for `merge` but not reused by `grade`: graded again next run
        retry = sorted(grade_id for grade_id, row in rows.items() if row.pop("retry", False))
        record = {"key": prep.key, "student": prep.sub.student, "assignment": prep.sub.assignment,
                  "items": rows, "engine": ENGINE_VERSION, **({"retry": retry} if retry else {})}
        results.save(self._path(prep.sub), record)
        return record

    def _finish(self, prep, record, done, total, cached):
        """nbgrader autograde + feedback for one submission, then the progress line."""
        sub = prep.sub
        feedback = self.out / "feedback" / sub.student / sub.assignment
        if prep.copies:
            if not (cached and record.get("gradebook") and feedback.is_dir()):
                try:
                    record["gradebook"] = self._nbgrader(prep, feedback)
                except Exception as exc:  # keep the engine's scores; the next run tries nbgrader again
                    print(f"autograde: warning: nbgrader could not autograde {sub.student!r} {sub.assignment}: "
                          f"{str(exc).splitlines()[0]}", file=sys.stderr)
                    record["gradebook"] = None
                results.save(self._path(sub), record)
        self._records[sub.student, sub.assignment] = record
        self.log(progress(sub, record, done, total, cached))

    def _nbgrader(self, prep, feedback):
        import nbformat
        from nbgrader.api import Gradebook

        sub = prep.sub
        sid = results.nbgrader_id(sub.student)
        root = self.course.nbgrader_root
        submitted = root / "submitted" / sid / sub.assignment
        shutil.rmtree(submitted, ignore_errors=True)
        submitted.mkdir(parents=True)
        for notebook, nb in prep.copies.items():
            nbformat.write(nb, str(submitted / f"{notebook}.ipynb"))
        api = self.course.api(release_directory=GRADING_RELEASE)
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
            submission = gb.find_submission(sub.assignment, sid)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    scores[grade.name] = grade.score
        return scores

    def _write_csvs(self, prepared):
        self.out.mkdir(parents=True, exist_ok=True)
        grade_rows, item_rows, choice_rows = [], [], []
        for prep in prepared:
            record = self._records[prep.sub.student, prep.sub.assignment]
            book = record.get("gradebook") or {}
            total = maximum = 0.0
            for grade_id, row in record["items"].items():
                score = float(book.get(grade_id, row["score"]))
                total += score
                maximum += row["max_score"]
                item_rows.append([prep.sub.student, prep.sub.assignment, grade_id, _fmt(score), _fmt(row["max_score"]),
                                  row["status"], row["message"]])
                if row.get("choices"):
                    choice_rows.append([prep.sub.student, prep.sub.assignment, grade_id, row["choices"]])
            grade_rows.append([prep.sub.student, prep.sub.assignment, _fmt(total), _fmt(maximum)])
        for name, columns, rows in (("grades.csv", GRADE_COLUMNS, grade_rows), ("items.csv", ITEM_COLUMNS, item_rows),
                                    ("choices.csv", CHOICE_COLUMNS, choice_rows)):
            csv_safe.write_rows(self.out / name, columns, sorted(rows))


def check_arguments(submissions, jobs):
    """`submissions` as a Path; UsageError when it is not a folder or `jobs` < 1."""
    submissions = pathlib.Path(submissions)
    if not submissions.is_dir():
        raise UsageError(f"{submissions} is not a folder of submissions")
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    return submissions


def grade(course, submissions, out, jobs=1, confine=True, memory_mb=2048, log=print):
    """Grade every submission under `submissions`; write CSVs and feedback into `out`.

    Args:
        course: the `Course`.
        submissions: folder `<student_id>/<assignment>/<notebook>.ipynb`.
        out: folder for grades.csv, items.csv and feedback/.
        jobs: parallel grading workers.
        confine: run student code in the jail (bubblewrap, cgroups); on by default.
        memory_mb: memory of one item's jailed processes together.
        log: called with each progress line.

    Returns:
        The `Grader` (its `sandbox_runs` counts the items graded in jails this run).
    """
    submissions = check_arguments(submissions, jobs)
    grader = Grader(course, out, jobs=jobs, confine=confine, memory_mb=memory_mb, log=log)
    grader.run(submissions)
    return grader
