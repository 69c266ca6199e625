"""`quick_check` and grading agree on ex4 answers unlike ours, up to the very caps grading puts on them.

Each answer is scored twice with the lab's real checks: in this process as `quick_check` does
(`lab.checks.run_check`, as in the student's kernel) and as `grade` does (the answer in the grading
jail, the check in the worker's place, `score` on its observations: `conftest.graded_in_jail`).
Both must give the same fraction and the same verdict, line by line.

- a correct answer written unlike ours (pathlib, a table of classes and arguments, zero-padded
  format specs such as `{epoch:002d}` and `{val_loss:06.4f}` that name the files alike): full on
  both items, both ways;
- one whose CSVLogger writes into a folder nobody made: `fit` fails as it begins, and that is
  the student's result, in the same words both ways (it once made the check itself fail);
- an absurd but legal one, at every cap of `lab.ex4_builtin_callbacks` at once: `MAX_CALLBACKS`
  callbacks (the four plus four extra), extra files `MAX_FOLDERS` parts below `run_dir`, a name with
  `MAX_FIELDS` format fields of two-digit widths: it runs to the end within the item's bounds
  (no timeout, no quota) and loses exactly the "four built-in callbacks" line of the short run,
  both ways (the long run judges only the files the four leave: full).
"""

import re
import sys

import pytest

from callbacks_course.lab.ex4_builtin_callbacks import MAX_CALLBACKS, MAX_FIELDS, MAX_FOLDERS
from callbacks_course.sandbox.host.jail import Jail
from support.grading import ROOT, graded_in_jail, quick_checked, reference

sys.path.insert(0, str(ROOT / "tests" / "lab"))
from lab_answers import CORRECT  # noqa: E402

pytestmark = pytest.mark.slow

ITEMS = ("ex4_short", "ex4_run")
UNLIKE_OURS = CORRECT["ex4"]["pathlib, a table of (class, kwargs) built in a loop, zero-padded specs, explicit "
                             "per-epoch logging"]
FOUR = '''
    four = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(os.path.join(run_dir, "ckpt-{epoch:02d}-{val_loss:.4f}.keras"),
                                        monitor="val_loss", save_best_only=True),
        keras.callbacks.TensorBoard(log_dir=os.path.join(run_dir, "tensorboard")),
        keras.callbacks.CSVLogger(os.path.join(run_dir, "history.csv")),
    ]
'''
AT_THE_CAPS = f'''
import os


def make_callbacks(run_dir):
    deep = os.path.join(run_dir, *[f"d{{n}}" for n in range({MAX_FOLDERS} - 1)])  # part {MAX_FOLDERS}: the log's own
    fields = "-".join(["{{epoch:020d}}"] * ({MAX_FIELDS} // 2) + ["{{loss:09.6f}}"] * ({MAX_FIELDS} // 2))
{FOUR}
    extra = [keras.callbacks.ModelCheckpoint(os.path.join(run_dir, "w" + fields + ".weights.h5"),
                                             save_weights_only=True)]
    extra += [keras.callbacks.TensorBoard(log_dir=os.path.join(deep, f"{{n}}" + "y" * 200))
              for n in range({MAX_CALLBACKS} - 5)]
    return four + extra
'''
# legal by the caps, but nothing makes the folder: CSVLogger fails as `fit` begins, before the grader's own callbacks
INTO_A_MISSING_FOLDER = f'''
import os


def make_callbacks(run_dir):
{FOUR}
    return four[:3] + [keras.callbacks.CSVLogger(os.path.join(run_dir, "logs", "history.csv"))]
'''


@pytest.fixture(scope="module")
def jail():
    with Jail(memory_mb=2048) as jail:
        yield jail


def _verdicts(message):
    """The ✓/✗ lines of a check's message without numbers and paths (the real losses and folders of two runs differ)."""
    return [re.sub(r"\d+(\.\d+)?", "#", re.sub(r"'/[^']*'", "'PATH'", line)) for line in message.splitlines()]


@pytest.mark.parametrize("grade_id", ITEMS)
def test_a_correct_answer_unlike_ours_scores_full_in_quick_check_and_in_grading(jail, grade_id):
    local = quick_checked(grade_id, UNLIKE_OURS)
    graded = graded_in_jail(jail, reference(grade_id), grade_id, UNLIKE_OURS)
    assert local[0] == 1.0, local[1]
    assert graded[0] == 1.0, graded[1]


@pytest.mark.parametrize("grade_id", ITEMS)
def test_an_answer_at_every_cap_gets_the_same_verdict_both_ways(jail, grade_id):
    local = quick_checked(grade_id, AT_THE_CAPS)
    graded = graded_in_jail(jail, reference(grade_id), grade_id, AT_THE_CAPS)
    assert graded[0] == local[0] and _verdicts(graded[1]) == _verdicts(local[1]), (local, graded)
    if grade_id == "ex4_run":  # the long run judges the files the four leave: the extras cost nothing there
        assert graded[0] == 1.0, graded[1]
        return
    lost = [line for line in graded[1].splitlines() if line.startswith("✗")]
    assert len(lost) == 1 and "returned ['CSVLogger', 'EarlyStopping', 'ModelCheckpoint', 'ModelCheckpoint', " \
        "'TensorBoard', 'TensorBoard', 'TensorBoard', 'TensorBoard']" in lost[0], graded[1]
    assert 0 < graded[0] < 1


@pytest.mark.parametrize("grade_id", ITEMS)
def test_a_callback_that_fails_in_the_graders_run_is_the_students_result_both_ways(jail, grade_id):
    local = quick_checked(grade_id, INTO_A_MISSING_FOLDER)
    graded = graded_in_jail(jail, reference(grade_id), grade_id, INTO_A_MISSING_FOLDER)
    assert graded[0] == local[0] and _verdicts(graded[1]) == _verdicts(local[1]), (local, graded)
    assert graded[0] < 1 and "FileNotFoundError" in graded[1] and "could not be checked" not in graded[1]
