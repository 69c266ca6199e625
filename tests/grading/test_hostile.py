"""Hostile, broken and odd submissions graded among honest ones, each with its exact expected score.

One batch of the sample assignment (ex1_basic 1 point, ex1_hidden 1, ex2_epochs 2), graded once
through the CLI with `--jobs 2`; every test below reads its rows.
"""

import csv
import hashlib
import json
import pathlib

import nbformat
import pytest

from conftest import REFERENCE, SAMPLE, autograde, submission

pytestmark = pytest.mark.slow

ADD = REFERENCE["ex1"]
COUNTER = REFERENCE["ex2"]
KEY_FILE = SAMPLE / "autograde" / "assignments" / "sample.py"
OUTSIDE = pathlib.Path("/tmp/autograde-test-pwned")
DAEMON = "autograde-test-daemon-marker"


def _answers(ex1=ADD, ex2=COUNTER):
    return {"ex1": ex1, "ex2": ex2}


def _drop(predicate):
    def edit(nb):
        nb.cells = [c for c in nb.cells if not predicate(c)]
    return edit


def _role(cell):
    meta = cell.metadata.get("nbgrader", {})
    return "test" if meta.get("grade") else "setup" if meta.get("locked") and not meta.get("solution") else None


def _duplicate_ex1(first, last):
    def edit(nb):
        index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1")
        copy = nbformat.from_dict(json.loads(json.dumps(nb.cells[index])))
        nb.cells[index].source = first
        copy.source = last
        copy.pop("id", None)
        nb.cells.insert(index + 3, copy)
    return edit


def _edit_locked(nb):
    for cell in nb.cells:
        if _role(cell) == "setup":
            cell.source = "raise SystemExit('the student edited the setup cell')"
        elif _role(cell) == "test":
            cell.source = "print('all good')"
    nb.cells.append(nbformat.v4.new_code_cell("add = lambda a, b: 0\nEpochCounter = None"))


WRONG_ADD = "def add(a, b):\n    return 0"  # ex1_basic 0, ex1_hidden 1/4 (only -1 + 1 = 0)
SILENT_COUNTER = "class EpochCounter(keras.callbacks.Callback):\n    pass"
# replies written onto the grader's socket in advance, as if add(1, 2) had returned 3
FORGE = """
import os, stat, json
frames = [json.dumps(reply).encode() for reply in ({"ran": True}, {"value": 3}, {"value": [5, 0, -7.0, 10**12 + 1]})]
for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            for frame in frames:
                os.write(fd, len(frame).to_bytes(4, "big") + frame)
    except OSError:
        pass
"""

# student -> (answers, notebook edit, expected {item: (score, status)})
HONEST = {"ex1_basic": (1, "passed"), "ex1_hidden": (1, "passed"), "ex2_epochs": (2, "passed")}
EX1_ZERO = lambda status: {"ex1_basic": (0, status), "ex1_hidden": (0, status)}  # noqa: E731
EX2_OK = {"ex2_epochs": (2, "passed")}
EX1_OK = {"ex1_basic": (1, "passed"), "ex1_hidden": (1, "passed")}
WRONG_EX1 = {"ex1_basic": (0, "failed"), "ex1_hidden": (0.25, "partial")}


def cases(subs, work):
    victim = subs / "honest" / "sample" / "sample.ipynb"
    return {
        "honest": (_answers(), None, HONEST),
        "os_exit": (_answers(ex2=COUNTER + "\nimport os\nos._exit(3)"), None, {**EX1_OK, "ex2_epochs": (0, "crashed")}),
        "segfault": (_answers(ex1=ADD + "\nimport ctypes\nctypes.string_at(0)"), None, {**EX1_ZERO("crashed"), **EX2_OK}),
        "memory_hog": (_answers(ex2=COUNTER + "\nhog = [bytearray(10**8) for _ in range(1000)]"), None,
                       {**EX1_OK, "ex2_epochs": (0, "crashed")}),
        "endless_loop": (_answers(ex1=ADD + "\nwhile True:\n    pass"), None, {**EX1_ZERO("timeout"), **EX2_OK}),
        "ignores_sigint": (_answers(ex1=ADD + "\nimport signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                             "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass"),
                           None, {**EX1_ZERO("timeout"), **EX2_OK}),
        "patches_numpy": (_answers(ex1=WRONG_ADD + "\nimport numpy\nnumpy.mean = lambda *a, **k: 0.0"), None,
                          {**WRONG_EX1, **EX2_OK}),
        "patches_keras": (_answers(ex2=SILENT_COUNTER + "\nkeras.Model.fit = lambda self, *a, **k: None\n"
                                                      "keras.callbacks.Callback.on_epoch_end = lambda *a: None"), None,
                          {**EX1_OK, "ex2_epochs": (0, "failed")}),
        "patches_grader": (_answers(ex1=WRONG_ADD + "\nimport sys, gc, callbacks_course.grading as g\n"
                                                   "try:\n    import sample_checks\n"
                                                   "    sample_checks.collect_hidden = lambda s: [5, 0, -7.0, 10**12 + 1]\n"
                                                   "except ImportError:\n    pass\n"
                                                   "g.GradingError = Exception\nsys.modules['json'] = None"), None,
                           {**WRONG_EX1, **EX2_OK}),
        "forges_replies": (_answers(ex1=WRONG_ADD + FORGE), None, {**EX1_ZERO("crashed"), **EX2_OK}),
        "ipython_transformer": (_answers(ex1=WRONG_ADD + "\ntry:\n    get_ipython().input_transformers_cleanup.append("
                                                         "lambda lines: ['def add(a, b):\\n', '    return a + b\\n'])\n"
                                                         "except NameError:\n    pass"), None, {**WRONG_EX1, **EX2_OK}),
        "lying_eq_object": (_answers(ex1="class Yes:\n    def __eq__(self, other):\n        return True\n"
                                         "    __hash__ = object.__hash__\n\ndef add(a, b):\n    return Yes()"),
                            None, {**EX1_ZERO("failed"), **EX2_OK}),
        "lying_eq_int": (_answers(ex1="class Yes(int):\n    def __eq__(self, other):\n        return True\n"
                                      "    __hash__ = int.__hash__\n\ndef add(a, b):\n    return Yes(0)"),
                         None, {**EX1_ZERO("failed"), **EX2_OK}),
        "reads_and_writes_outside": (_answers(ex1=WRONG_ADD + f"""
import pathlib, sys
key = None
for attempt in (lambda: pathlib.Path({str(KEY_FILE)!r}).read_text(), lambda: sys.modules['sample'].KEY):
    try:
        key = attempt()
    except Exception:
        pass
if key is not None:
    def add(a, b):
        return a + b
for target in ({str(victim)!r}, {str(work / 'course' / 'gradebook.db')!r}, {str(OUTSIDE)!r}):
    try:
        with open(target, 'a') as handle:
            handle.write('pwned')
    except Exception:
        pass
"""), None, {**WRONG_EX1, **EX2_OK}),
        "duplicated_cell_last_wins": (_answers(), _duplicate_ex1(first=ADD, last="def add(a, b):\n    return a - b"),
                                      {"ex1_basic": (0, "failed"), "ex1_hidden": (0, "failed"), **EX2_OK}),
        "duplicated_cell_fixed": (_answers(), _duplicate_ex1(first=WRONG_ADD, last=ADD), HONEST),
        "deleted_test_and_setup_cells": (_answers(), _drop(lambda c: _role(c) in ("test", "setup")), HONEST),
        "edited_locked_cells_added_cell": (_answers(), _edit_locked, HONEST),
        "forks_a_daemon": (_answers(ex1=ADD + "\nimport os, sys\nif os.fork() == 0:\n    os.setsid()\n"
                                             "    os.execv(sys.executable, [sys.executable, '-c', "
                                             "'import time\\nwhile True: time.sleep(1)', " + repr(DAEMON) + "])"),
                           None, HONEST),
        "noisy_stderr": (_answers(ex1=ADD + "\nimport sys, warnings, logging\nprint('W0000 TF says hi', file=sys.stderr)\n"
                                          "warnings.warn('deprecated')\nlogging.getLogger('tf').error('noise')",
                                  ex2=COUNTER.replace("self.epochs.append(epoch)",
                                                      "self.epochs.append(epoch)\n"
                                                      "        import sys; print('epoch done', file=sys.stderr)")),
                         None, HONEST),
        "José O'Brien": (_answers(), None, HONEST),
        "spaced id [1]*": (_answers(), None, HONEST),
        "blank": ({}, None, {"ex1_basic": (0, "blank"), "ex1_hidden": (0, "blank"), "ex2_epochs": (0, "blank")}),
    }


ALL_ZERO = lambda status: {"ex1_basic": (0, status), "ex1_hidden": (0, status), "ex2_epochs": (0, status)}  # noqa: E731
MALFORMED = {"not_json": "unreadable", "nbformat_v3": None, "missing_notebook": "missing",
             "empty_folder": "missing", "symlinked_folder": "rejected"}


def _digest(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def batch(sample_release, tmp_path_factory):
    _, released = sample_release
    base = tmp_path_factory.mktemp("hostile")
    subs, work, out = base / "subs", base / "work", base / "out"
    OUTSIDE.unlink(missing_ok=True)
    expected = {}
    for student, (answers, edit, items) in cases(subs, work).items():
        (subs / student / "sample").mkdir(parents=True)
        nbformat.write(submission(released, answers, edit), str(subs / student / "sample" / "sample.ipynb"))
        expected[student] = items
    (subs / "not_json" / "sample").mkdir(parents=True)
    (subs / "not_json" / "sample" / "sample.ipynb").write_text("this is not { json")
    (subs / "nbformat_v3" / "sample").mkdir(parents=True)
    v3 = nbformat.convert(submission(released, _answers()), 3)
    (subs / "nbformat_v3" / "sample" / "sample.ipynb").write_text(nbformat.writes(v3, version=3))
    (subs / "missing_notebook" / "sample").mkdir(parents=True)
    (subs / "empty_folder").mkdir()
    (subs / "symlinked_folder").symlink_to(subs / "honest")
    for student, status in MALFORMED.items():
        expected[student] = HONEST if status is None else ALL_ZERO(status)
    before = _digest(subs)
    # the gradebook exists before grading starts (release made it); remember it to detect tampering
    done = autograde("grade", str(subs), "--out", str(out), "--jobs", "2", work=work)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"subs": subs, "work": work, "out": out, "expected": expected, "before": before, "done": done}


def _items(out):
    with open(out / "items.csv", newline="") as handle:
        return {(r["student_id"], r["item"]): r for r in csv.DictReader(handle)}


def test_every_case_scores_exactly_as_expected(batch):
    rows = _items(batch["out"])
    got = {(s, i): (float(r["score"]), r["status"]) for (s, i), r in rows.items()}
    want = {(s, i): (float(score), status) for s, items in batch["expected"].items()
            for i, (score, status) in items.items()}
    assert got == want


def test_grades_csv_totals(batch):
    with open(batch["out"] / "grades.csv", newline="") as handle:
        totals = {r["student_id"]: float(r["score"]) for r in csv.DictReader(handle)}
    assert totals == {s: float(sum(score for score, _ in items.values())) for s, items in batch["expected"].items()}


def test_messages_say_why(batch):
    rows = _items(batch["out"])
    assert "did not finish in time" in rows["endless_loop", "ex1_basic"]["message"]
    assert "did not finish in time" in rows["ignores_sigint", "ex1_basic"]["message"]
    assert "a crash" in rows["segfault", "ex1_hidden"]["message"]
    assert "ended before it was graded" in rows["os_exit", "ex2_epochs"]["message"]
    assert "too much memory" in rows["memory_hog", "ex2_epochs"]["message"]
    assert "broke the grading protocol" in rows["forges_replies", "ex1_basic"]["message"]
    assert "<Yes object>" in rows["lying_eq_object", "ex1_basic"]["message"]
    assert "not valid JSON" in rows["not_json", "ex1_basic"]["message"]
    assert "sample.ipynb was not submitted" in rows["missing_notebook", "ex2_epochs"]["message"]
    assert "no submission of sample" in rows["empty_folder", "ex1_basic"]["message"]
    assert "symbolic link" in rows["symlinked_folder", "ex1_basic"]["message"]


def test_no_message_reveals_the_key_or_check_code(batch):
    text = (batch["out"] / "items.csv").read_text()
    for secret in ("KEY", "Traceback", 'File "', "1000000000001"):
        assert secret not in text
    assert "sample_checks" not in text


def test_nothing_outside_the_sandbox_changed(batch):
    assert _digest(batch["subs"]) == batch["before"]
    assert not OUTSIDE.exists()
    assert b"pwned" not in (batch["work"] / "course" / "gradebook.db").read_bytes()


def test_no_process_outlives_its_sandbox(batch):
    leftovers = []
    for entry in pathlib.Path("/proc").iterdir():
        try:
            if DAEMON.encode() in (entry / "cmdline").read_bytes():
                leftovers.append(entry.name)
        except OSError:
            continue
    assert not leftovers


def test_stderr_output_costs_nothing_and_stays_out_of_feedback(batch):
    html = (batch["out"] / "feedback" / "noisy_stderr" / "sample" / "sample.html").read_text()
    assert "Score: 4.0 / 4.0" in html
    assert "output_stderr" not in html  # the code shows, no stderr stream


def test_feedback_for_odd_student_ids(batch):
    for student in ("José O'Brien", "spaced id [1]*"):
        html = (batch["out"] / "feedback" / student / "sample" / "sample.html").read_text()
        assert "Score: 4.0 / 4.0" in html
