"""`grade --shard I/N`: grade one of N disjoint parts of a class into a shared results folder.

A student belongs to shard `sha256(student id) mod N` (a stable hash: every machine and every
retry agrees; Python's `hash()` is salted per process), so shards never overlap and together
cover the class. A shard writes only the engine's per-submission result files (`results.py`,
written atomically, so a shared filesystem never shows half a file); a retried shard reuses
every result already there and grades only what is left. `merge` (merge.py) then books them
all into nbgrader's gradebook and writes the CSVs and feedback. Each shard also records the
submissions folder and N in `RESULTS/class.json`, which tells `merge` the whole class.

Example:

```python
shard = Shard.parse("0/3")
grade_shard(Course(work="/tmp/shard0", results="/shared/results"), "/shared/submissions", shard, jobs=8)
```
"""

import dataclasses
import hashlib
import json
import pathlib

from . import results
from .grader import Grader, UsageError, check_arguments, progress

MANIFEST = "class.json"


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
    """The submissions folder recorded in `results_dir` by the shards; UsageError when there is none."""
    path = pathlib.Path(results_dir) / MANIFEST
    try:
        return pathlib.Path(json.loads(path.read_text())["submissions"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"{path} is missing or unreadable: RESULTS must be the --results folder of "
                         "`grade --shard I/N` runs") from None


def grade_shard(course, submissions, shard, jobs=1, confine=True, memory_mb=2048, log=print):
    """Grade shard `shard` of `submissions` into `course.results`: no gradebook, no CSVs.

    Args:
        course: the `Course`; its `results` is shared by the shards, its `work` private to this one.
        shard: the `Shard` to grade.
        submissions, jobs, confine, memory_mb, log: as for `grader.grade` (jobs: the node's CPUs).

    Returns:
        The `Grader` (its `sandbox_runs` counts the items graded in sandboxes this run).
    """
    submissions = check_arguments(submissions, jobs)
    record_class(course.results, submissions, shard.count)
    grader = Grader(course, None, jobs=jobs, confine=confine, memory_mb=memory_mb, log=log)
    prepared = grader.prepare(submissions, shard)
    for done, (prep, record, cached) in enumerate(grader.results(prepared), 1):
        log(progress(prep.sub, record, done, len(prepared), cached))
    return grader
