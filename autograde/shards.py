"""`grade --shard I/N`: grade and book one of N disjoint parts of a class into a shared results folder.

A student belongs to shard `sha256(student id) mod N` (a stable hash: every machine and every
retry agrees; Python's `hash()` is salted per process), so shards never overlap and together
cover the class. A shard is `grade` for its own students (prepare -> run -> book, in its own
`--work`), then `publish`: its nbgrader gradebook, its feedback and its CSV rows go to
`RESULTS/booked/shard-I/` (written aside, then renamed in: a shared filesystem never shows half a
shard), with `shard.json` naming each booked submission and the fingerprint of what was
submitted. The engine's result files (`results.py`, written atomically) go to RESULTS too, so a
retried shard grades only what is left. `merge` (merge.py) then only combines the shards' bookings.
Each shard also records the submissions folder and N in `RESULTS/class.json`: the whole class.

Example:

```python
shard = Shard.parse("0/3")
grade_shard(Course(work="/tmp/shard0", results="/shared/results"), "/shared/submissions", shard, jobs=8)
```
"""

import contextlib
import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import socket
import sqlite3

from . import results
from .grader import UsageError, check_arguments
from .steps.book import book, feedback_folder
from .steps.prepare import find, prepare
from .steps.run import Workers, result_path, run

MANIFEST = "class.json"
BOOKED = "booked"  # RESULTS/booked/shard-I/: what shard I booked
SHARD_MANIFEST = "shard.json"


def shard_number(student, count):
    """The shard (0 ... count-1) of a student id: sha256, the same on every machine and run."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclasses.dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (0-based, like Slurm's array index and Kubernetes' completion index).

    Args:
        index: this shard's number, 0 <= index < count.
        count: how many shards the class is split into.
    """

    index: int
    count: int

    @classmethod
    def parse(cls, text):
        """`Shard.parse("2/3")`; UsageError unless it reads I/N with 0 <= I < N."""
        index, _, count = str(text).partition("/")
        if not (index.strip().isdigit() and count.strip().isdigit()) or not 0 <= int(index) < int(count):
            raise UsageError(f"--shard {text}: expected I/N with 0 <= I < N (e.g. 0/3, the first of three)")
        return cls(int(index), int(count))

    def holds(self, student):
        return shard_number(student, self.count) == self.index


def record_class(results_dir, submissions, count):
    """Write (or check) `class.json`: the submissions folder and shard count all shards share."""
    manifest = {"submissions": str(pathlib.Path(submissions).resolve()), "shards": count}
    path = pathlib.Path(results_dir) / MANIFEST
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = None
    if known is not None and known != manifest:
        raise UsageError(f"{results_dir} holds results of {known['submissions']} in {known['shards']} shards, "
                         f"not of {manifest['submissions']} in {count}: use another results folder")
    if known is None:
        results.save(path, manifest)


def read_class(results_dir):
    """(submissions folder, shard count) recorded in `results_dir` by the shards; UsageError when there is none."""
    path = pathlib.Path(results_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
        return pathlib.Path(manifest["submissions"]), int(manifest["shards"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"{path} is missing or unreadable: RESULTS must be the --results folder of "
                         "`grade --shard I/N` runs") from None


def shard_folder(results_dir, shard):
    """`RESULTS/booked/shard-I`: where shard I publishes its booking."""
    return pathlib.Path(results_dir) / BOOKED / f"shard-{shard.index}"


def publish(course, shard, prepared, booked, out):
    """Put the shard's booking into `shard_folder`: gradebook.db, feedback/ and shard.json, replaced whole.

    Args:
        course: the shard's `Course` (its nbgrader gradebook, its results folder).
        shard: the `Shard`.
        prepared: the shard's prepared submissions.
        booked: {(student, assignment): {"rows", "retry"}} from `book`.
        out: the folder `book` wrote the feedback into.

    shard.json: {"shard": [I, N], "submissions": [{"student", "assignment", "source", "rows",
    "retry"}]}, one entry per booked submission.
    """
    final = shard_folder(course.results, shard)
    unique = f"{socket.gethostname()}-{os.getpid()}"  # unique on a shared filesystem
    staging, old = final.with_name(f".{final.name}.tmp-{unique}"), final.with_name(f".{final.name}.old-{unique}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if prepared:  # a shard without students has no gradebook (nbgrader never ran)
        with contextlib.closing(sqlite3.connect(course.nbgrader_root / "gradebook.db")) as source, \
                contextlib.closing(sqlite3.connect(staging / "gradebook.db")) as copy:
            source.backup(copy)  # a consistent copy, even of a database in use
    entries = []
    for prep in prepared:
        sub = prep.sub
        if (sub.student, sub.assignment) not in booked:
            continue
        feedback = feedback_folder(out, sub)
        if feedback.is_dir():
            shutil.copytree(feedback, feedback_folder(staging, sub))
        entries.append({"student": sub.student, "assignment": sub.assignment, "source": prep.source,
                        **booked[sub.student, sub.assignment]})
    results.save(staging / SHARD_MANIFEST, {"shard": [shard.index, shard.count], "submissions": entries})
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def grade_shard(course, submissions, shard, jobs=1, confine=True, memory_mb=2048, log=print):
    """Grade and book shard `shard` of `submissions`; publish its booking into `course.results`.

    Args:
        course: the `Course`; its `results` is shared by the shards, its `work` private to this one
            (nbgrader's folder and gradebook, where the shard books).
        shard: the `Shard` to grade.
        submissions, jobs, confine, memory_mb, log: as for `grader.grade` (jobs: the node's CPUs).

    Returns:
        The `Workers` (their `sandbox_runs` counts the items graded in sandboxes this run).
    """
    submissions = check_arguments(submissions, jobs)
    record_class(course.results, submissions, shard.count)
    subs = find(course, submissions, shard.holds)
    out = course.work / BOOKED
    with Workers(course, jobs, confine, memory_mb) as workers:
        workers.load({sub.assignment for sub in subs if not result_path(course, sub).exists()})
        prepared = prepare(course, subs, log)
        booked = book(course, prepared, run(course, prepared, workers), out, log)
    publish(course, shard, prepared, booked, out)
    return workers
