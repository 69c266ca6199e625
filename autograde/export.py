"""`export`: the engine's grades as files that LMS gradebook imports accept (Canvas, Moodle, plain CSV).

The instructor gives a roster CSV with a header row, as their LMS exports it or written by hand:

- a **Canvas** gradebook export (`Student, ID, SIS User ID, SIS Login ID, Section, ...`; its
  `Points Possible` and other rows without a Canvas `ID` are not students);
- a **Moodle** export (`First name, Last name/Surname, ID number, Email address`, `Username`);
- a plain file (`student_id`, and optional `name`, `email`, `canvas_id`, `sis_user_id`,
  `sis_login_id`, `section`).

`id_column` (`--id-column`) names the roster column that holds the id the submissions use (the
JupyterHub user name), e.g. `SIS Login ID` or `Username`; the default is `student_id`. Ids are
matched exactly, whatever their first character. One row per roster student, one column per
assignment:

- **canvas**: `Student, ID, SIS User ID, SIS Login ID, Section, <assignment>...`, then a
  `Points Possible` row, as in a Canvas gradebook export that Canvas's Gradebook import reads back
  (it matches a row on ID, SIS User ID or Student name; a new column name creates an assignment).
- **moodle**: `Email address` (or `Username` when the roster has no emails) and one column per
  assignment, for Moodle's "Import grades > CSV file", whose "Identify user by" maps that column
  to the user's email or username; each assignment column is mapped to a grade item.
- **csv**: `student_id, name, email, section, <assignment>..., total, max_total`.

A roster row with an empty id column (Canvas's Test Student) is left out and listed; a roster student without a submission of an assignment scores 0 there and is listed; a graded
student missing from the roster is reported (never dropped silently) and is not written, since
an LMS rejects rows it cannot match. Every file is read and written through `csv_safe`: the
grades come back exactly as `grade` wrote them. The columns an LMS matches rows on (Canvas's `ID`,
`SIS User ID` and `SIS Login ID`, Moodle's email or username) are written as the roster has them, so
that an id such as `-carol` matches; any other field of the written file that starts with a formula
character gets a quote in front (listed as `quoted`: a Canvas name, say, which Canvas does not
match on when the row has its ID; the plain `csv` file, for spreadsheets, quotes every such field).

Example:

```python
summary = export("grades", "canvas", "roster.csv")    # -> grades/canvas_grades.csv
summary.missing     # [("carol", "callbacks_quiz"), ...]   (0 in the file)
summary.unrostered  # ["mallory"]                           (not in the file)
export("grades", "moodle", "moodle_export.csv", id_column="Username")
```
"""

import csv
import dataclasses
import pathlib
import sys

from . import csv_safe

FORMATS = ("canvas", "moodle", "csv")
ROSTER_COLUMNS = ("student_id", "name", "email", "canvas_id", "sis_user_id", "sis_login_id", "section", "username")
LMS_COLUMNS = {  # a roster column an LMS exports (lower case) -> the field it fills
    "student": "name", "id": "canvas_id", "sis user id": "sis_user_id", "sis login id": "sis_login_id",
    "email address": "email", "username": "username", "id number": "sis_user_id",
}
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"


class ExportError(Exception):
    """A roster or grades file the export cannot use; the message says why."""


@dataclasses.dataclass
class Summary:
    """What `export` wrote and what the instructor must look at.

    Args:
        path: the file written.
        missing: (student_id, assignment) of roster students without a submission (0 written).
        unrostered: graded student ids absent from the roster (not written).
        quoted: student ids whose row in the file has a field written with a quote in front.
        verbatim: the file's columns written as the roster has them (the ids its LMS matches on).
        unidentified: names of roster rows with an empty id column (not written).
    """

    path: pathlib.Path
    missing: list
    unrostered: list
    quoted: list = dataclasses.field(default_factory=list)
    unidentified: list = dataclasses.field(default_factory=list)
    verbatim: tuple = ()


def _read(path, what, escaped=True):
    try:
        return csv_safe.read_rows(path, escaped=escaped)
    except OSError as exc:
        raise ExportError(f"{what} {path} cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ExportError(f"{what} {path} is not a UTF-8 CSV file ({exc})") from None


def _fields(row, columns):
    """The `ROSTER_COLUMNS` fields of one roster row, from our column names or an LMS's."""
    fields = dict.fromkeys(ROSTER_COLUMNS, "")
    first = last = ""
    for column in columns:
        value, key = row[column].strip(), column.strip().lower()
        if key in ROSTER_COLUMNS:
            fields[key] = fields[key] or value
        elif key in LMS_COLUMNS:
            fields[LMS_COLUMNS[key]] = fields[LMS_COLUMNS[key]] or value
        elif key == "first name":
            first = value
        elif key in ("last name", "surname"):
            last = value
    fields["name"] = fields["name"] or " ".join(part for part in (first, last) if part)
    return fields


def read_roster(path, id_column="student_id"):
    """The roster's students, and the names of its rows without an id (e.g. Canvas's Test Student).

    Args:
        path: the roster CSV, as it is (never unescaped: an LMS wrote it).
        id_column: the column holding the submissions' student ids, matched exactly (not stripped).

    Returns:
        `(students, unidentified)`: dicts with every `ROSTER_COLUMNS` key (missing ones empty), in
        file order, and the names (or line numbers) of the rows left out.
    """
    columns, rows = _read(path, "roster", escaped=False)
    if id_column not in columns:
        raise ExportError(f"roster {path} has no column {id_column!r} (has: {', '.join(columns) or 'none'}); "
                          "name the column of the students' ids with --id-column")
    canvas = "ID" in columns and "Student" in columns
    roster, unidentified, seen = [], [], set()
    for number, row in enumerate(rows, start=2):
        if canvas and not row["ID"].strip() and id_column != "ID":
            continue  # Canvas's "Points Possible" (and posting policy) rows
        entry = _fields(row, columns)
        entry["student_id"] = row[id_column]
        if not entry["student_id"].strip():
            unidentified.append(entry["name"] or f"line {number}")
            continue
        if entry["student_id"] in seen:
            raise ExportError(f"roster {path}, line {number}: {id_column} {entry['student_id']!r} appears twice")
        seen.add(entry["student_id"])
        roster.append(entry)
    return roster, unidentified


def read_grades(folder):
    """({(student_id, assignment): score}, {assignment: max_score}) from `folder/grades.csv`.

    A submission that `grade` found missing (every item of it "missing" in items.csv) is left out.
    """
    path = pathlib.Path(folder) / "grades.csv"
    if not path.is_file():
        raise ExportError(f"grades file {path} does not exist")
    columns, rows = _read(path, "grades file")
    needed = {"student_id", "assignment", "score", "max_score"}
    if not needed <= set(columns):
        raise ExportError(f"{path} is not a grades.csv of `python -m autograde grade` "
                          f"(needs columns {', '.join(sorted(needed))})")
    scores, maxima = {}, {}
    for row in rows:
        scores[row["student_id"], row["assignment"]] = float(row["score"])
        maxima[row["assignment"]] = max(maxima.get(row["assignment"], 0.0), float(row["max_score"]))
    # `grade` scores a student without a folder for an assignment 0, every item "missing"
    if (path.parent / "items.csv").is_file():
        _, items = _read(path.parent / "items.csv", "items file")
        statuses = {}
        for row in items:
            statuses.setdefault((row["student_id"], row["assignment"]), set()).add(row["status"])
        for key, seen in statuses.items():
            if seen == {"missing"}:
                scores.pop(key, None)
    return scores, maxima


def _number(value):
    return f"{float(value):g}"


def _table(fmt, roster, assignments, maxima, score_of):
    if fmt == "canvas":
        header = CANVAS_FIXED + assignments
        rows = [[POINTS_POSSIBLE, "", "", "", ""] + [_number(maxima[a]) for a in assignments]]
        rows += [[s["name"] or s["student_id"], s["canvas_id"], s["sis_user_id"], s["sis_login_id"], s["section"]]
                 + [score_of(s, a) for a in assignments] for s in roster]
    elif fmt == "moodle":
        by_email = all(s["email"] for s in roster)
        header = ["Email address" if by_email else "Username"] + assignments
        rows = [[s["email"] if by_email else s["username"] or s["student_id"]] + [score_of(s, a) for a in assignments]
                for s in roster]
    else:
        header = ["student_id", "name", "email", "section"] + assignments + ["total", "max_total"]
        rows = []
        for s in roster:
            marks = [score_of(s, a) for a in assignments]
            rows.append([s["student_id"], s["name"], s["email"], s["section"]] + marks
                        + [_number(sum(map(float, marks))), _number(sum(maxima[a] for a in assignments))])
    return header, rows


def export(folder, fmt, roster_path, out=None, id_column="student_id"):
    """Write the grades of `folder/grades.csv` for `fmt` ("canvas", "moodle" or "csv"); return a Summary.

    Args:
        folder: an `--out` folder of `python -m autograde grade`.
        fmt: the target gradebook.
        roster_path: the roster CSV (see the module docstring).
        out: the file to write (default `folder/<fmt>_grades.csv`).
        id_column: the roster's column of the submissions' student ids.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    roster, unidentified = read_roster(roster_path, id_column)
    scores, maxima = read_grades(folder)
    if fmt == "canvas":
        unmatched = [s["student_id"] for s in roster if not (s["name"] or s["canvas_id"] or s["sis_user_id"])]
        if unmatched:
            raise ExportError(f"Canvas matches rows on name, canvas_id or sis_user_id; the roster has none for "
                              f"{', '.join(unmatched)}")
    assignments = sorted(maxima)
    missing = []

    def score_of(student, assignment):
        key = (student["student_id"], assignment)
        if key not in scores:
            missing.append(key)
        return _number(scores.get(key, 0.0))

    header, rows = _table(fmt, roster, assignments, maxima, score_of)
    verbatim = {"canvas": ("ID", "SIS User ID", "SIS Login ID"), "moodle": (header[0],), "csv": ()}[fmt]
    rostered = {s["student_id"] for s in roster}
    unrostered = sorted({student for student, _ in scores} - rostered)
    path = pathlib.Path(out) if out else pathlib.Path(folder) / f"{fmt}_grades.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_safe.write_rows(path, header, rows, verbatim)
    quoted = [s["student_id"] for s, row in zip(roster, rows[len(rows) - len(roster):])
              if any(csv_safe.escape(field) != str(field) for column, field in zip(header, row)
                     if column not in verbatim)]
    return Summary(path, sorted(missing), unrostered, quoted, unidentified, verbatim)


def run_export(folder, fmt, roster_path, out=None, id_column="student_id"):
    """`python -m autograde export`: write the file, print what the instructor must check; exit status 0."""
    summary = export(folder, fmt, roster_path, out, id_column)
    print(f"wrote {summary.path}")
    for student, assignment in summary.missing:
        print(f"no submission: {student} {assignment} (0 written)")
    for student in summary.unrostered:
        print(f"autograde: warning: {student} was graded but is not in the roster {roster_path}; "
              "not written (add them to the roster)", file=sys.stderr)
    for name in summary.unidentified:
        print(f"autograde: warning: {name} has no {id_column} in the roster; not written", file=sys.stderr)
    for student in summary.quoted:
        print(f"autograde: warning: the row of {student} has a field that starts with a formula character, "
              "written with a quote in front (spreadsheet-safe); the LMS reads that quote too: check the row",
              file=sys.stderr)
    return 0
