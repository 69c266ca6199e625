"""nbgrader's inbound folder, read as untrusted data: who submitted what, and a safe copy of one submission.

`nbgrader submit` leaves `<exchange>/<course>/inbound/<student>+<assignment>+<timestamp>+<random>/`
with the notebooks, `timestamp.txt` and `submission_secret.txt`. The folder is written by the
student, so everything here is checked against the account that owns it: a folder named after
another student, a symbolic link, a FIFO or a file swapped in while it is read is never taken for
a submission (nbgrader's own collect only warns about the owner, and follows links).

Example:

```python
for entry in scan(pathlib.Path("/opt/callbacks-course-hub/exchange/keras-callbacks/inbound")):
    print(entry.name, entry.student, entry.assignment, entry.problem)
copy = collect(entry, pathlib.Path("/tmp/work/ann"), notebooks=["callbacks_quiz"])
```
"""

import dataclasses
import datetime
import errno
import os
import pathlib
import pwd
import stat

from dateutil.parser import parse as parse_time

from callbacks_course.sandbox.limits import NOTEBOOK_BYTES
from callbacks_course.sandbox.protocol import bounded_json

SMALL_FILE_BYTES = 4096  # timestamp.txt and submission_secret.txt
NAME_MAX_CHARS = 255


@dataclasses.dataclass
class Entry:
    """One folder of the inbound folder.

    Args:
        name: the folder's name (unique: nbgrader appends a random string).
        student: the account name the folder claims.
        assignment: the assignment id it claims.
        submitted: the submission time (seconds since the epoch) from the name.
        path: the folder.
        problem: why it is not a submission of `student` (empty when it is).
    """

    name: str
    student: str
    assignment: str
    submitted: float
    path: pathlib.Path
    problem: str = ""


def _owner(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _uid(student):
    try:
        return pwd.getpwnam(student).pw_uid
    except KeyError:
        return None


def parse(name, path):
    """The `Entry` of an inbound folder named `name` at `path` (its owner checked with `lstat`)."""
    parts = name.rsplit("+", 3)
    if len(parts) != 4 or len(name) > NAME_MAX_CHARS or not all(parts[:3]):
        return Entry(name, "", "", 0.0, path, "not a folder name nbgrader submit writes")
    student, assignment, stamp, _ = parts
    try:
        moment = parse_time(stamp)  # nbgrader's "2026-12-02 13:00:00.000000 UTC"; no zone means UTC (as nbgrader)
        submitted = (moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)).timestamp()
    except (ValueError, OverflowError):
        return Entry(name, student, assignment, 0.0, path, "its time stamp cannot be read")
    entry = Entry(name, student, assignment, submitted, path)
    try:
        info = os.lstat(path)
    except OSError as exc:
        entry.problem = f"it cannot be read ({exc.strerror})"
        return entry
    if not stat.S_ISDIR(info.st_mode):
        entry.problem = "it is not a folder"
    elif info.st_uid != _uid(student):
        entry.problem = f"it is named after {student} but belongs to {_owner(info.st_uid)}"
    return entry


def scan(inbound):
    """Every `Entry` of the inbound folder (sorted by submission time); [] when it does not exist yet."""
    try:
        names = os.listdir(inbound)
    except FileNotFoundError:
        return []
    entries = [parse(name, pathlib.Path(inbound) / name) for name in names if not name.startswith(".")]
    return sorted(entries, key=lambda e: (e.submitted, e.name))


def _read(dir_fd, name, limit, uid):
    """(bytes, problem) of the regular file `name` of user `uid` in the open folder `dir_fd`, never following a link."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, "a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_uid != uid:
            return None, f"a file of {_owner(info.st_uid)}"
        if info.st_size > limit:
            return None, f"larger than {limit} bytes"
        data = bounded_json.read_at_most(fd, limit)
        if len(data) > limit:
            return None, f"larger than {limit} bytes"
        return data, ""
    finally:
        os.close(fd)


def collect(entry, dest, notebooks):
    """Copy `entry`'s notebooks, time stamp and secret into the new folder `dest`; {file: problem} of the rest.

    Only regular files owned by the submitting student are copied (read through a descriptor of
    the folder opened without following links, so nothing swapped in meanwhile is read); a
    notebook that is missing, a link or too large is left out and named in the result, and the
    engine then grades it as not submitted.

    Args:
        entry: a submission (`Entry` without a problem).
        dest: the folder to create.
        notebooks: the assignment's notebook names (without `.ipynb`).

    Raises:
        PermissionError: the folder is not (or no longer) the student's own.
    """
    uid = _uid(entry.student)
    dir_fd = os.open(entry.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    problems = {}
    try:
        info = os.fstat(dir_fd)
        if info.st_uid != uid:
            raise PermissionError(f"{entry.name} belongs to {_owner(info.st_uid)}, not {entry.student}")
        dest = pathlib.Path(dest)
        dest.mkdir(parents=True)
        files = [(f"{nb}.ipynb", NOTEBOOK_BYTES) for nb in notebooks]
        files += [("timestamp.txt", SMALL_FILE_BYTES), ("submission_secret.txt", SMALL_FILE_BYTES)]
        for name, limit in files:
            data, problem = _read(dir_fd, name, limit, uid)
            if data is None:
                problems[name] = problem
            else:
                (dest / name).write_bytes(data)
    finally:
        os.close(dir_fd)
    return problems
