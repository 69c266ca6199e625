"""`Outcome`: what one graded item (or reference run) came to in the sandbox, before `score` sees it.

The jail makes one for every item it runs, the worker one for every reference run; the worker
sends it to the main process as JSON (`as_json`: the keys the grader reads). Its message is
always ours, at most `limits.MESSAGE_CHARS` characters.

Statuses: "ok" (observations for `score`), "fail" (the check's `GradingError`: a teaching
message), "error" (the student's code raised, or a check failed on the student's values),
"timeout" and "crashed" (the item's process, or the worker's work for it, was ended). `retry`
marks the only outcomes that are the machine's or the instructor's fault (the setup cells, a
full disk): graded again on the next run; everything else is final and cached. `check_failed`
marks a check that raised on what the student's code gave it (final, named on stderr).

Example:

```python
Outcome.ok({"durations": [0.1]}).as_json()
# {"status": "ok", "observed": {"durations": [0.1]}, "message": ""}
Outcome("error", message="your code raised ValueError: ...")
```
"""

import dataclasses
from typing import Any

from callbacks_course.sandbox import limits

STATUSES = ("ok", "fail", "error", "timeout", "crashed")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One item's outcome (see the module docstring).

    Args:
        status: one of `STATUSES`.
        observed: the check's JSON-able observations when "ok", else None.
        message: what the student reads; cut to `limits.MESSAGE_CHARS`.
        retry: the instructor's side failed (graded again next run).
        check_failed: the check raised on the student's values (final).
    """

    status: str
    observed: Any = None
    message: str = ""
    retry: bool = False
    check_failed: bool = False

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"no outcome status {str(self.status)[:20]!r}")
        object.__setattr__(self, "message", str(self.message)[:limits.MESSAGE_CHARS])

    @classmethod
    def ok(cls, observed):
        """The outcome of an item whose check observed `observed`."""
        return cls("ok", observed)

    def as_json(self):
        """The outcome as a JSON-able dict; `retry` and `check_failed` appear only when set."""
        data = {"status": self.status, "observed": self.observed, "message": self.message}
        return {**data, **{flag: True for flag in ("retry", "check_failed") if getattr(self, flag)}}
