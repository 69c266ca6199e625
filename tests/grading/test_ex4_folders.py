"""ex4's `make_callbacks(run_dir)` may make the folders its callbacks write into: grading agrees with quick_check.

The folders are made in the student's process; the grader rebuilds the callbacks in a run folder
of its own, so it makes the same folders there first (`remote.Student.folders`, bounded by
`limits.RUN_FOLDERS`, `RUN_FOLDER_DEPTH`, `RUN_FOLDER_CHARS`). Each answer is scored as
`quick_check` does (in this process) and as `grade` does (in the grading jail):

- correct answers that make their folders (`os.makedirs(..., exist_ok=True)`, `Path.mkdir(parents=True)`):
  full on both items, the same ✓/✗ lines both ways;
- hostile ones (thousands of folders, a folder 40 deep, a folder outside `run_dir`): a definitive
  result with our message, the same both ways, nothing made outside the grader's folder.
"""

import pytest

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.host.jail import Jail
from callbacks_course.sandbox.host.remote import Student
from callbacks_course.sandbox.inside.student_side import folders_below
from support.grading import graded_in_jail, quick_checked, reference

pytestmark = pytest.mark.slow

ITEMS = ("ex4_short", "ex4_run")
# the four as the contract says, in folders made beforehand, and a fifth callback logging into a folder of
# the student's: without the folder made again in the grader's run folder, `fit` fails as it begins
MAKEDIRS = '''
import os


def make_callbacks(run_dir):
    for folder in ("tensorboard", os.path.join("backup", "logs"), "backup"):
        os.makedirs(os.path.join(run_dir, folder), exist_ok=True)
    return [
        keras.callbacks.ModelCheckpoint(os.path.join(run_dir, "ckpt-{epoch:02d}-{val_loss:.4f}.keras"),
                                        monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger(os.path.join(run_dir, "history.csv")),
        keras.callbacks.TensorBoard(log_dir=os.path.join(run_dir, "tensorboard")),
        keras.callbacks.CSVLogger(os.path.join(run_dir, "backup", "logs", "history.csv")),
    ]
'''
PATHLIB = '''
from pathlib import Path


def make_callbacks(run_dir):
    run_dir = Path(run_dir)
    (run_dir / "tensorboard" / "train").mkdir(parents=True, exist_ok=True)
    (run_dir / "tensorboard" / "validation").mkdir()
    return [
        keras.callbacks.ModelCheckpoint(str(run_dir / "ckpt-{epoch:02d}-{val_loss:.4f}.keras"),
                                        monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger(run_dir / "history.csv"),
        keras.callbacks.TensorBoard(log_dir=run_dir / "tensorboard"),
    ]
'''
FOUR = '''
    return [
        keras.callbacks.ModelCheckpoint(os.path.join(run_dir, "ckpt-{epoch:02d}-{val_loss:.4f}.keras"),
                                        monitor="val_loss", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True),
        keras.callbacks.CSVLogger(os.path.join(run_dir, "history.csv")),
        keras.callbacks.TensorBoard(log_dir=os.path.join(run_dir, "tensorboard")),
    ]
'''
THOUSANDS = '''
import os


def make_callbacks(run_dir):
    for n in range(3000):
        os.makedirs(os.path.join(run_dir, f"f{n}"))
''' + FOUR
DEEP = '''
import os


def make_callbacks(run_dir):
    os.makedirs(os.path.join(run_dir, *["d"] * 40))
''' + FOUR
OUTSIDE = '''
import os, tempfile


def make_callbacks(run_dir):
    elsewhere = tempfile.mkdtemp()
    os.makedirs(os.path.join(elsewhere, "logs"))
    os.symlink(elsewhere, os.path.join(run_dir, "link"))  # a link is not a folder of run_dir's
    calls = FOUR_CALLS
    calls[2] = keras.callbacks.CSVLogger(os.path.join(elsewhere, "logs", "history.csv"))
    return calls
'''.replace("FOUR_CALLS", FOUR.strip().removeprefix("return "))


@pytest.fixture(scope="module")
def jail():
    with Jail(memory_mb=2048) as jail:
        yield jail


def _lines(message):
    return [line.split(":")[0] for line in message.splitlines()]


def _both_ways(jail, grade_id, source):
    local = quick_checked(grade_id, source)
    graded = graded_in_jail(jail, reference(grade_id), grade_id, source)
    return local, graded


@pytest.mark.parametrize("grade_id", ITEMS)
def test_an_answer_that_makes_its_folders_with_pathlib_scores_full_both_ways(jail, grade_id):
    local, graded = _both_ways(jail, grade_id, PATHLIB)
    assert local[0] == graded[0] == 1.0, (local, graded)
    assert _lines(graded[1]) == _lines(local[1]) and all(line.startswith("✓") for line in graded[1].splitlines())


@pytest.mark.parametrize("grade_id, fraction", [("ex4_short", 5 / 6), ("ex4_run", 1.0)])
def test_a_callback_logging_into_a_folder_the_answer_made_runs_both_ways(jail, grade_id, fraction):
    local, graded = _both_ways(jail, grade_id, MAKEDIRS)
    assert local[0] == graded[0] == fraction, (local, graded)
    assert _lines(graded[1]) == _lines(local[1]) and "✓ fit ran with your callbacks" in graded[1]
    lost = [line for line in graded[1].splitlines() if line.startswith("✗")]
    assert lost == ([] if fraction == 1.0 else ["✗ `make_callbacks` returned ['CSVLogger', 'CSVLogger', "
                                                "'EarlyStopping', 'ModelCheckpoint', 'TensorBoard']; expected "
                                                "one each of ['CSVLogger', 'EarlyStopping', 'ModelCheckpoint', "
                                                "'TensorBoard']"]), graded[1]


@pytest.mark.parametrize("source, words", [
    (THOUSANDS, f"your code made more than {limits.RUN_FOLDERS} folders in the run folder"),
    (DEEP, "your code made the folder 'd/d/d/d/d/d/d/d/d' in the run folder"),
], ids=["3000 folders", "40 deep"])
def test_too_many_or_too_deep_folders_get_our_message_both_ways(jail, source, words):
    local, graded = _both_ways(jail, "ex4_short", source)
    assert local == graded and graded[0] == 0.0, (local, graded)
    assert graded[1] == f"✗ {words}; the grader makes them again for your callbacks, at most " \
        f"{limits.RUN_FOLDERS} folders, {limits.RUN_FOLDER_DEPTH} deep and {limits.RUN_FOLDER_CHARS} characters"


def test_a_folder_outside_run_dir_is_never_made_by_the_grader(jail):
    local, graded = _both_ways(jail, "ex4_short", OUTSIDE)
    assert local[0] == graded[0] == 4 / 6 and _lines(local[1]) == _lines(graded[1]), (local, graded)
    assert graded[1].startswith("✗ run_dir/history.csv is missing (CSVLogger's file)\n✗ these paths are not "
                                "inside run_dir"), graded[1]


def test_the_walk_is_bounded_and_follows_no_link(tmp_path):
    for n in range(limits.RUN_FOLDERS + 50):
        (tmp_path / f"f{n}").mkdir()
    assert len(folders_below(str(tmp_path))) == limits.RUN_FOLDERS + 1
    deep = tmp_path / "deep"
    deep.mkdir()
    (deep.joinpath(*["d"] * 30)).mkdir(parents=True)
    (deep / "link").symlink_to(tmp_path)
    assert folders_below(str(deep)) == ["/".join(["d"] * n) for n in range(1, limits.RUN_FOLDER_DEPTH + 2)]


class _Lying:
    """A student's side whose `folders` reply is whatever the test says (the jail's process is untrusted)."""

    def __init__(self, value):
        self.value = value

    def request(self, message):
        return {"id": message["id"], "value": self.value}


@pytest.mark.parametrize("value", [["../escape"], ["/etc"], ["a/../../b"], ["./a"], [""], ["a//b"], [3]])
def test_a_reply_that_names_a_folder_outside_ends_the_item(value):
    from callbacks_course.sandbox.host.remote import ItemAborted

    with pytest.raises(ItemAborted, match="broke the grading protocol"):
        Student(_Lying(value)).folders("/tmp/run-x")


def test_plain_relative_folders_are_taken_as_they_are():
    assert Student(_Lying(["a", "a/b", "c d"])).folders("/tmp/run-x") == ["a", "a/b", "c d"]
