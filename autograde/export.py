"""`export`: the engine's grades as files that LMS gradebook imports accept (Canvas, Moodle, plain CSV).

The instructor gives a roster CSV (a header row; `student_id` is required: the id the submissions
use, i.e. the JupyterHub user name; optional `name`, `email`, `canvas_id`, `sis_user_id`,
`sis_login_id`, `section`). One row per roster student, one column per assignment:

- **canvas**: `Student, ID, SIS User ID, SIS Login ID, Section, <assignment>...`, then a
  `Points Possible` row, as in a Canvas gradebook export that Canvas's Gradebook import reads back
  (it matches a row on ID, SIS User ID or Student name; a new column name creates an assignment).
- **moodle**: `Email address` (or `Username` when the roster has no emails) and one column per
  assignment, for Moodle's "Import grades > CSV file", whose "Identify user by" maps that column
  to the user's email or username; each assignment column is mapped to a grade item.
- **csv**: `student_id, name, email, section, <assignment>..., total, max_total`.

A roster student without a submission of an assignment scores 0 there and is listed; a graded
student missing from the roster is reported (never dropped silently) and is not written, since
an LMS rejects rows it cannot match.

Example:

```python
summary = export("grades", "canvas", "roster.csv")    # -> grades/canvas_grades.csv
summary.missing     # [("carol", "callbacks_quiz"), ...]   (0 in the file)
summary.unrostered  # ["mallory"]                           (not in the file)
```
"""

import csv
import dataclasses
import pathlib
import sys

FORMATS = ("canvas", "moodle", "csv")
ROSTER_COLUMNS = ("student_id", "name", "email", "canvas_id", "sis_user_id", "sis_login_id", "section")
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
    """

    path: pathlib.Path
    missing: list
    unrostered: list


def _read(path, what):
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            return reader.fieldnames or [], rows
    except FileNotFoundError:
        raise ExportError(f"{what} {path} does not exist") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ExportError(f"{what} {path} is not a UTF-8 CSV file ({exc})") from None


def read_roster(path):
    """Roster rows as dicts with every `ROSTER_COLUMNS` key (missing ones empty), in file order."""
    columns, rows = _read(path, "roster")
    if "student_id" not in columns:
        raise ExportError(f"roster {path} needs a student_id column (has: {', '.join(columns) or 'none'})")
    roster, seen = [], set()
    for number, row in enumerate(rows, start=2):
        entry = {key: (row.get(key) or "").strip() for key in ROSTER_COLUMNS}
        if not entry["student_id"]:
            raise ExportError(f"roster {path}, line {number}: empty student_id")
        if entry["student_id"] in seen:
            raise ExportError(f"roster {path}, line {number}: student_id {entry['student_id']!r} appears twice")
        seen.add(entry["student_id"])
        roster.append(entry)
    return roster


def read_grades(folder):
    """({(student_id, assignment): score}, {assignment: max_score}) from `folder/grades.csv`.

    A submission that `grade` found missing (every item of it "missing" in items.csv) is left out.
    """
    path = pathlib.Path(folder) / "grades.csv"
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
        rows = [[s["email"] if by_email else s["student_id"]] + [score_of(s, a) for a in assignments] for s in roster]
    else:
        header = ["student_id", "name", "email", "section"] + assignments + ["total", "max_total"]
        rows = []
        for s in roster:
            marks = [score_of(s, a) for a in assignments]
            rows.append([s["student_id"], s["name"], s["email"], s["section"]] + marks
                        + [_number(sum(map(float, marks))), _number(sum(maxima[a] for a in assignments))])
    return header, rows


def export(folder, fmt, roster_path, out=None):
    """Write the grades of `folder/grades.csv` for `fmt` ("canvas", "moodle" or "csv"); return a Summary.

    Args:
        folder: an `--out` folder of `python -m autograde grade`.
        fmt: the target gradebook.
        roster_path: the roster CSV (see the module docstring).
        out: the file to write (default `folder/<fmt>_grades.csv`).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    roster = read_roster(roster_path)
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
    rostered = {s["student_id"] for s in roster}
    unrostered = sorted({student for student, _ in scores} - rostered)
    path = pathlib.Path(out) if out else pathlib.Path(folder) / f"{fmt}_grades.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return Summary(path, sorted(missing), unrostered)


def run_export(folder, fmt, roster_path, out=None):
    """`python -m autograde export`: write the file, print what the instructor must check; exit status 0."""
    summary = export(folder, fmt, roster_path, out)
    print(f"wrote {summary.path}")
    for student, assignment in summary.missing:
        print(f"no submission: {student} {assignment} (0 written)")
    for student in summary.unrostered:
        print(f"autograde: warning: {student} was graded but is not in the roster {roster_path}; "
              "not written (add them to the roster)", file=sys.stderr)
    return 0
