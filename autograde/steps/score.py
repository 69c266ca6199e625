"""Scoring in the trusted process: a worker's outcome of one item becomes its items.csv row.

Example:

```python
row = score_item(item, 2.0, {"status": "ok", "observed": observed, "message": ""}, expected)
row["score"], row["status"]          # 2.0, "passed"
```
"""

import sys

from callbacks_course.grading import Result
from callbacks_course.sandbox import limits

FAILED = object()  # the expected observation of an item whose reference run failed


def points(value):
    """A score rounded to 4 decimals (what the CSVs and result files hold)."""
    return float(f"{value:.4f}")


def fmt(value):
    """A score as the CSVs write it: `2.25`, `4`."""
    return f"{points(value):g}"


def score_item(item, maximum, outcome, expected):
    """The items.csv row of a worker's `outcome` for `item`; `item.score` runs here, in the trusted process.

    Only an instructor-side failure (a reference run, the setup cells, the machine) is marked
    `retry`; anything the student's answer caused is final, in our words.

    Args:
        item: the `Item`.
        maximum: the points of its test cell.
        outcome: {"status", "message", "observed"} from the worker.
        expected: the reference run's observation, `FAILED`, or None (no reference run).
    """
    status, message = outcome["status"], outcome["message"]
    if status == "ok":
        if expected is FAILED:
            return {"score": 0.0, "max_score": maximum, "status": "error", "retry": True,
                    "message": "the reference run failed; tell your instructor"}
        try:
            result = item.score(outcome["observed"], expected)
            if not isinstance(result, Result):
                raise TypeError(f"score returned {type(result).__name__}, not Result")
        except Exception as exc:  # on observations of the student's answer: final (a fixed registry regrades)
            print(f"autograde: warning: the score function of {item.grade_id} failed: {type(exc).__name__}: "
                  f"{str(exc)[:500]}", file=sys.stderr)
            return {"score": 0.0, "max_score": maximum, "status": "error",
                    "message": f"your answer could not be scored: the check failed on what your code gave it "
                               f"({type(exc).__name__}); this item scores 0"}
        fraction = result.fraction
        status = "passed" if fraction >= 1 else "partial" if fraction > 0 else "failed"
        row = {"score": points(fraction * maximum), "max_score": maximum, "status": status,
               "message": result.message[:limits.CHECK_MESSAGE_CHARS]}
        if result.choices:
            row["choices"] = str(result.choices)[:64]
        return row
    if status == "fail":
        status = "failed"
    row = {"score": 0.0, "max_score": maximum, "status": status, "message": str(message)[:limits.CHECK_MESSAGE_CHARS]}
    if outcome.get("retry"):
        row["retry"] = True
    return row
