"""The engine's work cache: one JSON result file per (student, assignment), written atomically.

A result is reused only when its key (sha256 of the engine version, the submitted notebooks
and every file and installed distribution grading depends on, see `dependencies`) still
matches and the file is a well-formed record of that submission, so an interrupted run restarted
grades only what is left, and nothing is graded twice.

Example:

```python
path = result_path(".autograde/results", "alice", "callbacks_quiz")
save(path, {"key": key, "items": {...}})
cached = load(path, key, "alice", "callbacks_quiz", points)   # None when missing, stale or damaged
```
"""

import hashlib
import json
import os
import pathlib
import re
import socket

from callbacks_course.sandbox.protocol import bounded_json

RESULT_MAX_BYTES = 4 * 1024 * 1024
ESCAPED_PREFIX = "escaped-"
_SAFE_ID = re.compile(r"[\w.@+' -]+")


def nbgrader_id(student):
    """The id nbgrader sees for `student`; different students always get different ids.

    An id safe for nbgrader's path globbing that does not start with `ESCAPED_PREFIX` is kept
    as it is; any other id (unsafe characters, or a safe one that starts with the prefix)
    becomes the prefix followed by the full sha256 of the id. So a kept id never equals an
    escaped one, and two escaped ids differ unless sha256 collides.

    Example:

    ```python
    nbgrader_id("alice")               # -> "alice"
    nbgrader_id("spaced id [1]*")      # -> "escaped-5c0b..." (64 hex digits)
    nbgrader_id("escaped-5c0b...")     # -> "escaped-" + sha256 of that id: never the line above
    ```
    """
    kept = (_SAFE_ID.fullmatch(student) and not student.startswith((".", "-", ESCAPED_PREFIX))
            and student.strip() == student)
    return student if kept else ESCAPED_PREFIX + hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()


def result_path(results_dir, student, assignment):
    """The result file of `student`'s `assignment` (named by a hash: any student id is safe).

    Args:
        student: the student's id as nbgrader sees it (`nbgrader_id`).
    """
    digest = hashlib.sha256(f"{student}\0{assignment}".encode()).hexdigest()[:40]
    return pathlib.Path(results_dir) / f"{digest}.json"


def fingerprint(*parts):
    """sha256 of bytes/str parts (None counts as 'missing')."""
    digest = hashlib.sha256()
    for part in parts:
        data = b"\0missing\0" if part is None else part if isinstance(part, bytes) else str(part).encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def load(path, key, student, assignment, points):
    """The cached result at `path` if it is a well-formed record of this submission under `key`, else None.

    A result file is read with `bounded_json` and checked before it is trusted: its key, student
    and assignment match, it scores exactly the items of `points`, each with that maximum and a
    score between 0 and it, and the same holds for nbgrader's gradebook scores it carries. A
    damaged or forged file is therefore discarded (the submission is graded again).

    Args:
        path: the result file (`result_path`).
        key: the submission's cache key (`fingerprint` of everything grading depends on).
        student: the student's id (as in the submissions folder).
        assignment: the assignment id.
        points: {grade_id: points} of the assignment's test cells.
    """
    try:
        data = bounded_json.load_file(path, max_bytes=RESULT_MAX_BYTES, max_depth=8, allow_nan=False)
    except bounded_json.BoundedJSONError:
        return None
    if not (isinstance(data, dict) and data.get("key") == key and data.get("student") == student
            and data.get("assignment") == assignment and _valid_items(data.get("items"), points)
            and _valid_scores(data.get("gradebook") or {}, points)):
        return None
    return data


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _valid_scores(scores, points):
    """Scores of the items of `points` between 0 and their points (other grade ids are not read)."""
    return isinstance(scores, dict) and all(
        _number(scores[grade_id]) and 0 <= scores[grade_id] <= maximum
        for grade_id, maximum in points.items() if grade_id in scores)


def _valid_items(rows, points):
    return (isinstance(rows, dict) and set(rows) == set(points)
            and all(isinstance(row, dict) and row.get("max_score") == points[grade_id]
                    and isinstance(row.get("status"), str) and isinstance(row.get("message"), str)
                    for grade_id, row in rows.items())
            and _valid_scores({grade_id: row["score"] for grade_id, row in rows.items()}, points))


def save(path, data):
    """Write `data` as JSON atomically (a killed run never leaves half a file)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{socket.gethostname()}-{os.getpid()}")  # unique on a shared filesystem
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)
