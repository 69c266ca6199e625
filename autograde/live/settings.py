"""The grading service's settings: which assignments are graded on submit, how often, which submission counts.

The instructor's file (`grading-on-submit.json` in the course folder; `classroom.py setup` writes
one with every assignment) is read again whenever it changes; a broken file keeps the last good
settings and its error is shown on the instructor's status page.

```json
{
  "slots": 2,
  "default": {"grade_on_submit": true, "per_hour": 4, "counts": "last"},
  "assignments": {
    "callbacks_quiz": {"per_hour": 3},
    "callbacks_lab": {"counts": "best"},
    "final_exam": {"grade_on_submit": false}
  }
}
```

Per assignment (each falls back to `default`):

- `grade_on_submit`: grade each submission when it arrives; false for an exam (graded after
  the deadline with the formgrader, as without the service). An exam release
  (`python -m autograde release --exam`) turns it off for every assignment.
- `per_hour`: graded submissions a student gets per assignment in any 60 minutes; a submission
  over the limit waits, and the student is told when it will be graded.
- `counts`: `last` (the gradebook and the LMS get the latest graded submission, as nbgrader's
  collect) or `best` (the highest score so far).

`slots` is how many submissions (of different students) are graded at once.
"""

import dataclasses
import os

from callbacks_course.sandbox.protocol import bounded_json

FILE_NAME = "grading-on-submit.json"
COUNTS = ("last", "best")
MAX_SLOTS = 8
MAX_PER_HOUR = 1000


class SettingsError(ValueError):
    """The settings file cannot be used; the message says where and why."""


@dataclasses.dataclass(frozen=True)
class Policy:
    """What the service does with one assignment's submissions."""

    grade_on_submit: bool = True
    per_hour: int = 4
    counts: str = "last"


DEFAULT = Policy()


@dataclasses.dataclass(frozen=True)
class Settings:
    """The whole file: `slots` and a `Policy` per assignment (`policy(assignment)`)."""

    slots: int = 2
    default: Policy = DEFAULT
    assignments: tuple = ()  # ((assignment, Policy), ...)

    def policy(self, assignment):
        return dict(self.assignments).get(assignment, self.default)


def _policy(data, base, where):
    if not isinstance(data, dict):
        raise SettingsError(f"{where}: expected an object like {{\"per_hour\": 4}}")
    unknown = set(data) - {f.name for f in dataclasses.fields(Policy)}
    if unknown:
        raise SettingsError(f"{where}: unknown setting {sorted(unknown)[0]!r} "
                            "(known: grade_on_submit, per_hour, counts)")
    values = dataclasses.asdict(base) | data
    if not isinstance(values["grade_on_submit"], bool):
        raise SettingsError(f"{where}.grade_on_submit: true or false")
    per_hour = values["per_hour"]
    if isinstance(per_hour, bool) or not isinstance(per_hour, int) or not 1 <= per_hour <= MAX_PER_HOUR:
        raise SettingsError(f"{where}.per_hour: a whole number from 1 to {MAX_PER_HOUR}")
    if values["counts"] not in COUNTS:
        raise SettingsError(f"{where}.counts: \"last\" or \"best\"")
    return Policy(**values)


def parse(data):
    """`Settings` from the decoded file; SettingsError naming the bad entry."""
    if not isinstance(data, dict):
        raise SettingsError("the file must hold one JSON object")
    unknown = set(data) - {"slots", "default", "assignments"}
    if unknown:
        raise SettingsError(f"unknown setting {sorted(unknown)[0]!r} (known: slots, default, assignments)")
    slots = data.get("slots", Settings.slots)
    if isinstance(slots, bool) or not isinstance(slots, int) or not 1 <= slots <= MAX_SLOTS:
        raise SettingsError(f"slots: a whole number from 1 to {MAX_SLOTS}")
    default = _policy(data.get("default", {}), DEFAULT, "default")
    assignments = data.get("assignments", {})
    if not isinstance(assignments, dict):
        raise SettingsError("assignments: an object {assignment id: settings}")
    policies = tuple(sorted((str(a), _policy(p, default, f"assignments.{a}")) for a, p in assignments.items()))
    return Settings(slots=slots, default=default, assignments=policies)


def example(assignments):
    """The file `classroom.py setup` writes: the defaults spelled out for every assignment."""
    return {"slots": Settings.slots, "default": dataclasses.asdict(DEFAULT),
            "assignments": {a: dataclasses.asdict(DEFAULT) for a in assignments}}


class SettingsFile:
    """The settings file, read again when its modification time changes.

    Args:
        path: the JSON file; a missing file means the defaults.
    """

    def __init__(self, path):
        self.path = path
        self.error = ""
        self._stamp = None
        self._settings = Settings()

    def current(self):
        """The latest good `Settings`; `error` says why the file on disk, if broken, is not used."""
        try:
            info = os.stat(self.path)
            stamp = (info.st_mtime_ns, info.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                self._settings = Settings() if stamp is None else parse(
                    bounded_json.load_file(self.path, max_bytes=256 * 1024, max_depth=6))
                self.error = ""
            except (SettingsError, bounded_json.BoundedJSONError) as exc:
                self.error = f"{self.path}: {exc}; the previous settings stay in force"
        return self._settings
