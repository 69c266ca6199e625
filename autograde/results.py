"""The engine's work cache: one JSON result file per (student, assignment), written atomically.

A result is reused only when its key (sha256 of the engine version, the submitted notebooks,
the source notebooks and the registry module) still matches, so an interrupted run restarted
grades only what is left, and nothing is graded twice.

Example:

```python
path = result_path(".autograde/results", "alice", "callbacks_quiz")
save(path, {"key": key, "items": {...}})
cached = load(path, key)        # None when missing or stale
```
"""

import hashlib
import json
import os
import pathlib
import re
import socket


def nbgrader_id(student):
    """The id nbgrader sees: the student's own when safe for its globbing, else a stable stand-in."""
    if re.fullmatch(r"[\w.@+' -]+", student) and not student.startswith((".", "-")) and student.strip() == student:
        return student
    return "student-" + fingerprint(student)[:12]


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


def load(path, key):
    """The cached result at `path` if its key is `key`, else None."""
    try:
        data = json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def save(path, data):
    """Write `data` as JSON atomically (a killed run never leaves half a file)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{socket.gethostname()}-{os.getpid()}")  # unique on a shared filesystem
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)
