"""Hostile, broken and odd submissions graded among honest ones, each with its exact expected score.

One batch of the sample assignment (ex1_basic 1 point, ex1_hidden 1, ex2_epochs 2), graded once
through the CLI with `--jobs 2` in the session's sample class (tests/support/sample_class.py, which
writes these students and test_untrusted_input.py's); every test below reads its rows.
"""

import csv
import pathlib

import pytest

from autograde.csv_safe import unescape
from support.graded_class import CLASS_MARKS
from support.sample_class import DAEMON, OUTSIDE, digest

pytestmark = [pytest.mark.slow, *CLASS_MARKS]


@pytest.fixture(scope="module")
def batch(sample_class):
    return {**sample_class, "expected": sample_class["hostile"]}


def _items(out, students):
    """{(student, item): row} of items.csv for `students` (the class holds test_untrusted_input's too)."""
    with open(out / "items.csv", newline="", encoding="utf-8") as handle:
        return {(unescape(r["student_id"]), r["item"]): r for r in csv.DictReader(handle)
                if unescape(r["student_id"]) in students}


def test_every_case_scores_exactly_as_expected(batch):
    rows = _items(batch["out"], batch["expected"])
    got = {(s, i): (float(r["score"]), r["status"]) for (s, i), r in rows.items()}
    want = {(s, i): (float(score), status) for s, items in batch["expected"].items()
            for i, (score, status) in items.items()}
    assert got == want


def test_grades_csv_totals(batch):
    with open(batch["out"] / "grades.csv", newline="", encoding="utf-8") as handle:
        totals = {unescape(r["student_id"]): float(r["score"]) for r in csv.DictReader(handle)
                  if unescape(r["student_id"]) in batch["expected"]}
    assert totals == {s: float(sum(score for score, _ in items.values())) for s, items in batch["expected"].items()}


def test_messages_say_why(batch):
    rows = _items(batch["out"], batch["expected"])
    assert "did not finish in time" in rows["endless_loop", "ex1_basic"]["message"]
    assert "did not finish in time" in rows["ignores_sigint", "ex1_basic"]["message"]
    assert "a crash" in rows["segfault", "ex1_hidden"]["message"]
    assert "ended before it was graded" in rows["os_exit", "ex2_epochs"]["message"]
    assert "too much memory" in rows["memory_hog", "ex2_epochs"]["message"]
    assert "broke the grading protocol" in rows["forges_replies", "ex1_basic"]["message"]
    assert "<Yes object>" in rows["lying_eq_object", "ex1_basic"]["message"]
    assert "not valid JSON" in rows["not_json", "ex1_basic"]["message"]
    assert "sample.ipynb was not submitted" in rows["missing_notebook", "ex2_epochs"]["message"]
    assert "no submission of sample" in rows["empty_folder", "ex1_basic"]["message"]
    assert "symbolic link" in rows["symlinked_folder", "ex1_basic"]["message"]


def test_no_message_reveals_the_key_or_check_code(batch):
    text = (batch["out"] / "items.csv").read_text()
    for secret in ("KEY", "Traceback", 'File "', "1000000000001"):
        assert secret not in text
    assert "sample_checks" not in text


def test_nothing_outside_the_sandbox_changed(batch):
    assert digest(batch["subs"]) == batch["before"]
    assert not OUTSIDE.exists()
    assert b"pwned" not in (batch["work"] / "course" / "gradebook.db").read_bytes()


def test_no_process_outlives_its_sandbox(batch):
    leftovers = []
    for entry in pathlib.Path("/proc").iterdir():
        try:
            if DAEMON.encode() in (entry / "cmdline").read_bytes():
                leftovers.append(entry.name)
        except OSError:
            continue
    assert not leftovers


def test_stderr_output_costs_nothing_and_stays_out_of_feedback(batch):
    html = (batch["out"] / "feedback" / "noisy_stderr" / "sample" / "sample.html").read_text()
    assert "Score: 4.0 / 4.0" in html
    assert "output_stderr" not in html  # the code shows, no stderr stream


def test_feedback_for_odd_student_ids(batch):
    for student in ("José O'Brien", "spaced id [1]*"):
        html = (batch["out"] / "feedback" / student / "sample" / "sample.html").read_text()
        assert "Score: 4.0 / 4.0" in html
