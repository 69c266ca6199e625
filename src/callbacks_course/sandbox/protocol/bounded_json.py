"""JSON from untrusted bytes with a size cap and a nesting-depth cap, failing with one error type.

`json.loads` raises `RecursionError` on deeply nested input and reads files of any size;
a FIFO opened for reading blocks forever. Everything the trusted process reads from a
submission, a worker, a result file or (`wire`) the jail goes through here instead: the size is checked before
anything is read, the nesting depth before anything is parsed, and only regular files are
opened (never through a symbolic link). Every failure is a `BoundedJSONError` whose message
is one line, fit to show a student.

Example:

```python
from callbacks_course.sandbox import limits
from callbacks_course.sandbox.protocol import bounded_json

try:
    nb = bounded_json.load_file("alice/quiz.ipynb", max_bytes=limits.NOTEBOOK_BYTES)
    reply = bounded_json.loads(line, max_bytes=64 * 1024, max_depth=16)
except bounded_json.BoundedJSONError as exc:
    print(f"unreadable: {exc}")
```
"""

import json
import os
import re
import stat

from callbacks_course.sandbox import limits

# A JSON string (escapes included), or one bracket: what the depth scan looks at.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link"))


class BoundedJSONError(ValueError):
    """Input that is not JSON within the limits, or a file that is not a readable regular file."""


def _size(count):
    return f"{count / 1024 / 1024:g} MB" if count >= 1024 * 1024 else f"{count} bytes"


def kind(mode):
    """What an `os.lstat` mode is, in words ("a FIFO (named pipe)", ...); "a file" for a regular file."""
    return next((name for test, name in _KINDS if test(mode)), "a file" if stat.S_ISREG(mode) else "a special file")


def _outside_strings(text):
    """The pieces of `text` (JSON without a backslash) outside its strings."""
    start = 0
    while (opening := text.find('"', start)) != -1:
        yield text[start:opening]
        start = text.find('"', opening + 1) + 1
        if not start:  # a string that never ends: not JSON, which `json.loads` says
            return
    yield text[start:]


def nesting_depth(text):
    """The deepest nesting of arrays and objects in JSON `text` (0 for a scalar), without recursion."""
    if "\\" in text:  # escapes: strings are told apart token by token
        brackets = [token.group() for token in _TOKENS.finditer(text)]
    else:  # every quote opens or closes a string: hop over strings (fast on long ones: base64 arrays)
        brackets = _BRACKETS.findall("".join(_outside_strings(text)))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads(data, *, max_bytes=limits.JSON_BYTES, max_depth=limits.JSON_DEPTH, allow_nan=True):
    """Parse JSON `data` (bytes as UTF-8, or str) within the limits.

    Args:
        data: the JSON text, bytes or str.
        max_bytes: the largest accepted size (of the UTF-8 bytes).
        max_depth: the deepest accepted nesting of arrays and objects.
        allow_nan: accept `NaN`, `Infinity` and `-Infinity` (as `json.loads` does).

    Returns:
        The parsed value (dict, list, str, int, float, bool or None).

    Raises:
        BoundedJSONError: too large, too deeply nested, not UTF-8, or not valid JSON.

    Example:

    ```python
    loads(b'{"status": "ok"}', max_bytes=1024, max_depth=4)   # -> {"status": "ok"}
    ```
    """
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise BoundedJSONError(f"it is larger than the limit of {_size(max_bytes)} ({size} bytes)")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BoundedJSONError(f"it is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x})") from None
    if not data.strip():
        raise BoundedJSONError("it is empty")
    if nesting_depth(data) > max_depth:
        raise BoundedJSONError(f"it nests lists or objects more than {max_depth} deep")

    def refuse(name):
        raise BoundedJSONError(f"it contains {name}, which is not JSON")

    try:
        return json.loads(data, parse_constant=None if allow_nan else refuse)
    except ValueError as exc:
        if isinstance(exc, BoundedJSONError):
            raise
        raise BoundedJSONError(f"it is not valid JSON ({exc})") from None
    except RecursionError:  # unreachable within max_depth; kept so that no RecursionError can escape
        raise BoundedJSONError(f"it nests lists or objects more than {max_depth} deep") from None


def read_regular_file(path, *, max_bytes=limits.JSON_BYTES):
    """The bytes of `path`, which must be a regular file (not a link, FIFO, device...) of at most `max_bytes`.

    The type is checked with `lstat` before opening, then again on the open descriptor (opened
    with `O_NOFOLLOW | O_NONBLOCK`, so neither a swapped-in link nor a FIFO can block or redirect
    the read); at most `max_bytes + 1` bytes are ever read.

    Args:
        path: the file.
        max_bytes: the largest accepted size.

    Raises:
        BoundedJSONError: missing, not a regular file, too large, or unreadable.

    Example:

    ```python
    raw = read_regular_file("alice/quiz.ipynb", max_bytes=limits.NOTEBOOK_BYTES)
    ```
    """
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        raise BoundedJSONError(f"it cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise BoundedJSONError(f"it is {kind(mode)}, not a regular file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise BoundedJSONError(f"it cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BoundedJSONError(f"it is {kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise BoundedJSONError(f"it is larger than the limit of {_size(max_bytes)} ({info.st_size} bytes)")
        data = read_at_most(fd, max_bytes)
    except OSError as exc:
        raise BoundedJSONError(f"it cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # grew while being read
        raise BoundedJSONError(f"it is larger than the limit of {_size(max_bytes)}")
    return data


def read_at_most(fd, limit):
    """The bytes of the open file `fd`, read up to `limit` + 1 of them (more than `limit`: too large).

    Example:

    ```python
    data = read_at_most(fd, 1024)   # len(data) > 1024 when the file is larger
    ```
    """
    chunks, total = [], 0
    while total <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def load_file(path, *, max_bytes=limits.JSON_BYTES, max_depth=limits.JSON_DEPTH, allow_nan=True):
    """`loads` of a regular file read by `read_regular_file` (same arguments, same single error type).

    Example:

    ```python
    record = load_file(".autograde/results/3f2a.json", max_depth=8)
    ```
    """
    return loads(read_regular_file(path, max_bytes=max_bytes), max_bytes=max_bytes, max_depth=max_depth,
                 allow_nan=allow_nan)
