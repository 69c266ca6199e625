"""`python -m autograde export`: Canvas, Moodle and plain CSV gradebook files from grades.csv and a roster."""

import csv
import subprocess
import sys

import pytest

from autograde import csv_safe
from autograde.csv_safe import FORMULA_STARTS
from autograde.export import FORMATS, ExportError, export
from support.grading import ROOT

GRADES = [("ann", "callbacks_quiz", "18", "20"), ("ann", "callbacks_lab", "27.5", "30"),
          ("ben", "callbacks_quiz", "9", "20"), ("ben", "callbacks_lab", "0", "30"),
          ("mallory", "callbacks_quiz", "20", "20"), ("mallory", "callbacks_lab", "30", "30")]
ROSTER = [
    {"student_id": "ann", "name": "Ann Lee", "email": "ann@uni.example", "canvas_id": "101", "sis_user_id": "S1",
     "sis_login_id": "alee", "section": "A"},
    {"student_id": "ben", "name": "Ben, Jr.", "email": "ben@uni.example", "canvas_id": "102", "sis_user_id": "S2",
     "sis_login_id": "bjr", "section": "A"},
    {"student_id": "cleo", "name": "Cleo Park", "email": "cleo@uni.example", "canvas_id": "103", "sis_user_id": "S3",
     "sis_login_id": "cpark", "section": "B"},
]


@pytest.fixture
def graded(tmp_path):
    """A grade folder (ben missed the lab: every item "missing") and a roster without mallory, with cleo."""
    out = tmp_path / "grades"
    out.mkdir()
    with open(out / "grades.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "assignment", "score", "max_score"])
        writer.writerows(GRADES)
    with open(out / "items.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "assignment", "item", "score", "max_score", "status", "message"])
        writer.writerow(["ben", "callbacks_lab", "ex1_timer", "0", "30", "missing", "no submission"])
        writer.writerow(["ann", "callbacks_lab", "ex1_timer", "27.5", "30", "partial", "close"])
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(ROSTER[0]))
        writer.writeheader()
        writer.writerows(ROSTER)
    return out, roster


def canvas_import(path):
    """Read a file the way Canvas's Gradebook import does: the fixed columns, a Points Possible row,
    one column per assignment; a student row is matched on ID (or SIS User ID) and holds numbers."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assignments = header[5:]
    points = rows[1]
    assert points[0].strip() == "Points Possible"
    students = {}
    for row in rows[2:]:
        assert len(row) == len(header) and (row[1] or row[2])
        students[row[1]] = {a: float(v) for a, v in zip(assignments, row[5:])}
    return dict(zip(assignments, map(float, points[5:]))), students


def moodle_import(path, users):
    """Read a file the way Moodle's CSV grade import does: map the identifier column to a user field
    (email here), each other column to a grade item; a row that matches no user is an error."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        identifier, *items = reader.fieldnames
        assert identifier == "Email address"
        grades = {}
        for row in reader:
            user = users[row[identifier]]  # KeyError: Moodle's "user mapping error"
            grades[user] = {item: float(row[item]) for item in items}
    return grades


def test_canvas_file(graded):
    out, roster = graded
    summary = export(out, "canvas", roster)
    points, students = canvas_import(summary.path)
    assert points == {"callbacks_lab": 30.0, "callbacks_quiz": 20.0}
    assert students == {"101": {"callbacks_lab": 27.5, "callbacks_quiz": 18.0},
                        "102": {"callbacks_lab": 0.0, "callbacks_quiz": 9.0},
                        "103": {"callbacks_lab": 0.0, "callbacks_quiz": 0.0}}
    assert summary.missing == [("ben", "callbacks_lab"), ("cleo", "callbacks_lab"), ("cleo", "callbacks_quiz")]
    assert summary.unrostered == ["mallory"]


def test_moodle_file(graded):
    out, roster = graded
    summary = export(out, "moodle", roster, out=out / "moodle.csv")
    users = {r["email"]: r["student_id"] for r in ROSTER}
    assert moodle_import(summary.path, users) == {
        "ann": {"callbacks_lab": 27.5, "callbacks_quiz": 18.0},
        "ben": {"callbacks_lab": 0.0, "callbacks_quiz": 9.0},
        "cleo": {"callbacks_lab": 0.0, "callbacks_quiz": 0.0}}


def test_cli_lists_missing_and_reports_unrostered(graded):
    out, roster = graded
    done = subprocess.run([sys.executable, "-m", "autograde", "export", str(out), "--format", "csv",
                           "--roster", str(roster)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no submission: cleo callbacks_quiz (0 written)" in done.stdout
    assert "mallory was graded but is not in the roster" in done.stderr
    with open(out / "csv_grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["student_id"], r["total"], r["max_total"]) for r in rows] == [
        ("ann", "45.5", "50"), ("ben", "9", "50"), ("cleo", "0", "50")]


def test_bad_roster_is_a_clear_error(graded, tmp_path):
    out, _ = graded
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAnn,ann@uni.example\n")
    with pytest.raises(ExportError, match="has no column 'student_id'.*--id-column"):
        export(out, "canvas", bad)
    done = subprocess.run([sys.executable, "-m", "autograde", "export", str(out), "--format", "moodle",
                           "--roster", str(bad)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "has no column 'student_id'" in done.stderr
    assert not (out / "moodle_grades.csv").exists()


FORMULA_IDS = [start + "carol" for start in FORMULA_STARTS] + ["'carol", "carol"]
TWINS = list(dict.fromkeys(FORMULA_IDS + [csv_safe.escape(s) for s in FORMULA_IDS]))  # "-carol", "'-carol", ...


def test_escaping_is_one_to_one_and_reading_undoes_it(tmp_path):
    assert len({csv_safe.escape(student) for student in TWINS}) == len(set(TWINS))
    csv_safe.write_rows(tmp_path / "t.csv", ["student_id", "n"], [[student, n] for n, student in enumerate(TWINS)])
    columns, rows = csv_safe.read_rows(tmp_path / "t.csv")
    assert columns == ["student_id", "n"] and [row["student_id"] for row in rows] == TWINS


@pytest.mark.parametrize("fmt", FORMATS)
def test_ids_with_any_first_character_are_exported_with_their_own_grades(tmp_path, fmt):
    """A class whose ids start with each formula character, next to their escaped twins: every grade exact."""
    out = tmp_path / "grades"
    out.mkdir()
    scores = {student: n for n, student in enumerate(TWINS)}  # all different: a mix-up cannot go unseen
    csv_safe.write_rows(out / "grades.csv", ["student_id", "assignment", "score", "max_score"],
                        [[student, "lab", score, 40] for student, score in scores.items()])
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as handle:  # an LMS's roster: ids as they are
        writer = csv.writer(handle)
        writer.writerow(["student_id", "name", "canvas_id"])
        writer.writerows([student, f"Student {n}", str(1000 + n)] for n, student in enumerate(TWINS))
    summary = export(out, fmt, roster)
    assert summary.missing == [] and summary.unrostered == []
    if fmt == "canvas":
        got = {row["ID"]: float(row["lab"]) for row in lms_rows(summary.path)[1:]}
        assert got == {str(1000 + n): float(n) for n in range(len(TWINS))}
    elif fmt == "moodle":  # read as Moodle does: an id with a quote in front would match nobody
        assert {row["Username"]: float(row["lab"]) for row in lms_rows(summary.path)} == {
            s: float(n) for s, n in scores.items()}
    else:  # the spreadsheet file: every formula start quoted, read back exactly
        _, rows = csv_safe.read_rows(summary.path)
        assert {row["student_id"]: float(row["lab"]) for row in rows} == {s: float(n) for s, n in scores.items()}
    if fmt == "csv":
        assert sorted(summary.quoted) == sorted(s for s in TWINS if csv_safe.escape(s) != s)
    else:  # the LMS files: ids as the roster has them, names and Canvas ids need no quote
        assert summary.quoted == []


def lms_rows(path):
    """The rows of a file as an LMS's CSV import reads them: every field as it is."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


CANVAS_EXPORT = """Student,ID,SIS User ID,SIS Login ID,Section,Old Quiz (1234),Current Score
    Points Possible,,,,,10,
"Lee, Ann",101,S1,alee,A,9,90
"Jr., Ben",102,S2,=bjr,A,3,30
Test Student,103,,,A,0,0
"""
MOODLE_EXPORT = """First name,Last name,ID number,Institution,Department,Email address,Username
Ann,Lee,S1,Uni,CS,ann@uni.example,alee
Ben,Jr.,S2,Uni,CS,ben@uni.example,=bjr
"""


def _grades(tmp_path):
    out = tmp_path / "grades"
    out.mkdir()
    csv_safe.write_rows(out / "grades.csv", ["student_id", "assignment", "score", "max_score"],
                        [["alee", "lab", 27.5, 30], ["=bjr", "lab", 12, 30]])
    return out


def test_a_canvas_gradebook_export_is_a_roster_matched_on_the_named_column(tmp_path):
    out, roster = _grades(tmp_path), tmp_path / "canvas.csv"
    roster.write_text(CANVAS_EXPORT, encoding="utf-8")
    summary = export(out, "canvas", roster, id_column="SIS Login ID")
    points, students = canvas_import(summary.path)
    assert points == {"lab": 30.0}
    assert students == {"101": {"lab": 27.5}, "102": {"lab": 12.0}}
    assert summary.missing == [] and summary.unidentified == ["Test Student"]
    with pytest.raises(ExportError, match="has no column 'Login'"):
        export(out, "canvas", roster, id_column="Login")


def test_a_moodle_export_is_a_roster_matched_on_username(tmp_path):
    out, roster = _grades(tmp_path), tmp_path / "moodle.csv"
    roster.write_text(MOODLE_EXPORT, encoding="utf-8")
    summary = export(out, "moodle", roster, id_column="Username")
    users = {"ann@uni.example": "Ann Lee", "ben@uni.example": "Ben Jr."}
    assert moodle_import(summary.path, users) == {"Ann Lee": {"lab": 27.5}, "Ben Jr.": {"lab": 12.0}}
    assert summary.missing == [] and summary.unrostered == []
    done = subprocess.run([sys.executable, "-m", "autograde", "export", str(out), "--format", "csv",
                           "--roster", str(roster), "--id-column", "Username"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "the row of =bjr has a field that starts with a formula character" in done.stderr
    assert {r["student_id"]: r["total"] for r in csv_safe.read_rows(out / "csv_grades.csv")[1]} == {
        "alee": "27.5", "=bjr": "12"}
