"""Everything the trusted worker does for a student is bounded, and only the machine's failures are retried.

The first part drives one `Jail` (the worker's) with checks that make the worker itself do
too much for an item (sleep, spin, write files, nest folders, fail on a student's value) and
with answers that try to speak for the notebook's setup cells; honest items in between must
still be graded exactly. The second part reads hostile lab submissions (`hostile_lab`) graded among
honest ones through the CLI, in the session's class (tests/support/graded_class.py): exact scores,
in time, cached on the second run, a shard + merge that completes, nothing left in TMPDIR and no
worker replaced.
"""

import os
import pathlib
import tempfile
import time

import pytest

from callbacks_course.sandbox.host import bounds
from callbacks_course.sandbox.host.jail import Jail
from support.graded_class import in_class
from support.grading import REFERENCE, SAMPLE, autograde, write_class
from hostile_lab import FORGES_SETUP, TO_EVERY_SOCKET

pytestmark = pytest.mark.slow

HONEST = "def add(a, b):\n    return a + b"
SETUP = [("setup", "import keras\nimport numpy as np")]


def _add(student):
    return [student.call("add", 1, 2), student.call("add", -1, 1)]


@pytest.fixture(scope="module")
def jail(tmp_path_factory):
    tmp_path_factory.getbasetemp()  # pytest's own temp folder exists before TMPDIR moves below
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bounds-tmp-", dir="/tmp"))
    tmp.chmod(0o755)  # the sandbox's user enters it (as root, the jail stages Python's folders there)
    saved = tempfile.tempdir
    tempfile.tempdir = str(tmp)  # the worker's TMPDIR while the jail starts: its items' folder goes there
    try:
        jail = Jail(memory_mb=1024)
    finally:
        tempfile.tempdir = saved
    with jail:
        jail.tmp = tmp
        honest(jail)  # started, and Keras imported here
        yield jail
    assert list(tmp.iterdir()) == []  # the jail's work area goes with it
    tmp.rmdir()


def run(jail, collect, source=HONEST, timeout=30, setup=SETUP):
    """The item's outcome as the worker sends it to the main process."""
    return jail.run({"setup": setup, "answers": [("ex1", source)]}, timeout, collect).as_json()


def honest(jail):
    assert run(jail, _add) == {"status": "ok", "observed": [3, 0], "message": ""}
    assert [p.name for p in pathlib.Path(jail.area.path).iterdir()] == []  # no item folder left behind


def _sleeps(student):
    student.call("add", 1, 2)
    time.sleep(60)


def _spins(student):
    while True:
        pass


def _fits_forever(student):
    """The worker trains for the student (a slow callback of the worker's, in a real fit)."""
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse")
    slow = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: time.sleep(0.2))
    model.fit(np.zeros((64, 2)), np.zeros(64), batch_size=1, epochs=100, callbacks=[slow], verbose=0)


@pytest.mark.parametrize("collect", [_sleeps, _spins, _fits_forever], ids=["sleep", "spin", "fit"])
def test_the_deadline_covers_the_workers_own_work(jail, collect):
    started = time.monotonic()
    outcome = run(jail, collect, timeout=3)
    assert time.monotonic() - started < 6
    assert outcome["status"] == "timeout" and "did not finish in time" in outcome["message"], outcome
    assert "retry" not in outcome
    honest(jail)


def _writes(student):
    folder = tempfile.mkdtemp()
    for n in range(40):
        with open(os.path.join(folder, f"ckpt-{n}.keras"), "wb") as handle:
            handle.write(os.urandom(4 * 2**20))
        time.sleep(0.01)


def _nests(student):
    path = tempfile.mkdtemp()
    for _ in range(1500):  # as TensorFlow creates a deep log_dir
        path = os.path.join(path, "d")
        os.mkdir(path)
    time.sleep(5)


def _many_files(student):
    folder = tempfile.mkdtemp()
    for n in range(20_000):
        open(os.path.join(folder, str(n)), "w").close()


@pytest.mark.parametrize("collect, says", [(_writes, "more than 64 MB of files"), (_nests, "nested more than 32"),
                                           (_many_files, "more than 5000 files")], ids=["bytes", "depth", "count"])
def test_the_items_folder_has_a_quota_and_goes_with_the_item(jail, collect, says):
    outcome = run(jail, collect)
    assert outcome["status"] == "crashed" and says in outcome["message"] and "retry" not in outcome, outcome
    assert sorted(p.name.split("-")[1] for p in jail.tmp.iterdir()) == ["items", "stage"]
    honest(jail)


def _int_of(student):
    return int(student.value("value"))


@pytest.mark.parametrize("value", ["float('inf')", "float('nan')", "'x' * 99_000", "[[1], [2, 3]]"])
def test_a_check_failing_on_a_students_value_is_final_in_our_words(jail, value):
    outcome = run(jail, _int_of, source=f"value = {value}")
    assert outcome["status"] == "error" and "retry" not in outcome and outcome.pop("check_failed"), outcome
    assert outcome["message"].startswith("your answer could not be checked: the check failed on what your code gave")
    honest(jail)


def _huge(student):
    return ["x" * 90_000] * 200


def test_observations_over_the_limit_end_the_item(jail):
    outcome = run(jail, _huge)
    assert outcome == {"status": "error", "observed": None,
                       "message": "your answer made the check observe more than 8 MB of data (the limit of one item)"}


SPEAKS_FOR_SETUP = FORGES_SETUP
CLAIMS_IN_WORDS = TO_EVERY_SOCKET + """
_to_every_socket({"cell": "ex1", "raised": "the notebook's setup cell failed; tell your instructor"})
import time
time.sleep(30)
"""


def test_student_code_cannot_answer_for_the_setup_cells(jail):
    outcome = run(jail, _add, source=HONEST + SPEAKS_FOR_SETUP)
    assert outcome["status"] == "crashed" and "broke the grading protocol" in outcome["message"], outcome
    assert "retry" not in outcome
    worded = run(jail, _add, source=CLAIMS_IN_WORDS)
    assert worded == {"status": "error", "observed": None,
                      "message": "your code in cell ex1 raised the notebook's setup cell failed; tell your instructor"}
    honest(jail)


def test_a_failing_setup_cell_is_the_instructors_and_is_retried(jail):
    outcome = run(jail, _add, setup=[("setup", "import no_such_module_here")])
    assert outcome == {"status": "error", "observed": None, "retry": True,
                       "message": "the notebook's setup cell failed (ModuleNotFoundError: No module named "
                                  "'no_such_module_here'); tell your instructor"}
    honest(jail)


def test_a_dead_workers_item_folders_are_removed_by_the_next_one():
    tmp_path = pathlib.Path(tempfile.mkdtemp(dir="/tmp"))
    dead = tmp_path / "autograde-items-999999999-abc"
    (dead / "item-x").mkdir(parents=True)
    area = bounds.WorkArea(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [pathlib.Path(area.path).name]
    area.close()
    assert list(tmp_path.iterdir()) == []
    tmp_path.rmdir()


# ---- hostile lab submissions among honest ones, through the CLI ----

LAB = "callbacks_lab"
RELEASED_LAB = pathlib.Path(__file__).resolve().parents[2] / "quizzes" / LAB / f"{LAB}.ipynb"


def _lab_points():
    import nbformat

    cells = nbformat.read(RELEASED_LAB, as_version=4).cells
    meta = [c.metadata.get("nbgrader", {}) for c in cells]
    return {m["grade_id"]: float(m["points"]) for m in meta if m.get("grade") and not m.get("solution")}


@pytest.fixture(scope="module")
def lab_runs(course_class):
    """The session's class (tests/support/graded_class.py, its "reference" the honest student): graded,
    graded again, then as one shard + merge; TMPDIR a fresh folder throughout."""
    return {"base": course_class.base, "first": course_class.first, "second": course_class.second,
            "shard": course_class.shard, "merged": course_class.merged, "took": course_class.took,
            "submissions": course_class.submissions, "pairs": course_class.pairs, "left": course_class.left}


def _rows(path):
    import csv

    with open(path, newline="") as handle:
        return {(r["student_id"], r["item"]): r for r in csv.DictReader(handle)}


@in_class
def test_every_attack_scores_exactly_among_honest_students(lab_runs):
    from hostile_lab import CASES

    first = lab_runs["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    rows = _rows(lab_runs["base"] / "out" / "items.csv")
    points = _lab_points()
    assert {item: float(rows["reference", item]["score"]) for item in points} == points
    for student, (answers, expected) in CASES.items():
        got = {item: (float(rows[student, item]["score"]), rows[student, item]["status"]) for item in points}
        want = {item: (0.0, "blank") for item in points}
        want.update({item: (float(f"{score:.4f}"), status) for item, (score, status) in expected.items()})
        assert got == want, (student, {i: rows[student, i]["message"] for i in expected})


@in_class
def test_the_attacks_are_told_why_in_our_words_and_briefly(lab_runs):
    rows = _rows(lab_runs["base"] / "out" / "items.csv")
    assert "returned 304 callbacks; it should return the four built-in ones" in rows["many_checkpoints",
                                                                                       "ex4_run"]["message"]
    assert "these paths are not inside run_dir" in rows["wide_field", "ex4_short"]["message"]
    assert "at most 8 folders deep" in rows["deep_log_dir", "ex4_run"]["message"]
    assert "`sample_indices` must hold 6 distinct indices" in rows["infinite_indices", "ex5_fit"]["message"]
    assert "broke the grading protocol" in rows["speaks_for_setup", "ex1_fit"]["message"]
    text = (lab_runs["base"] / "out" / "items.csv").read_text()
    assert "setup cell failed" not in text and "full marks" not in text and "grader error" not in text
    assert max(len(row["message"]) for row in rows.values()) <= 4000
    assert len(rows["long_error", "ex4_run"]["message"]) <= 2100


@in_class
def test_the_attacks_end_in_time_without_replacing_a_worker(lab_runs):
    # one item's limit is 60 s; before the bounds two ex4 items took 187 s; 600 s was the limit of the
    # eight lab submissions of this test's own class, 75 s a submission
    assert lab_runs["took"] < 75 * lab_runs["submissions"]
    for run in ("first", "second", "shard", "merged"):
        for sign in ("a grading worker stopped", "one by one", "failed on", "graded again", "reference run"):
            assert sign not in lab_runs[run].stderr, lab_runs[run].stderr[-3000:]


@in_class
def test_a_second_run_takes_every_result_from_the_cache(lab_runs):
    second = lab_runs["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    lines = [line for line in second.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == lab_runs["pairs"] and all(line.endswith("(cached)") for line in lines), lines
    for name in ("grades.csv", "items.csv"):
        assert (lab_runs["base"] / "again" / name).read_bytes() == (lab_runs["base"] / "out" / name).read_bytes()


@in_class
def test_a_shard_and_merge_complete_with_the_same_grades(lab_runs):
    assert lab_runs["shard"].returncode == 0, lab_runs["shard"].stderr[-3000:]
    assert all(line.endswith("(cached)") for line in lab_runs["shard"].stdout.splitlines() if line.startswith("["))
    assert lab_runs["merged"].returncode == 0, lab_runs["merged"].stderr[-3000:]
    for name in ("grades.csv", "items.csv"):
        assert (lab_runs["base"] / "merged" / name).read_bytes() == (lab_runs["base"] / "out" / name).read_bytes()


@in_class
def test_nothing_is_left_in_tmpdir(lab_runs):
    assert lab_runs["left"] == []


# ---- what is retried: only the instructor's side, and never run after run ----

KILLS_WORKER = '''    if student.call("add", 0, 0) == "die":
        os._exit(9)  # as if the worker were killed while grading this item
    return student.call("add", 1, 2)'''
BREAKABLE = """

_reference_epochs = reference_epochs


def reference_epochs():
    if os.environ.get("SAMPLE_BROKEN_REFERENCE"):
        raise RuntimeError("the instructor broke the reference")
    return _reference_epochs()
"""


def _sample_copy(base, edit):
    import shutil

    course = base / "course"
    shutil.copytree(SAMPLE, course)
    checks = course / "autograde" / "assignments" / "sample_checks.py"
    checks.write_text("import os\n" + edit(checks.read_text()))
    return course


def test_an_item_that_kills_its_worker_twice_is_final_and_cached(sample_release, tmp_path):
    _, released = sample_release
    course = _sample_copy(tmp_path, lambda text: text.replace('    return student.call("add", 1, 2)', KILLS_WORKER))
    killer = {"ex1": 'def add(a, b):\n    return "die" if (a, b) == (0, 0) else a + b', "ex2": REFERENCE["ex2"]}
    subs = write_class(tmp_path / "subs", released, {"honest": REFERENCE, "killer": killer})
    first = autograde("grade", str(subs), "--out", str(tmp_path / "out"), course=course, work=tmp_path / "work")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "grading its items again one by one" in first.stderr and "again while grading ex1_basic" in first.stderr
    rows = _rows(tmp_path / "out" / "items.csv")
    assert {key: (row["score"], row["status"]) for key, row in rows.items()} == {
        ("honest", "ex1_basic"): ("1", "passed"), ("honest", "ex1_hidden"): ("1", "passed"),
        ("honest", "ex2_epochs"): ("2", "passed"), ("killer", "ex1_basic"): ("0", "crashed"),
        ("killer", "ex1_hidden"): ("1", "passed"), ("killer", "ex2_epochs"): ("2", "passed")}
    assert "the grader's worker stopped twice while grading this item" in rows["killer", "ex1_basic"]["message"]
    second = autograde("grade", str(subs), "--out", str(tmp_path / "again"), course=course, work=tmp_path / "work")
    assert second.returncode == 0 and second.stdout.count("(cached)") == 2
    assert "a grading worker stopped" not in second.stderr


def test_a_merge_completes_when_a_shard_met_an_instructor_side_failure(sample_release, tmp_path, monkeypatch):
    _, released = sample_release
    course = _sample_copy(tmp_path, lambda text: text + BREAKABLE)
    subs = write_class(tmp_path / "subs", released, {"ada": REFERENCE})
    results = tmp_path / "results"

    def shard_and_merge(out):
        shard = autograde("grade", str(subs), "--shard", "0/1", "--results", str(results), course=course,
                          work=tmp_path / "shard_work")
        assert shard.returncode == 0, shard.stderr[-3000:]
        merged = autograde("merge", str(results), "--out", str(tmp_path / out), course=course,
                           work=tmp_path / "merge_work")
        return shard, merged

    monkeypatch.setenv("SAMPLE_BROKEN_REFERENCE", "1")
    _, broken = shard_and_merge("broken")
    assert broken.returncode == 0, broken.stderr[-3000:]
    assert "ada sample: ex2_epochs could not be graded (an instructor-side failure" in broken.stderr
    rows = _rows(tmp_path / "broken" / "items.csv")
    assert [(rows["ada", i]["score"], rows["ada", i]["status"]) for i in ("ex1_basic", "ex1_hidden", "ex2_epochs")] \
        == [("1", "passed"), ("1", "passed"), ("0", "error")]
    monkeypatch.delenv("SAMPLE_BROKEN_REFERENCE")
    shard, repaired = shard_and_merge("repaired")  # the shard again: the failed submission is graded again
    assert "(cached)" not in shard.stdout and repaired.returncode == 0 and "instructor-side" not in repaired.stderr
    assert _rows(tmp_path / "repaired" / "items.csv")["ada", "ex2_epochs"]["status"] == "passed"


def test_the_zygote_preloads_none_of_the_lab_checks():
    """Even where the checks could be imported (no sandbox), the zygote's preload takes the entry points only."""
    import subprocess
    import sys

    probe = ("import sys\nfrom callbacks_course.sandbox.inside import zygote\nzygote._preload()\n"
             "print(sorted(m for m in sys.modules if m.startswith('callbacks_course.lab')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "['callbacks_course.lab']"
