"""The lab's checks: each exercise's callback is run on real Keras training runs and judged.

`CHECKS` maps every graded test cell's grade_id to its `Check` (collect, score, expect, in
the sense of `callbacks_course.grading`). A check reaches the student's code only through a
`callbacks_course.sandbox.host.remote.Student`: in grading, a confined process of its own; in the
notebook, `Student.local` on the student's names, through the same wire format and the same
real mirror of the grader's model, so that an answer that passes here is never refused by
grading. Grading's confined processes cannot import this module (see `callbacks_course/sandbox/host/jail.py`): it
runs only where the grader does.

Example:

```python
from callbacks_course.lab.checks import run_check
run_check("ex1_fit", {"BatchTimer": BatchTimer}).fraction   # 1.0
```
"""

import dataclasses
import importlib
import json
from typing import Any, Callable, Optional

import keras

from callbacks_course.grading import GradingError
from callbacks_course.sandbox.host.remote import Student, StudentError
from callbacks_course.sandbox.inside.student_side import forbid
from callbacks_course.lab import (
    ex1_batch_timer,
    ex2_overfitting,
    ex3_early_stopping,
    ex4_builtin_callbacks,
    ex5_prediction_gallery,
    ex6_phase_counter,
    ex7_reduce_lr,
)

EXERCISES = {
    "ex1": ex1_batch_timer,
    "ex2": ex2_overfitting,
    "ex3": ex3_early_stopping,
    "ex4": ex4_builtin_callbacks,
    "ex5": ex5_prediction_gallery,
    "ex6": ex6_phase_counter,
    "ex7": ex7_reduce_lr,
}


@dataclasses.dataclass(frozen=True)
class Check:
    """One graded test cell of the lab.

    Args:
        grade_id: the test cell's nbgrader grade_id.
        exercise: the exercise ("ex1" ... "ex7"), which is also its answer cell's grade_id.
        visible: whether students run it themselves through `quick_check`.
        collect: `collect(student) -> observations`, with `student` a
            `callbacks_course.sandbox.host.remote.Student` (the only way to the student's code).
        score: `score(observations, expected) -> Result`.
        expect: `expect() -> expected` (a reference run with Keras's own classes), or None.
        forbid: dotted names of the Keras classes the answer must not use (disabled while the
            answer runs, in grading and in `quick_check`; the notebook also refuses an answer
            that subclasses one).
    """

    grade_id: str
    exercise: str
    visible: bool
    collect: Callable[[Student], Any]
    score: Callable[[Any, Any], Any]
    expect: Optional[Callable[[], Any]] = None
    forbid: tuple = ()


def _checks():
    m = EXERCISES
    checks = (
        Check("ex1_fit", "ex1", True, m["ex1"].collect_fit, m["ex1"].score_fit),
        Check("ex1_phases", "ex1", False, m["ex1"].collect_phases, m["ex1"].score_phases),
        Check("ex2_fit", "ex2", True, m["ex2"].collect_fit, m["ex2"].score_fit),
        Check("ex2_cases", "ex2", False, m["ex2"].collect_cases, m["ex2"].score_cases),
        Check("ex3_basics", "ex3", True, m["ex3"].collect_basics, m["ex3"].score_runs,
              m["ex3"].expect_basics),
        Check("ex3_stop", "ex3", False, m["ex3"].collect_stop, m["ex3"].score_runs, m["ex3"].expect_stop),
        Check("ex3_restore", "ex3", False, m["ex3"].collect_restore, m["ex3"].score_runs,
              m["ex3"].expect_restore),
        Check("ex4_short", "ex4", True, m["ex4"].collect_short, m["ex4"].score_short),
        Check("ex4_run", "ex4", False, m["ex4"].collect_run, m["ex4"].score_run),
        Check("ex5_fit", "ex5", True, m["ex5"].collect_fit, m["ex5"].score_fit),
        Check("ex5_life", "ex5", False, m["ex5"].collect_life, m["ex5"].score_life),
        Check("ex6_fit", "ex6", True, m["ex6"].collect_fit, m["ex6"].score_fit),
        Check("ex6_life", "ex6", False, m["ex6"].collect_life, m["ex6"].score_life),
        Check("ex7_basics", "ex7", True, m["ex7"].collect_basics, m["ex7"].score_runs, m["ex7"].expect_basics),
        Check("ex7_plateaus", "ex7", False, m["ex7"].collect_plateaus, m["ex7"].score_runs,
              m["ex7"].expect_plateaus),
        Check("ex7_real", "ex7", False, m["ex7"].collect_real, m["ex7"].score_runs, m["ex7"].expect_real),
    )
    return tuple(dataclasses.replace(check, forbid=m[check.exercise].FORBID) for check in checks)


CHECKS = {check.grade_id: check for check in _checks()}


def _forbidden_base(answer, names):
    """The first class named in `names` that `answer` (a class) is built on, as its dotted name, or None.

    Those classes are disabled while the answer runs (`student_side.forbid`); this names the
    mistake outright when the answer subclasses one, or one of their own bases below
    `keras.callbacks.Callback` (for example MonitorCallback).
    """
    if not isinstance(answer, type):
        return None
    for dotted in names:
        module, _, name = dotted.rpartition(".")
        forbidden = getattr(importlib.import_module(module), name)
        bases = [klass for klass in forbidden.__mro__ if klass not in keras.callbacks.Callback.__mro__]
        if any(issubclass(answer, klass) for klass in bases):
            return dotted
    return None


def run_check(grade_id, namespace):
    """Run one check in this process, on `Student.local(namespace)`: collect, expect, score.

    Observations go through JSON, as in grading.

    Args:
        grade_id: a key of `CHECKS`.
        namespace: the names the student's answer defined.

    Returns:
        The `callbacks_course.grading.Result`.

    Raises:
        GradingError: the answer cannot be graded (a missing name, a forbidden base class).
    """
    check = CHECKS[grade_id]
    name = EXERCISES[check.exercise].NAME
    forbidden = _forbidden_base(namespace.get(name), check.forbid)
    if forbidden:
        raise GradingError(f"`{name}` must be written on `keras.callbacks.Callback` alone, not on `{forbidden}` "
                           "or its base classes: write the logic yourself (using it scores 0)")
    restore = forbid(check.forbid)  # as in grading, Keras's own classes refuse to do the answer's work
    try:
        observed = json.loads(json.dumps(check.collect(Student.local(namespace))))
    finally:
        restore()
    expected = json.loads(json.dumps(check.expect())) if check.expect else None
    return check.score(observed, expected)
