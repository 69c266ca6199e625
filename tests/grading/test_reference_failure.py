"""A reference run that fails is the instructor's fault: its items say so, are not cached, and the
next run (after the fix) grades them; the student's other items are graded normally meanwhile."""

import csv
import os
import shutil

import nbformat
import pytest

from support.grading import REFERENCE, SAMPLE, autograde, submission

pytestmark = pytest.mark.slow

# fails while the variable is set: the fix leaves every file (and so the checks' fingerprint) as it was
BREAKABLE = """

import os as _os

_reference_epochs = reference_epochs


def reference_epochs():
    if _os.environ.get("SAMPLE_BROKEN_REFERENCE"):
        raise RuntimeError("the instructor broke the reference")
    return _reference_epochs()
"""


def items(out):
    with open(out / "items.csv", newline="") as handle:
        return {(r["student_id"], r["item"]): (r["score"], r["status"], r["message"]) for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def runs(sample_release, tmp_path_factory):
    _, released = sample_release
    base = tmp_path_factory.mktemp("reference_failure")
    course = base / "course"
    shutil.copytree(SAMPLE, course)
    checks = course / "autograde" / "assignments" / "sample_checks.py"
    checks.write_text(checks.read_text() + BREAKABLE)
    subs = base / "subs"
    for student in ("ada", "bo"):
        (subs / student / "sample").mkdir(parents=True)
        nbformat.write(submission(released, REFERENCE), str(subs / student / "sample" / "sample.ipynb"))
    os.environ["SAMPLE_BROKEN_REFERENCE"] = "1"
    try:
        broken = autograde("grade", str(subs), "--out", str(base / "broken"), "--jobs", "2", course=course,
                           work=base / "work")
    finally:
        del os.environ["SAMPLE_BROKEN_REFERENCE"]
    repaired = autograde("grade", str(subs), "--out", str(base / "repaired"), course=course, work=base / "work")
    again = autograde("grade", str(subs), "--out", str(base / "again"), course=course, work=base / "work")
    return base, broken, repaired, again


def test_items_needing_the_reference_score_zero_and_say_why(runs):
    base, broken, _, _ = runs
    assert broken.returncode == 0, broken.stderr[-2000:]
    assert "the reference run of ex2_epochs failed" in broken.stderr
    for student in ("ada", "bo"):
        assert items(base / "broken")[student, "ex2_epochs"] == (
            "0", "error", "the reference run failed; tell your instructor")
        assert items(base / "broken")[student, "ex1_basic"][:2] == ("1", "passed")
        assert items(base / "broken")[student, "ex1_hidden"][:2] == ("1", "passed")


def test_the_next_run_grades_them_once_the_reference_is_fixed(runs):
    base, _, repaired, again = runs
    assert repaired.returncode == 0, repaired.stderr[-2000:]
    assert "(cached)" not in repaired.stdout
    assert again.stdout.count("(cached)") == 2
    assert {key: row[:2] for key, row in items(base / "repaired").items()} == {
        (student, item): (points, "passed")
        for student in ("ada", "bo") for item, points in (("ex1_basic", "1"), ("ex1_hidden", "1"), ("ex2_epochs", "2"))}
