"""The grading-engine tests' sample course, submission and class builders, and the `autograde` command.

`write_class(subs, released, {student: answers})` is autograde/demo.py's (`make grade` ships it).

Example:

    subs = write_class(tmp_path / "subs", released, {"ada": REFERENCE, "blank": {}})
    done = autograde("grade", str(subs), "--out", str(tmp_path / "out"), work=work)
"""

import subprocess
import sys

import nbformat

from autograde.demo import write_class  # noqa: F401  (the class builder of `make grade` and the benchmarks)

from . import ROOT

SAMPLE = ROOT / "tests" / "grading" / "sample_course"

REFERENCE = {
    "ex1": "def add(a, b):\n    return a + b",
    "ex2": ("class EpochCounter(keras.callbacks.Callback):\n"
            "    def on_train_begin(self, logs=None):\n        self.epochs = []\n\n"
            "    def on_epoch_end(self, epoch, logs=None):\n        self.epochs.append(epoch)"),
}


def autograde(*args, course=SAMPLE, work, timeout=900):
    """Run `python -m autograde --course COURSE --work WORK ARGS...`; return the CompletedProcess."""
    return subprocess.run([sys.executable, "-m", "autograde", "--course", str(course), "--work", str(work), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def submission(released, answers, edit=None):
    """The released notebook with `answers` ({grade_id: source}) filled in; `edit(nb)` may change more."""
    nb = nbformat.read(str(released), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    if edit:
        edit(nb)
    return nb


def graded_in_jail(jail, expected, grade_id, source, forbid=True):
    """(fraction, message) of one lab item on `source`, worked out as the worker and the main process do.

    The notebook's setup cells and `source` run in `jail`; the check's `collect` drives them from
    here (the worker's part); `score` reads its observations with `expected` ({grade_id: reference}).
    """
    from callbacks_course.lab import CHECKS

    if str(ROOT / "tests" / "lab") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / "lab"))
    from lab_answers import setup_source

    check = CHECKS[grade_id]
    outcome = jail.run({"setup": [("setup", setup_source())], "answers": [(check.exercise, source)]},
                       120, check.collect, check.forbid if forbid else ())
    if outcome.status != "ok":
        return 0.0, outcome.message
    result = check.score(outcome.observed, expected[grade_id])
    return result.fraction, result.message


def quick_checked(grade_id, source):
    """(fraction, message) of one lab item on `source` as `quick_check` gives them in the student's kernel."""
    from callbacks_course.lab.checks import run_check

    if str(ROOT / "tests" / "lab") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests" / "lab"))
    from lab_answers import setup_source

    namespace = {}
    exec(setup_source() + "\n" + source, namespace)
    result = run_check(grade_id, namespace)
    return result.fraction, result.message


def reference(grade_id):
    """{grade_id: the check's reference observations}: `graded_in_jail`'s `expected` for one item."""
    from callbacks_course.lab import CHECKS

    check = CHECKS[grade_id]
    return {grade_id: check.expect() if check.expect else None}

