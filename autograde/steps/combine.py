"""`combine`: what the shards booked (`shards.publish`), checked and put together for `merge`.

Nothing is graded or booked again here: no worker, no TensorFlow, no nbgrader autograde.
`bookings` reads each shard's `shard.json` and keeps, per submission of the class, the entry of
the student's own shard whose source fingerprint is still what the submissions folder holds;
`gradebook` copies the booked submissions' rows from the shards' nbgrader gradebooks into one
(nbgrader's ids are UUIDs and each shard has its own assignment, notebook and cell rows: those
are matched by name), and `feedback` copies their feedback folders.

Example:

```python
current, pending = bookings(results_dir, subs, count, notebooks)
gradebook(course.nbgrader_root / "gradebook.db", current)
feedback("grades", current)
```
"""

import contextlib
import dataclasses
import os
import pathlib
import shutil
import sqlite3
import sys

from callbacks_course.sandbox.protocol import bounded_json

from .. import results
from .book import feedback_folder
from .prepare import read

SHARD_MAX_BYTES = 2**31  # one shard's shard.json (rows of every item of its students)


@dataclasses.dataclass
class Booking:
    """A submission as its shard booked it.

    Args:
        sub: the `Submission` (as found in the class's submissions folder now).
        folder: the shard's folder (`shards.shard_folder`): gradebook.db, feedback/.
        rows: {table file: [row]} (`book.rows`).
        retry: the items its shard could not grade (an instructor-side failure).
    """

    sub: object
    folder: pathlib.Path
    rows: dict
    retry: list


def _manifest(folder, index, count):
    """{(student, assignment): entry} of a shard's shard.json; {} (with a warning) when unusable."""
    path = folder / "shard.json"
    if not os.path.lexists(path):
        return {}
    try:
        data = bounded_json.load_file(path, max_bytes=SHARD_MAX_BYTES, max_depth=8)
        if data["shard"] != [index, count]:
            raise ValueError(f"it is shard {data['shard'][0]}/{data['shard'][1]}")
        return {(e["student"], e["assignment"]): e for e in data["submissions"]}
    except (bounded_json.BoundedJSONError, ValueError, KeyError, TypeError, IndexError) as exc:
        print(f"autograde: warning: {path} is unusable ({exc}); its students count as not booked",
              file=sys.stderr)
        return {}


def bookings(results_dir, subs, count, notebooks, shard_of):
    """([Booking] of the submissions their shard booked as they are now, [Submission] of the others).

    Args:
        results_dir: the shards' results folder.
        subs: every `Submission` of the class.
        count: the number of shards.
        notebooks: `notebooks(assignment)` -> the assignment's notebook names.
        shard_of: `shard_of(student, count)` -> the student's shard.
    """
    manifests, current, pending = {}, [], []
    for sub in subs:
        index = shard_of(sub.student, count)
        folder = pathlib.Path(results_dir) / "booked" / f"shard-{index}"
        if index not in manifests:
            manifests[index] = _manifest(folder, index, count)
        entry = manifests[index].get((sub.student, sub.assignment))
        if entry is None or entry.get("source") != read(sub, notebooks(sub.assignment))[1]:
            pending.append(sub)  # its shard has not booked it, or it changed since
            continue
        current.append(Booking(sub, folder, entry["rows"], entry.get("retry") or []))
    return current, pending


def feedback(out, current):
    """Each booking's feedback folder copied to `out/feedback/<student>/<assignment>`."""
    for booking in current:
        source, target = feedback_folder(booking.folder, booking.sub), feedback_folder(out, booking.sub)
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)


# Definitions the target lacks (an assignment, a notebook), copied from the shard.
_DEFINE = """
INSERT OR IGNORE INTO main.course SELECT * FROM shard.course;
INSERT INTO main.assignment (id, name, duedate, course_id)
  SELECT id, name, duedate, course_id FROM shard.assignment WHERE name NOT IN (SELECT name FROM main.assignment);
INSERT INTO main.notebook (id, name, assignment_id, kernelspec)
  SELECT sn.id, sn.name, a.id, sn.kernelspec FROM shard.notebook sn
  JOIN shard.assignment sa ON sa.id = sn.assignment_id JOIN main.assignment a ON a.name = sa.name
  WHERE NOT EXISTS (SELECT 1 FROM main.notebook n WHERE n.assignment_id = a.id AND n.name = sn.name);
"""

# The shard's notebooks matched to the target's by name (assignment, notebook).
_NOTEBOOKS = """
CREATE TEMP TABLE nb_map AS
  SELECT sn.id AS src, n.id AS dst FROM shard.notebook sn
  JOIN shard.assignment sa ON sa.id = sn.assignment_id
  JOIN main.assignment a ON a.name = sa.name JOIN main.notebook n ON n.assignment_id = a.id AND n.name = sn.name;
"""
# Cells the target lacks, copied from the shard.
_DEFINE_CELLS = """
INSERT INTO main.base_cell (id, name, notebook_id, type)
  SELECT sc.id, sc.name, nb_map.dst, sc.type FROM shard.base_cell sc JOIN nb_map ON nb_map.src = sc.notebook_id
  WHERE NOT EXISTS (SELECT 1 FROM main.base_cell c WHERE c.notebook_id = nb_map.dst AND c.name = sc.name
                    AND c.type IS sc.type);
INSERT OR IGNORE INTO main.grade_cells SELECT * FROM shard.grade_cells WHERE id IN (SELECT id FROM main.base_cell);
INSERT OR IGNORE INTO main.solution_cells SELECT * FROM shard.solution_cells WHERE id IN (SELECT id FROM main.base_cell);
INSERT OR IGNORE INTO main.task_cells SELECT * FROM shard.task_cells WHERE id IN (SELECT id FROM main.base_cell);
INSERT INTO main.source_cell (id, name, cell_type, locked, source, checksum, notebook_id)
  SELECT sc.id, sc.name, sc.cell_type, sc.locked, sc.source, sc.checksum, nb_map.dst FROM shard.source_cell sc
  JOIN nb_map ON nb_map.src = sc.notebook_id
  WHERE NOT EXISTS (SELECT 1 FROM main.source_cell c WHERE c.notebook_id = nb_map.dst AND c.name = sc.name);
"""

# The shard's cells matched to the target's by name, and the shard's rows of the booked submissions.
_CELLS_AND_SUBMISSIONS = """
CREATE TEMP TABLE cell_map AS
  SELECT sc.id AS src, c.id AS dst FROM shard.base_cell sc JOIN nb_map ON nb_map.src = sc.notebook_id
  JOIN main.base_cell c ON c.notebook_id = nb_map.dst AND c.name = sc.name AND c.type IS sc.type;
CREATE TEMP TABLE kept AS
  SELECT ssa.id AS id, a.id AS assignment_id FROM shard.submitted_assignment ssa
  JOIN shard.assignment sa ON sa.id = ssa.assignment_id JOIN main.assignment a ON a.name = sa.name
  JOIN temp.wanted w ON w.student = ssa.student_id AND w.assignment = sa.name;
CREATE TEMP TABLE kept_nb AS
  SELECT ssn.id AS id FROM shard.submitted_notebook ssn JOIN kept ON kept.id = ssn.assignment_id;
"""

# The booked submissions: the target's earlier rows of them replaced by the shard's, keeping what an
# instructor graded by hand there (manual scores, extra credit, manual comments), as nbgrader's autograde does.
_COPY = """
INSERT OR IGNORE INTO main.student SELECT * FROM shard.student WHERE id IN (SELECT student FROM temp.wanted);
CREATE TEMP TABLE old AS SELECT sa.id AS id FROM main.submitted_assignment sa
  JOIN main.assignment a ON a.id = sa.assignment_id
  JOIN temp.wanted w ON w.student = sa.student_id AND w.assignment = a.name;
CREATE TEMP TABLE manual AS SELECT sn.assignment_id AS old_id, sa.student_id AS student, sa.assignment_id AS
  assignment_id, sn.notebook_id AS notebook_id, g.cell_id AS cell_id, g.manual_score AS score, g.extra_credit AS extra,
  NULL AS comment FROM main.grade g JOIN main.submitted_notebook sn ON sn.id = g.notebook_id
  JOIN main.submitted_assignment sa ON sa.id = sn.assignment_id
  WHERE sa.id IN (SELECT id FROM old) AND (g.manual_score IS NOT NULL OR g.extra_credit IS NOT NULL)
  UNION ALL SELECT sn.assignment_id, sa.student_id, sa.assignment_id, sn.notebook_id, c.cell_id, NULL, NULL,
  c.manual_comment FROM main.comment c JOIN main.submitted_notebook sn ON sn.id = c.notebook_id
  JOIN main.submitted_assignment sa ON sa.id = sn.assignment_id
  WHERE sa.id IN (SELECT id FROM old) AND c.manual_comment IS NOT NULL;
DELETE FROM main.grade WHERE notebook_id IN
  (SELECT id FROM main.submitted_notebook WHERE assignment_id IN (SELECT id FROM old));
DELETE FROM main.comment WHERE notebook_id IN
  (SELECT id FROM main.submitted_notebook WHERE assignment_id IN (SELECT id FROM old));
DELETE FROM main.submitted_notebook WHERE assignment_id IN (SELECT id FROM old);
DELETE FROM main.submitted_assignment WHERE id IN (SELECT id FROM old);
INSERT INTO main.submitted_assignment (id, assignment_id, student_id, timestamp, extension)
  SELECT ssa.id, kept.assignment_id, ssa.student_id, ssa.timestamp, ssa.extension
  FROM shard.submitted_assignment ssa JOIN kept ON kept.id = ssa.id;
INSERT INTO main.submitted_notebook (id, assignment_id, notebook_id, flagged, late_submission_penalty)
  SELECT ssn.id, ssn.assignment_id, nb_map.dst, ssn.flagged, ssn.late_submission_penalty
  FROM shard.submitted_notebook ssn JOIN kept_nb ON kept_nb.id = ssn.id JOIN nb_map ON nb_map.src = ssn.notebook_id;
INSERT INTO main.grade (id, notebook_id, cell_id, auto_score, manual_score, extra_credit, needs_manual_grade)
  SELECT g.id, g.notebook_id, cell_map.dst, g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade
  FROM shard.grade g JOIN kept_nb ON kept_nb.id = g.notebook_id JOIN cell_map ON cell_map.src = g.cell_id;
INSERT INTO main.comment (id, notebook_id, cell_id, auto_comment, manual_comment)
  SELECT c.id, c.notebook_id, cell_map.dst, c.auto_comment, c.manual_comment
  FROM shard.comment c JOIN kept_nb ON kept_nb.id = c.notebook_id JOIN cell_map ON cell_map.src = c.cell_id;
UPDATE main.grade SET manual_score = m.score, extra_credit = m.extra FROM temp.manual m
  JOIN main.submitted_notebook sn ON sn.notebook_id = m.notebook_id
  JOIN main.submitted_assignment sa ON sa.id = sn.assignment_id AND sa.student_id = m.student
  AND sa.assignment_id = m.assignment_id
  WHERE m.comment IS NULL AND main.grade.notebook_id = sn.id AND main.grade.cell_id = m.cell_id;
UPDATE main.comment SET manual_comment = m.comment FROM temp.manual m
  JOIN main.submitted_notebook sn ON sn.notebook_id = m.notebook_id
  JOIN main.submitted_assignment sa ON sa.id = sn.assignment_id AND sa.student_id = m.student
  AND sa.assignment_id = m.assignment_id
  WHERE m.comment IS NOT NULL AND main.comment.notebook_id = sn.id AND main.comment.cell_id = m.cell_id;
"""

_DROP = "DROP TABLE temp.nb_map; DROP TABLE temp.cell_map; DROP TABLE temp.kept; DROP TABLE temp.kept_nb;" \
        "DROP TABLE temp.old; DROP TABLE temp.manual; DELETE FROM temp.wanted;"


def gradebook(target, current):
    """Copy the gradebook rows of each booking from its shard's gradebook.db into nbgrader's gradebook `target`.

    When `target` is missing, it starts as a copy of the first shard's gradebook without its
    students (nbgrader's schema as nbgrader made it; importing nbgrader would take seconds).
    Assignments, notebooks and cells are matched by name (the target keeps its own rows; ones it
    lacks come from the shard); each booked submission's earlier rows in `target` are replaced
    (what an instructor graded by hand there is kept), its grades and comments moved onto the
    target's cells. One transaction per shard: all of a shard's rows are in, or none.
    """
    target = pathlib.Path(target)
    if current and not target.exists():
        _empty_copy(current[0].folder / "gradebook.db", target)
    by_shard = {}
    for booking in current:
        by_shard.setdefault(booking.folder, []).append(booking.sub)
    db = sqlite3.connect(target, isolation_level=None)
    try:
        db.execute("CREATE TEMP TABLE wanted (student TEXT, assignment TEXT, PRIMARY KEY (student, assignment))")
        for folder, subs in sorted(by_shard.items()):
            db.execute("ATTACH DATABASE ? AS shard", (str(folder / "gradebook.db"),))
            try:
                db.execute("BEGIN")
                db.executemany("INSERT INTO temp.wanted VALUES (?, ?)",
                               [(results.nbgrader_id(sub.student), sub.assignment) for sub in subs])
                for script in (_DEFINE, _NOTEBOOKS, _DEFINE_CELLS, _CELLS_AND_SUBMISSIONS, _COPY, _DROP):
                    _script(db, script)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            finally:
                db.execute("DETACH DATABASE shard")
    finally:
        db.close()


def _empty_copy(source, target):
    """`target`: a copy of the gradebook `source` (nbgrader's schema, its assignments) without its students."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    with contextlib.closing(sqlite3.connect(source)) as shard, contextlib.closing(sqlite3.connect(staging)) as copy:
        shard.backup(copy)
        for table in ("grade", "comment", "submitted_notebook", "submitted_assignment", "student"):
            copy.execute(f"DELETE FROM {table}")
        copy.commit()
    os.replace(staging, target)


def _script(db, script):
    for statement in filter(str.strip, script.split(";")):
        db.execute(statement)
