"""Step 2, `run`: each prepared submission's result, cached or graded on the workers.

`Workers` owns the worker pool (started on first use: TensorFlow's import, the jail), the checks
loaded into it and their reference runs. `run` yields the cached results first, then the
graded ones as they finish; every new result is saved in the results folder (`results.py`).

Example:

```python
with Workers(course, jobs=2) as workers:
    workers.load(["callbacks_lab"])              # start now: overlaps nbgrader's generate
    prepared = prepare(course, subs)
    for done, (prep, record, cached) in enumerate(run(course, prepared, workers), 1):
        print(progress(prep.sub, record, done, len(prepared), cached))
```
"""

import sys

from .. import results
from ..submissions import printable
from .prepare import ENGINE_VERSION
from .score import FAILED, fmt, score_item


def result_path(course, sub):
    """The result file of a `Submission` in `course.results`."""
    return results.result_path(course.results, results.nbgrader_id(sub.student), sub.assignment)


def stored(course, prep, retried=False):
    """The result of a prepared submission in the results folder, None when missing, stale or invalid.

    A result with items to grade again (an instructor-side failure, see `score_item`) counts as
    missing, unless `retried`.
    """
    record = results.load(result_path(course, prep.sub), prep.key, prep.sub.student, prep.sub.assignment,
                          prep.points)
    return record if record is None or retried or not record.get("retry") else None


def progress(sub, record, done, total, cached):
    """The progress line of a graded submission: `[3/24] ada callbacks_quiz 20/20 (cached)`."""
    score = sum(r["score"] for r in record["items"].values())
    maximum = sum(r["max_score"] for r in record["items"].values())
    note = " (cached)" if cached else ""
    return f"[{done}/{total}] {printable(sub.student)} {sub.assignment} {fmt(score)}/{fmt(maximum)}{note}"


def run(course, prepared, workers):
    """Yield (prep, record, cached) for each of `prepared`: cached results first, then graded ones as done."""
    todo = []
    for prep in prepared:
        record = stored(course, prep)
        if record is None:
            todo.append(prep)
        else:
            yield prep, record, True
    for prep, record in workers.grade(todo):
        yield prep, record, False


class Workers:
    """The worker pool that grades items, and the reference runs of the checks it has.

    Args:
        course: the `Course`.
        jobs: parallel workers.
        confine: run student code in the jail (bubblewrap, cgroups).
        memory_mb: memory of one item's jailed processes together.

    `sandbox_runs` counts the items graded in jails. A `with` block closes the pool at its end;
    a long-lived owner (the grading service) calls `close` itself.
    """

    def __init__(self, course, jobs=1, confine=True, memory_mb=2048):
        self.course, self.jobs, self.confine, self.memory_mb = course, jobs, confine, memory_mb
        self.sandbox_runs = 0
        self._pool = None
        self._loaded = set()  # the assignments whose checks the pool has
        self._references = []  # their reference runs, queued on the pool
        self._expected = {}  # (assignment, item) -> a reference run's observation, or FAILED

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        """Start the pool now (TensorFlow's import, the jail), before any submission arrives."""
        if self._pool is None:
            from callbacks_course.sandbox.host.worker import WorkerPool

            self.course.work.mkdir(parents=True, exist_ok=True)
            self._pool = WorkerPool(self.jobs, self.course.sys_path(), log_path=self.course.work / "worker.log",
                                    confine=self.confine, memory_mb=self.memory_mb,
                                    warn=lambda warning: print(f"autograde: warning: {warning}", file=sys.stderr))

    def load(self, assignments):
        """Give the workers (started if need be) the checks of `assignments`; queue their reference runs.

        Nothing starts when every one of `assignments` is loaded already (or there are none).
        """
        for assignment in sorted(set(assignments) - self._loaded):
            self.start()
            self._loaded.add(assignment)
            items = self.course.items(assignment)
            self._pool.load(assignment, {g: (i.collect, i.expect, float(i.timeout), tuple(i.forbid))
                                         for g, i in items.items()})
            references = [{"op": "expect", "assignment": assignment, "item": g}
                          for g, i in items.items() if i.expect is not None]
            self._pool.submit(references)
            self._references += references

    def close(self):
        """Stop the workers."""
        if self._pool:
            self._pool.close()
            self._pool = None
            self._loaded, self._references, self._expected = set(), [], {}

    def grade(self, todo):
        """Every prepared submission's items on the workers (after the reference runs); yield (prep, record)."""
        expected = self._expected
        for prep in todo:
            if not prep.tasks:
                yield prep, self._record(prep, {})
        tasks = [{"op": "grade", "assignment": p.sub.assignment, "items": p.tasks, "index": n}
                 for n, p in enumerate(todo) if p.tasks]
        if not tasks:
            return
        self.load({task["assignment"] for task in tasks})
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
                expected[task["assignment"], task["item"]] = reply["observed"] if ok else FAILED
            else:
                done = self._after_worker(todo[task["index"]], task, reply, parts)
                if done is not None:
                    waiting.append(done)
            if len(expected) < len(self._references):
                continue
            for done, answer in waiting:
                yield self._graded(todo[done["index"]], done, answer)
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

    def _graded(self, prep, task, reply):
        """(prep, record) for a worker's reply to a "grade" task."""
        self.sandbox_runs += len(task["items"])
        for grade_id, outcome in reply["results"].items():
            if outcome.pop("check_failed", False):
                print(f"autograde: warning: the check of {grade_id} failed on {printable(prep.sub.student)!r}'s "
                      "answer (scored 0; the traceback is in the worker log)", file=sys.stderr)
        return prep, self._record(prep, reply["results"])

    def _record(self, prep, outcomes):
        """The result record of `prep` from its items' outcomes, saved in the results folder."""
        items = self.course.items(prep.sub.assignment)
        rows = dict(prep.items)
        for grade_id, outcome in outcomes.items():
            expected = self._expected.get((prep.sub.assignment, grade_id))
            if prep.variant and outcome["status"] == "ok":  # the student's letters, as original options
                outcome = dict(outcome, observed=prep.variant.observed(items[grade_id], outcome["observed"]))
            rows[grade_id] = score_item(items[grade_id], prep.points[grade_id], outcome, expected)
        # an instructor-side failure is kept (a shard books it as an error) but not reused: graded again next run
        retry = sorted(grade_id for grade_id, row in rows.items() if row.pop("retry", False))
        record = {"key": prep.key, "student": prep.sub.student, "assignment": prep.sub.assignment,
                  "items": rows, "engine": ENGINE_VERSION, **({"retry": retry} if retry else {})}
        results.save(result_path(self.course, prep.sub), record)
        return record
