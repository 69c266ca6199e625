"""The bounded JSON loader, CSV formula escaping and the student-id mapping: small pure functions."""

import csv
import json
import os
import socket

import pytest

from autograde.csv_safe import FORMULA_STARTS, escape, write_rows
from autograde.results import ESCAPED_PREFIX, nbgrader_id
from callbacks_course.sandbox import limits
from callbacks_course.sandbox.protocol.bounded_json import (
    BoundedJSONError,
    load_file,
    loads,
    nesting_depth,
    read_regular_file,
)


@pytest.mark.parametrize("text, depth", [
    ("3", 0), ("[]", 1), ('{"a": [1, {"b": []}]}', 4), ('["[[[", "\\"[{"]', 1), ('"]]]]"', 0),
    # without a backslash strings are hopped over (a wire message's long base64 arrays)
    ('["[[", ["", ["{"]]]', 3), ('{"k": ["]]]"], "s": "' + "A" * 100_000 + '"}', 2), ('[["never ends', 2),
])
def test_nesting_depth_ignores_brackets_in_strings(text, depth):
    assert nesting_depth(text) == depth


def test_loads_parses_within_the_limits():
    assert loads(b'{"status": "ok", "n": [1, 2.5, null]}', max_bytes=64, max_depth=2) == \
        {"status": "ok", "n": [1, 2.5, None]}
    assert loads("[[1]]", max_depth=2) == [[1]]


@pytest.mark.parametrize("data, limits, reason", [
    (b"[" * 100_000 + b"]" * 100_000, {}, "nests lists or objects more than 100 deep"),
    (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, {}, "more than 100 deep"),
    (b"[" * 100_000, {}, "more than 100 deep"),  # unterminated too
    (b"[[[1]]]", {"max_depth": 2}, "more than 2 deep"),
    (b'"' + b"x" * 2000 + b'"', {"max_bytes": 1000}, "larger than the limit of 1000 bytes (2002 bytes)"),
    ("é" * 600, {"max_bytes": 1000}, "larger than the limit"),  # str measured in UTF-8 bytes
    (b"", {}, "it is empty"),
    (b"  \n", {}, "it is empty"),
    (b'{"a": "\xff"}', {}, "not UTF-8 text (byte 7 is 0xff)"),
    (b"{'a': 1}", {}, "not valid JSON"),
    (b"[1, 2", {}, "not valid JSON"),
    (b"[NaN]", {"allow_nan": False}, "contains NaN, which is not JSON"),
    (b"-Infinity", {"allow_nan": False}, "contains -Infinity"),
])
def test_loads_raises_one_error_type(data, limits, reason):
    with pytest.raises(BoundedJSONError, match=reason.replace("(", r"\(").replace(")", r"\)")) as caught:
        loads(data, **limits)
    assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)


def test_nan_is_accepted_by_default_like_json():
    assert str(loads("[NaN]")[0]) == "nan"


def test_load_file_reads_regular_files(tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"key": "k", "items": {}}))
    assert load_file(path, max_depth=2) == {"key": "k", "items": {}}
    assert read_regular_file(path) == path.read_bytes()


def _special(tmp_path, kind):
    path = tmp_path / "special"
    if kind == "FIFO":
        os.mkfifo(path)
    elif kind == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
    elif kind == "folder":
        path.mkdir()
    elif kind == "symlink":
        (tmp_path / "target.json").write_text("{}")
        path.symlink_to(tmp_path / "target.json")
    elif kind == "device":
        return "/dev/zero"
    return path


@pytest.mark.parametrize("kind, reason", [
    ("FIFO", "it is a FIFO (named pipe), not a regular file"),  # opening it would block for ever
    ("socket", "it is a socket, not a regular file"),
    ("folder", "it is a folder, not a regular file"),
    ("symlink", "it is a symbolic link, not a regular file"),
    ("device", "it is a character device, not a regular file"),  # /dev/zero never ends
])
def test_special_files_are_never_opened(tmp_path, kind, reason):
    with pytest.raises(BoundedJSONError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load_file(_special(tmp_path, kind))


def test_size_is_checked_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(limits.NOTEBOOK_BYTES + 1)  # sparse: nothing to read if refused first
    with pytest.raises(BoundedJSONError, match=r"larger than the limit of 5 MB \(5242881 bytes\)"):
        read_regular_file(path, max_bytes=limits.NOTEBOOK_BYTES)
    with pytest.raises(BoundedJSONError, match="cannot be read"):
        read_regular_file(tmp_path / "missing.json")


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_csv_fields_never_start_a_formula(tmp_path, start):
    text = f"{start}HYPERLINK(\"http://x\")"
    write_rows(tmp_path / "t.csv", ["student_id", "message", "score"], [[text, text, "0.5"], ["bob", "ok", 1]])
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["student_id", "message", "score"], ["'" + text, "'" + text, "0.5"], ["bob", "ok", "1"]]
    assert escape("a-b") == "a-b" and escape("'=x") == "''=x"


def test_nbgrader_ids_are_injective():
    old_stand_in = "student-0123456789ab"  # the shape of the old mapping of an unsafe id
    ids = ["alice", "José O'Brien", "spaced id [1]*", "bad*id", old_stand_in, "-1", "+1", ".hidden", " x", "x ",
           "escaped-x"]
    escaped_bad = nbgrader_id("bad*id")
    ids.append(escaped_bad)  # a real student whose id is exactly another one's escaped id
    mapped = [nbgrader_id(student) for student in ids]
    assert len(set(mapped)) == len(ids)
    assert mapped[:2] == ["alice", "José O'Brien"] and nbgrader_id(old_stand_in) == old_stand_in
    assert escaped_bad.startswith(ESCAPED_PREFIX) and len(escaped_bad) == len(ESCAPED_PREFIX) + 64
    assert nbgrader_id(escaped_bad) != escaped_bad
