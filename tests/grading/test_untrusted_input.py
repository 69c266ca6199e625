"""Unreadable files, colliding ids, formula-like text and forged cache files, graded among honest students.

One batch of the sample assignment (ex1_basic 1 point, ex1_hidden 1, ex2_epochs 2) through the
CLI, in the session's sample class (tests/support/sample_class.py, which writes these students and
test_hostile.py's); then some result files are damaged or forged and the batch is graded again.
"""

import csv
import json
import os
import stat

import pytest

from autograde.csv_safe import FORMULA_STARTS, unescape
from support.graded_class import CLASS_MARKS
from support.grading import autograde
from support.sample_class import FORMULAS, ITEMS, NEW_STAND_IN, OLD_STAND_IN

pytestmark = [pytest.mark.slow, *CLASS_MARKS]


@pytest.fixture(scope="module")
def batch(sample_class):
    return {**sample_class, "first": sample_class["done"]}


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _items(out):
    return {(unescape(r["student_id"]), r["item"]): r for r in _rows(out / "items.csv")}


def _scores(out):
    return {key: (float(r["score"]), r["status"]) for key, r in _items(out).items()}


def _want(expected):
    return {(s, i): (float(score), status) for s, items in expected.items() for i, (score, status) in items.items()}


def test_every_student_scores_exactly(batch):
    assert _scores(batch["base"] / "out") == _want(batch["expected"])
    totals = {unescape(r["student_id"]): float(r["score"]) for r in _rows(batch["base"] / "out" / "grades.csv")}
    assert totals == {s: float(sum(score for score, _ in items.values())) for s, items in batch["expected"].items()}


@pytest.mark.parametrize("student, reason", [
    ("deep_metadata", "nests lists or objects more than 100 deep"),
    ("deep_in_a_cell", "nests lists or objects more than 100 deep"),
    ("huge", "larger than the limit of 5 MB"),
    ("empty_file", "it is empty"),
    ("not_utf8", "not UTF-8"),
    ("cells_not_a_list", "no list of cells"),
    ("source_a_number", "has a source of type int"),
    ("metadata_a_list", "has metadata of type list, not an object"),
    ("nbgrader_a_string", "nbgrader metadata of type str"),
    ("grade_id_a_number", "nbgrader grade_id of type int"),
    ("fifo_notebook", "it is a FIFO (named pipe), not a regular file"),
    ("socket_notebook", "it is a socket, not a regular file"),
    ("folder_notebook", "it is a folder, not a regular file"),
    ("symlinked_notebook", "symbolic link"),
    ("device_notebook", "it is a character device, not a regular file"),
    ("symlinked_assignment", "the assignment folder is a symbolic link"),
    ("fifo_folder", "the assignment folder is a FIFO (named pipe), not a folder"),
    ("fifo_student", "the student folder is a FIFO (named pipe), not a folder"),
    ("\tTAB", "control characters"),
])
def test_unreadable_input_has_a_one_line_reason(batch, student, reason):
    if student not in batch["expected"]:
        pytest.skip("creating a device needs CAP_MKNOD")
    rows = _items(batch["base"] / "out")
    for item in ITEMS:
        message = rows[student, item]["message"]
        assert reason in message and "\n" not in message and len(message) < 300


def test_no_field_can_start_a_formula(batch):
    """Ids starting with each formula character are quoted (messages: see test_bounded_json.py)."""
    for name in ("grades.csv", "items.csv"):
        with open(batch["base"] / "out" / name, newline="", encoding="utf-8") as handle:
            fields = [field for row in csv.reader(handle) for field in row]
        assert not [f for f in fields if f.startswith(FORMULA_STARTS)]
    rows = _items(batch["base"] / "out")
    assert rows["=SUM(1+1)", "ex1_basic"]["student_id"] == "'=SUM(1+1)"
    assert rows["-1", "ex1_basic"]["student_id"] == "'-1"
    assert rows["+1", "ex1_basic"]["student_id"] == "'+1" and rows["\tTAB", "ex1_basic"]["student_id"] == "'\tTAB"
    for student, name in FORMULAS.items():
        assert all(name in rows[student, item]["message"] for item in ITEMS)


def test_each_student_keeps_their_own_rows_and_feedback(batch):
    out = batch["base"] / "out"
    for student, score in (("bad*id", "4.0"), (OLD_STAND_IN, "2.25"), (NEW_STAND_IN, "0.0"), ("honest", "4.0"),
                           ("=SUM(1+1)", "0.0"), ("-1", "0.0")):
        html = (out / "feedback" / student / "sample" / "sample.html").read_text()
        assert f"Score: {score} / 4.0" in html


def test_special_files_were_never_opened_or_changed(batch):
    subs = batch["subs"]
    assert stat.S_ISFIFO(os.lstat(subs / "fifo_notebook" / "sample" / "sample.ipynb").st_mode)
    assert stat.S_ISSOCK(os.lstat(subs / "socket_notebook" / "sample" / "sample.ipynb").st_mode)
    assert os.path.islink(subs / "symlinked_notebook" / "sample" / "sample.ipynb")
    assert not (batch["base"] / "out" / "feedback" / "fifo_notebook").exists()
    progress = [line for line in batch["first"].stdout.splitlines() if line.startswith("[")]
    assert len(progress) == len(batch["expected"])  # control characters in ids are printed escaped
    assert any(" \\x09TAB sample 0/4" in line for line in progress)


def _result_file(batch, student):
    from autograde.results import nbgrader_id, result_path

    return result_path(batch["work"] / "results", nbgrader_id(student), "sample")


@pytest.fixture(scope="module")
def regraded(batch):
    """Damage or forge four students' result files, then grade the batch again."""
    def forge(student, change):
        path = _result_file(batch, student)
        record = json.loads(path.read_text())
        change(record)
        path.write_text(json.dumps(record))

    _result_file(batch, "honest").write_text("[" * 100_000)
    forge(OLD_STAND_IN, lambda r: r["items"]["ex1_basic"].update(score=5.0))          # more than its points
    forge("bad*id", lambda r: r.update(student=OLD_STAND_IN))                           # someone else's record
    forge("+1", lambda r: r["gradebook"].update(ex2_epochs=float("nan")))               # not JSON any more
    out = batch["base"] / "out_again"
    again = autograde("grade", str(batch["subs"]), "--out", str(out), work=batch["work"], timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    return out, again


def test_damaged_or_forged_results_are_graded_again(batch, regraded):
    out, again = regraded
    assert _scores(out) == _want(batch["expected"])
    lines = [line for line in again.stdout.splitlines() if line.startswith("[")]
    graded_again = sorted(line.split("] ", 1)[1].rsplit(" sample ", 1)[0] for line in lines
                          if not line.endswith("(cached)"))
    assert len(lines) == len(batch["expected"])
    assert graded_again == sorted(["honest", OLD_STAND_IN, "bad*id", "+1"])
