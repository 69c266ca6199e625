"""The contract between graded notebooks and the grading engine (`python -m autograde`).

A graded item is one nbgrader test cell (its `grade_id`). The engine grades it in three steps:

1. `expect()` (optional) runs once per grading run in the trusted grading worker, with no
   student code: a reference run (for example Keras's own `EarlyStopping`). Returns plain
   JSON-able data.
2. Per student and item, in a fresh confined process forked for it: the source notebook's
   locked setup cells run, then the student's answer cells named in `answer_cells`. Then
   `collect(student)` runs in the trusted worker: it observes what the student's code does
   through `callbacks_course.sandbox.host.remote.Student` (the student's answers as data, their
   callbacks driven through a real training run of the worker's own) and returns plain JSON-able
   observations. Raise
   `GradingError` with a teaching message when the answer cannot be graded ("BatchTimer is not
   defined").
3. `score(observed, expected)` runs in the trusted grading process and returns a `Result`.

Where and how steps 1 and 2 run (the jail, the workers, the protocol, their limits) is
`callbacks_course.sandbox`.

Example:

```python
Item(
    grade_id="ex2_stops",
    answer_cells=("ex2",),
    collect=collect_overfitting_run,
    expect=reference_overfitting_run,
    score=score_overfitting_run,
    timeout=60,
)
```
"""

import dataclasses
from typing import Any, Callable, Optional


class GradingError(Exception):
    """Raised by a check when the answer cannot be graded; its message is shown to the student."""


@dataclasses.dataclass(frozen=True)
class Result:
    """The outcome of one graded item.

    Args:
        fraction: the share of the item's points earned, from 0 to 1.
        message: what the student reads in the feedback and instructors in `items.csv`.
        choices: for a multiple-choice item, the options chosen in their original letters
            (e.g. "AC"), which the report's option analysis counts; empty otherwise.
    """

    fraction: float
    message: str
    choices: str = ""

    def __post_init__(self):
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must be within [0, 1], got {self.fraction}")


@dataclasses.dataclass(frozen=True)
class Item:
    """How the engine grades the test cell `grade_id`.

    Args:
        grade_id: the nbgrader grade_id of the test cell.
        answer_cells: grade_ids of the solution cells whose student code this item runs.
        collect: `collect(student) -> observations`, run in the trusted worker with a
            `sandbox.host.remote.Student` on the student's confined process.
        score: `score(observations, expected) -> Result`, run in the trusted process.
        expect: `expect() -> expected`, run once per grading run in the trusted worker; None
            when `score` needs no reference run (`expected` is then None).
        timeout: seconds the whole item (student code and the check's runs) may take before it
            scores 0.
        forbid: dotted names of Keras classes the student's code must not use (their methods
            raise in the student's process), e.g. `("keras.callbacks.EarlyStopping",)`.
    """

    grade_id: str
    answer_cells: tuple
    collect: Callable[[dict], Any]
    score: Callable[[Any, Any], Result]
    expect: Optional[Callable[[], Any]] = None
    timeout: float = 60.0
    forbid: tuple = ()
