"""The lab's entry points in the notebook: `quick_check` and `grade` (the checks are in `lab.checks`).

- `quick_check("ex1", BatchTimer)`: the visible checks of one exercise, run right in the
  student's kernel, with a line per point that is right or wrong.
- `grade("ex1_phases")`: one check by grade_id on the caller's global names (the instructor
  notebook's hidden tests).

Both run the very checks grading runs, over the same protocol: the student's callback gets a
real Keras model as `self.model` (a mirror of the grader's), here as in grading. While a
submission is graded, the student's confined process has this module only (the checks stay
with the grader), and both entry points do nothing there.

Example:

```python
from callbacks_course.lab import quick_check
quick_check("ex1", BatchTimer)
# ✓ a 2-epoch fit with 4 batches an epoch: 8 batch durations, each matching the batch's real time
```
"""

import importlib
import sys

_CHECK_NAMES = ("CHECKS", "EXERCISES", "Check", "run_check")


def _checks():
    """`callbacks_course.lab.checks`, or None inside a grading sandbox, which cannot import it."""
    try:
        return importlib.import_module("callbacks_course.lab.checks")
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("callbacks_course.lab."):
            raise
        return None


def __getattr__(name):
    checks = _checks() if name in _CHECK_NAMES else None
    if checks is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(checks, name)


def _report(checks, grade_id, namespace):
    from callbacks_course.grading import GradingError
    from callbacks_course.sandbox.host.remote import StudentError

    try:
        result = checks.run_check(grade_id, namespace)
    except GradingError as error:
        print(f"✗ {error}")
        return False
    except StudentError as error:
        print(f"✗ your code raised {error}")
        return False
    print(result.message)
    return result.fraction == 1.0


def quick_check(exercise, answer):
    """Run an exercise's visible checks on `answer` and print what is right and what is wrong.

    Args:
        exercise: "ex1" ... "ex7".
        answer: the student's class or function for that exercise.

    Raises:
        AssertionError: when some check fails (the printed lines say which and why).
    """
    checks = _checks()
    if checks is None:  # grading runs the checks itself
        return
    if exercise not in checks.EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; choose from {sorted(checks.EXERCISES)}")
    name = checks.EXERCISES[exercise].NAME
    namespace = {name: answer}
    results = [_report(checks, c.grade_id, namespace) for c in checks.CHECKS.values()
               if c.exercise == exercise and c.visible]
    if not all(results):
        raise AssertionError(f"{name} does not meet the contract yet: see the ✗ lines above.")
    print(f"All visible checks of {exercise} pass.")


def grade(grade_id, namespace=None):
    """Run the check `grade_id` on the caller's global names (or `namespace`) and print its verdict.

    Raises:
        AssertionError: when the check does not give full marks.
    """
    checks = _checks()
    if checks is None:  # grading runs the checks itself
        return
    if grade_id not in checks.CHECKS:
        raise ValueError(f"unknown check {grade_id!r}; choose from {sorted(checks.CHECKS)}")
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    if not _report(checks, grade_id, namespace):
        raise AssertionError(f"{grade_id} does not give full marks: see the ✗ lines above.")
