"""The contract between graded notebooks and the grading engine (`python -m autograde`).

A graded item is one nbgrader test cell (its `grade_id`). The engine grades it in three steps:

1. `expect()` (optional) runs once per grading run in a clean sandboxed process, with no
   student code: a reference run (for example Keras's own `EarlyStopping`). Returns plain
   JSON-able data.
2. In a fresh sandboxed process per student and item: the source notebook's locked setup
   cells run, then the student's answer cells named in `answer_cells`, then
   `collect(namespace)` observes what the student's code does (a real training run, the files
   it writes, ...) and returns plain JSON-able observations. Raise `GradingError` with a
   teaching message when the answer cannot be graded ("BatchTimer is not defined").
3. `score(observed, expected)` runs in the trusted grading process and returns a `Result`.

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
    """

    fraction: float
    message: str

    def __post_init__(self):
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must be within [0, 1], got {self.fraction}")


@dataclasses.dataclass(frozen=True)
class Item:
    """How the engine grades the test cell `grade_id`.

    Args:
        grade_id: the nbgrader grade_id of the test cell.
        answer_cells: grade_ids of the solution cells whose student code this item runs.
        collect: `collect(namespace) -> observations`, run in the student's sandbox.
        score: `score(observations, expected) -> Result`, run in the trusted process.
        expect: `expect() -> expected`, run once per grading run in a clean sandbox; None
            when `score` needs no reference run (`expected` is then None).
        timeout: seconds the student's sandbox may take before the item scores 0.
        forbid: dotted names of Keras classes disabled in the student's process for this item
            (e.g. `("keras.callbacks.EarlyStopping",)` where the exercise is to write it from
            scratch); see `student_side.forbid`.
    """

    grade_id: str
    answer_cells: tuple
    collect: Callable[[dict], Any]
    score: Callable[[Any, Any], Result]
    expect: Optional[Callable[[], Any]] = None
    timeout: float = 60.0
    forbid: tuple = ()
