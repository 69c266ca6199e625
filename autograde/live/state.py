"""The grading service's memory, in one SQLite file: every submission it has seen and every score it owes the LMS.

Each change is committed before the service acts on it, so a service killed at any moment
finds on restart what it had: a submission that was being graded is queued again (the
exchange's inbound folder still holds it), a score not yet acknowledged by the LMS is sent
again.

Submission states: `queued`, `waiting` (over the per-hour limit until `not_before`),
`grading`, `graded`, `superseded` (a newer submission of the same assignment arrived before
its grading began), `failed` (the grading crashed twice; reported), `rejected` (not a
submission of the student it names: shown to the instructor only), `invalid` (the student's
folder holds nothing gradable, e.g. a link instead of the notebook), `off` (the assignment is
not graded on submit).

Example:

```python
state = State("/home/teacher/callbacks-course/.autograde/live/state.db")
state.add(entry, "queued")
state.mine("ann")     # ann's submissions, newest first
```
"""

import contextlib
import json
import sqlite3
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    name TEXT PRIMARY KEY,
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    submitted REAL NOT NULL,
    seen REAL NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    crashes INTEGER NOT NULL DEFAULT 0,
    not_before REAL,
    started REAL,
    finished REAL,
    score REAL,
    max_score REAL,
    booked INTEGER NOT NULL DEFAULT 0,
    timings TEXT NOT NULL DEFAULT '{}',
    grader INTEGER
);
CREATE INDEX IF NOT EXISTS by_student ON submissions (student, assignment, state);
CREATE TABLE IF NOT EXISTS passback (
    student TEXT NOT NULL,
    assignment TEXT NOT NULL,
    submission TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    comment TEXT NOT NULL,
    graded_at REAL NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    done REAL,
    PRIMARY KEY (student, assignment)
);
"""
# passback states: pending (to send, maybe retrying), sent, skipped (not in the course, or no LTI launch)


class State:
    """The SQLite file at `path` (created with its tables when missing).

    Args:
        path: the database file.
    """

    def __init__(self, path):
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(submissions)")}
        if "grader" not in columns:  # a state file of the service before its grading servers
            self.db.execute("ALTER TABLE submissions ADD COLUMN grader INTEGER")

    @contextlib.contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ---- submissions -------------------------------------------------------------------------
    def known(self):
        """Names of every submission seen so far."""
        return {row[0] for row in self.db.execute("SELECT name FROM submissions")}

    def add(self, entry, state, message=""):
        """Record a new inbound `entry` (`inbox.Entry`) in `state`."""
        self.db.execute("INSERT OR IGNORE INTO submissions (name, student, assignment, submitted, seen, state, message)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (entry.name, entry.student, entry.assignment, entry.submitted, time.time(), state, message))

    def set(self, name, **fields):
        """Change fields of submission `name` (timings as a dict)."""
        if "timings" in fields:
            fields["timings"] = json.dumps(fields["timings"])
        columns = ", ".join(f"{key} = ?" for key in fields)
        self.db.execute(f"UPDATE submissions SET {columns} WHERE name = ?", (*fields.values(), name))

    def get(self, name):
        row = self.db.execute("SELECT * FROM submissions WHERE name = ?", (name,)).fetchone()
        return _submission(row) if row else None

    def with_state(self, *states):
        """Submissions in any of `states`, oldest first."""
        marks = ", ".join("?" * len(states))
        rows = self.db.execute(f"SELECT * FROM submissions WHERE state IN ({marks}) ORDER BY submitted, name", states)
        return [_submission(row) for row in rows]

    def graded_since(self, student, assignment, since):
        """Start times of `student`'s gradings of `assignment` that began at or after `since`, oldest first."""
        rows = self.db.execute("SELECT started FROM submissions WHERE student = ? AND assignment = ? AND "
                               "state = 'graded' AND started >= ? ORDER BY started", (student, assignment, since))
        return [row[0] for row in rows]

    def best(self, student, assignment):
        """The graded submission of `student`'s `assignment` with the highest score (the latest among equals)."""
        row = self.db.execute("SELECT * FROM submissions WHERE student = ? AND assignment = ? AND state = 'graded' "
                              "ORDER BY score DESC, submitted DESC LIMIT 1", (student, assignment)).fetchone()
        return _submission(row) if row else None

    def mine(self, student=None):
        """Every submission (of `student` only when given), newest first."""
        if student is None:
            rows = self.db.execute("SELECT * FROM submissions ORDER BY submitted DESC, name")
        else:
            rows = self.db.execute("SELECT * FROM submissions WHERE student = ? ORDER BY submitted DESC, name",
                                   (student,))
        return [_submission(row) for row in rows]

    def requeue_interrupted(self):
        """Submissions left `grading` by a service that stopped: queued again (not counted as crashes)."""
        return self.db.execute("UPDATE submissions SET state = 'queued', started = NULL "
                               "WHERE state = 'grading'").rowcount

    # ---- scores owed to the LMS ----------------------------------------------------------------
    def owe(self, student, assignment, submission, score, max_score, comment, graded_at):
        """The score the LMS must get for (student, assignment), replacing one not sent yet."""
        self.db.execute(
            "INSERT INTO passback (student, assignment, submission, score, max_score, comment, graded_at, state,"
            " next_try) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0) ON CONFLICT (student, assignment) DO UPDATE SET"
            " submission = excluded.submission, score = excluded.score, max_score = excluded.max_score,"
            " comment = excluded.comment, graded_at = excluded.graded_at, state = 'pending', attempts = 0,"
            " next_try = 0, message = '', done = NULL",
            (student, assignment, submission, score, max_score, comment, graded_at))

    def due(self, now):
        """Scores to send now."""
        rows = self.db.execute("SELECT * FROM passback WHERE state = 'pending' AND next_try <= ? ORDER BY next_try",
                               (now,))
        return [dict(row) for row in rows]

    def passback_done(self, student, assignment, submission, state, message):
        """Record the outcome of sending `submission`'s score (ignored if a newer score replaced it meanwhile)."""
        self.db.execute("UPDATE passback SET state = ?, message = ?, done = ?, attempts = attempts + 1 "
                        "WHERE student = ? AND assignment = ? AND submission = ?",
                        (state, message, time.time(), student, assignment, submission))

    def passback_retry(self, student, assignment, submission, message, delay):
        self.db.execute("UPDATE passback SET message = ?, attempts = attempts + 1, next_try = ? "
                        "WHERE student = ? AND assignment = ? AND submission = ? AND state = 'pending'",
                        (message, time.time() + delay, student, assignment, submission))

    def passbacks(self, student=None):
        if student is None:
            rows = self.db.execute("SELECT * FROM passback ORDER BY student, assignment")
        else:
            rows = self.db.execute("SELECT * FROM passback WHERE student = ? ORDER BY assignment", (student,))
        return [dict(row) for row in rows]


def _submission(row):
    data = dict(row)
    data["timings"] = json.loads(data["timings"] or "{}")
    return data
