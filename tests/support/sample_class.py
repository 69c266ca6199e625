"""The session's graded class of the sample course: hostile, broken and untrusted submissions among honest ones.

The students that tests/grading/test_hostile.py (`hostile`: attacks on the sandbox, odd notebooks and
ids), tests/grading/test_untrusted_input.py (`untrusted`: unreadable files, special files, colliding
ids, formula-like text) and tests/grading/test_grade_sample.py (`plain`: "ref", "wrong" and the
hostile set's "blank") each graded in a run of their own, now in one `grade --jobs 2` of the sample
assignment (ex1_basic 1 point, ex1_hidden 1, ex2_epochs 2). Each writer returns {student: {item:
(score, status)}}, the exact expected scores.

Example (the fixture `sample_class` of tests/grading/conftest.py):

    def test_scores(sample_class):
        assert sample_class["done"].returncode == 0
"""

import hashlib
import json
import os
import pathlib
import shutil
import socket
import stat

import nbformat

from autograde.results import ESCAPED_PREFIX, fingerprint

from .grading import REFERENCE, SAMPLE, autograde, submission

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


ITEMS = ("ex1_basic", "ex1_hidden", "ex2_epochs")
WRONG = {"ex1_basic": (0, "failed"), "ex1_hidden": (0.25, "partial"), "ex2_epochs": (2, "passed")}
BLANK = {item: (0, "blank") for item in ITEMS}
OLD_STAND_IN = "student-" + fingerprint("bad*id")[:12]  # what "bad*id" mapped to before: a valid id too
# student -> the type name of the exception both its answer cells raise (shown in its messages)
FORMULAS = {"=SUM(1+1)": "=HYPERLINK(1)", "+1": "+cmd", "-1": "-cmd", "@SUM(1)": "@cmd"}
NEW_STAND_IN = ESCAPED_PREFIX + hashlib.sha256(b"bad*id").hexdigest()  # what it maps to now


def _zero(status):
    return {item: (0, status) for item in ITEMS}


def _raises(name):
    """An answer cell raising an exception whose type name is `name`: the item's message starts with it."""
    return f"raise type({name!r}, (Exception,), {{}})('from the student')"


def _deep(nb, where):
    text = nbformat.writes(nb)
    data = json.loads(text)
    nested = "[" * 100_000 + "]" * 100_000
    if where == "metadata":
        data["metadata"]["deep"] = "@@"
    else:
        data["cells"][-1]["metadata"]["deep"] = "@@"
    return json.dumps(data).replace('"@@"', nested).encode()


def _answer_index(nb):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1")


# test_grade_sample's students ("blank" is the hostile set's): ex1_hidden 2 of 4 cases, ex2 right after the first fit only
WRONG_SAMPLE = {"ex1": "def add(a, b):\n    return a - b if a < 0 else a + b",
                "ex2": ("class EpochCounter(keras.callbacks.Callback):\n    epochs = []\n"
                        "    def on_epoch_end(self, epoch, logs=None):\n        self.epochs.append(epoch)")}
PLAIN = {"ref": (REFERENCE, HONEST),
         "wrong": (WRONG_SAMPLE, {"ex1_basic": (1, "passed"), "ex1_hidden": (0.5, "partial"),
                                  "ex2_epochs": (1, "partial")})}


def write_plain(subs, released):
    """Write test_grade_sample's "ref" and "wrong" into `subs`; return their expected scores."""
    for student, (answers, _) in PLAIN.items():
        (subs / student / "sample").mkdir(parents=True)
        nbformat.write(submission(released, answers), str(subs / student / "sample" / "sample.ipynb"))
    return {student: items for student, (_, items) in PLAIN.items()}


def write_hostile(subs, work, released):
    """Write test_hostile's students into `subs`; return their expected scores."""
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
    return expected


def digest(folder):
    """{file: sha256} of the regular files under `folder`."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def write_untrusted(subs, released):
    """Write test_untrusted_input's students into `subs`; return their expected scores."""
    expected, notebooks = {}, {}

    def put(student, content, items):
        folder = subs / student / "sample"
        folder.mkdir(parents=True, exist_ok=student == "honest")  # test_hostile's honest student: the same
        if content is not None:
            (folder / "sample.ipynb").write_bytes(content)
        notebooks[student] = folder / "sample.ipynb"
        expected[student] = items

    honest_nb = submission(released, REFERENCE)
    honest = nbformat.writes(honest_nb).encode()
    answer = _answer_index(honest_nb)

    def edited(edit):
        data = json.loads(honest)
        edit(data)
        return json.dumps(data).encode()

    put("honest", honest, HONEST)
    put("deep_metadata", _deep(honest_nb, "metadata"), _zero("unreadable"))
    put("deep_in_a_cell", _deep(honest_nb, "cell"), _zero("unreadable"))
    put("huge", edited(lambda d: d["metadata"].update(padding="x" * 6_000_000)), _zero("unreadable"))
    put("empty_file", b"", _zero("unreadable"))
    put("not_utf8", honest.replace(b"return a + b", b"return a + b  # \xff\xfe"), _zero("unreadable"))
    put("cells_not_a_list", edited(lambda d: d.update(cells={"0": "x"})), _zero("unreadable"))
    put("source_a_number", edited(lambda d: d["cells"][answer].update(source=42)), _zero("unreadable"))
    put("metadata_a_list", edited(lambda d: d["cells"][answer].update(metadata=[1])), _zero("unreadable"))
    put("nbgrader_a_string", edited(lambda d: d["cells"][answer]["metadata"].update(nbgrader="yes")),
        _zero("unreadable"))
    put("grade_id_a_number", edited(lambda d: d["cells"][answer]["metadata"]["nbgrader"].update(grade_id=7)),
        _zero("unreadable"))
    put("fifo_notebook", None, _zero("unreadable"))
    os.mkfifo(notebooks["fifo_notebook"])
    put("socket_notebook", None, _zero("unreadable"))
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(notebooks["socket_notebook"]))
    put("folder_notebook", None, _zero("unreadable"))
    notebooks["folder_notebook"].mkdir()
    put("symlinked_notebook", None, _zero("unreadable"))
    notebooks["symlinked_notebook"].symlink_to(notebooks["honest"])
    put("device_notebook", None, _zero("unreadable"))
    try:
        os.mknod(notebooks["device_notebook"], stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero: never ends
    except OSError:  # no CAP_MKNOD: test_bounded_json.py reads /dev/zero itself
        shutil.rmtree(subs / "device_notebook")
        del expected["device_notebook"]
    (subs / "symlinked_assignment").mkdir()
    (subs / "symlinked_assignment" / "sample").symlink_to(subs / "honest" / "sample")
    expected["symlinked_assignment"] = _zero("rejected")
    (subs / "fifo_folder").mkdir()
    os.mkfifo(subs / "fifo_folder" / "sample")
    expected["fifo_folder"] = _zero("rejected")
    os.mkfifo(subs / "fifo_student")
    expected["fifo_student"] = _zero("rejected")
    # ids that collided under the old stand-in scheme, or would under a naive new one
    put("bad*id", honest, HONEST)
    put(OLD_STAND_IN, nbformat.writes(submission(released, {**REFERENCE, "ex1": WRONG_ADD})).encode(), WRONG)
    put(NEW_STAND_IN, nbformat.writes(submission(released, {})).encode(), BLANK)
    # ids and messages a spreadsheet would take for formulas (both answer cells raise: nothing trains)
    for student, name in FORMULAS.items():
        put(student, nbformat.writes(submission(released, {"ex1": _raises(name), "ex2": _raises(name)})).encode(),
            _zero("error"))
    for student in ("\tTAB", "\rCR"):
        put(student, honest, _zero("rejected"))

    return expected


def build(base, released):
    """Write both sets of students under `base`, grade them once with two workers; return the batch."""
    subs, work, out = base / "subs", base / "work", base / "out"
    OUTSIDE.unlink(missing_ok=True)
    hostile = write_hostile(subs, work, released)
    untrusted = write_untrusted(subs, released)
    plain = write_plain(subs, released)
    assert set(hostile) & set(untrusted) == {"honest"} and hostile["honest"] == untrusted["honest"]
    assert not set(plain) & (set(hostile) | set(untrusted))
    before = digest(subs)
    # the gradebook exists before grading starts (release made it); remember it to detect tampering
    done = autograde("grade", str(subs), "--out", str(out), "--jobs", "2", work=work, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"base": base, "subs": subs, "work": work, "out": out, "expected": {**hostile, **untrusted, **plain},
            "hostile": hostile, "untrusted": untrusted, "plain": {**plain, "blank": hostile["blank"]},
            "before": before, "done": done}
