"""What the grading service reads from others: the instructor's settings file and the students' inbound folders.

The inbound folders are made here by root (the tests' user) under a scratch exchange; `nobody`
stands for another student (its uid owns nothing here).
"""

import json
import os
import pathlib

import pytest

from autograde.live import inbox
from autograde.live.settings import Policy, SettingsError, SettingsFile, parse

STAMP = "2026-12-02 13:00:00.123456 UTC"


def test_settings_fall_back_to_the_default_then_to_the_built_in_values():
    settings = parse({"slots": 3, "default": {"per_hour": 2},
                      "assignments": {"quiz": {"counts": "best"}, "exam": {"grade_on_submit": False}}})
    assert settings.slots == 3
    assert settings.policy("quiz") == Policy(grade_on_submit=True, per_hour=2, counts="best")
    assert settings.policy("exam") == Policy(grade_on_submit=False, per_hour=2, counts="last")
    assert settings.policy("other") == Policy(per_hour=2)


@pytest.mark.parametrize("data, where", [
    ({"slots": 0}, "slots"),
    ({"slots": True}, "slots"),
    ({"default": {"per_hour": "3"}}, "default.per_hour"),
    ({"assignments": {"quiz": {"counts": "first"}}}, "assignments.quiz.counts"),
    ({"assignments": {"quiz": {"per_hours": 3}}}, "unknown setting 'per_hours'"),
    ({"assignments": {"quiz": {"grade_on_submit": "yes"}}}, "assignments.quiz.grade_on_submit"),
    ({"slot": 2}, "unknown setting 'slot'"),
    ([1, 2], "one JSON object"),
])
def test_a_bad_setting_is_named(data, where):
    with pytest.raises(SettingsError, match=where.replace(".", r"\.")):
        parse(data)


def test_a_broken_file_keeps_the_previous_settings_and_says_why(tmp_path):
    path = tmp_path / "grading-on-submit.json"
    path.write_text(json.dumps({"default": {"per_hour": 7}}))
    settings = SettingsFile(str(path))
    assert settings.current().default.per_hour == 7 and settings.error == ""
    path.write_text('{"default": {"per_hour": 7')
    os.utime(path, ns=(1, 1))
    assert settings.current().default.per_hour == 7
    assert str(path) in settings.error and "previous settings stay in force" in settings.error
    path.unlink()
    assert settings.current().default.per_hour == 4 and settings.error == ""  # no file: the built-in defaults


def _submission(inbound, student, files, stamp=STAMP):
    folder = inbound / f"{student}+quiz+{stamp}+abcdefghijkl"
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_a_folder_is_a_submission_only_of_the_student_who_owns_it(tmp_path):
    me = pathlib.Path("/proc/self").stat().st_uid
    own = _submission(tmp_path, "root", {"quiz.ipynb": b"{}"})
    planted = _submission(tmp_path, "nobody", {"quiz.ipynb": b"{}"})
    (tmp_path / "not-a-submission").mkdir()
    (tmp_path / "root+quiz+yesterday+abc").mkdir()
    entries = {e.name: e for e in inbox.scan(tmp_path)}
    assert me == 0 and entries[own.name].problem == ""
    assert entries[own.name].student == "root" and entries[own.name].assignment == "quiz"
    assert entries[own.name].submitted == pytest.approx(1796216400.123456)
    assert entries[planted.name].problem == "it is named after nobody but belongs to root"
    assert entries["not-a-submission"].problem == "not a folder name nbgrader submit writes"
    assert entries["root+quiz+yesterday+abc"].problem == "its time stamp cannot be read"


def test_collect_copies_regular_files_only_and_never_follows_a_link(tmp_path):
    secret = tmp_path / "solution.ipynb"
    secret.write_text('{"the": "key"}')
    folder = _submission(tmp_path / "inbound", "root", {"timestamp.txt": STAMP.encode(), "lab.ipynb": b"x" * 10})
    (folder / "quiz.ipynb").symlink_to(secret)
    (folder / "submission_secret.txt").symlink_to(secret)
    os.mkfifo(folder / "extra.ipynb")
    (folder / "theirs.ipynb").write_text("{}")
    os.chown(folder / "theirs.ipynb", 65534, 65534)  # nobody's file (a hard link of another student's)
    entry = inbox.parse(folder.name, folder)
    problems = inbox.collect(entry, tmp_path / "copy", ["quiz", "lab", "extra", "theirs", "missing"])
    assert problems == {"quiz.ipynb": "a symbolic link", "submission_secret.txt": "a symbolic link",
                        "extra.ipynb": "not a regular file", "theirs.ipynb": "a file of nobody",
                        "missing.ipynb": "missing"}
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["lab.ipynb", "timestamp.txt"]


def test_collect_refuses_a_folder_swapped_for_a_link(tmp_path):
    real = _submission(tmp_path / "inbound", "root", {"quiz.ipynb": b"{}"})
    entry = inbox.parse(real.name, real)
    real.rename(tmp_path / "elsewhere")
    real.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError):
        inbox.collect(entry, tmp_path / "copy", ["quiz"])
    assert not (tmp_path / "copy").exists()
