"""Attacks on the place where student code runs while grading (callbacks_course/sandbox/host/jail.py), one per item.

Each case is an answer cell a hostile student could write after reading our source; one Jail
(the grading worker's) runs them in turn, with honest items in between that must still be
graded exactly. The facts the attacks gather travel back as the student's own data (`value`).
"""

import os
import pathlib
import subprocess
import sys
import time

import pytest

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.host.jail import Jail, _read_only_sources

pytestmark = pytest.mark.slow

KEY_FILE = pathlib.Path(__file__).resolve().parents[2] / "autograde" / "keys" / "callbacks_quiz.json"
HONEST = "def add(a, b):\n    return a + b"
MARKER = "autograde-jail-daemon-marker"


def _facts(student):
    return student.value("facts")


def _add(student):
    return [student.call("add", 1, 2), student.call("add", -1, 1)]


@pytest.fixture(scope="module")
def jail():
    with Jail(memory_mb=1024) as jail:
        assert jail.warnings == [], "this machine has bubblewrap and cgroups v1: no fallback expected"
        yield jail


def run(jail, source, collect=_add, timeout=30, forbid=()):
    return jail.run({"setup": [("setup", "import keras\nimport numpy as np")], "answers": [("ex1", source)]},
                    timeout, collect, forbid).as_json()


def honest(jail):
    assert run(jail, HONEST) == {"status": "ok", "observed": [3, 0], "message": ""}


def test_an_honest_answer_is_graded(jail):
    honest(jail)


def test_the_identity_is_unprivileged_with_a_scrubbed_environment(jail):
    probe = f"""
import os, glob
facts = {{"uid": os.getuid(), "euid": os.geteuid(), "groups": os.getgroups(), "env": sorted(os.environ),
          "dev": sorted(os.listdir("/dev")), "root": sorted(os.listdir("/")),
          "shadow": os.path.exists("/etc/shadow"), "key": os.path.exists({str(KEY_FILE)!r}),
          "home": os.listdir("/root") if os.path.isdir("/root") else None,
          "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit())}}
"""
    outcome = run(jail, probe, collect=_facts)
    facts = outcome["observed"]
    assert outcome["status"] == "ok"
    assert facts["uid"] == facts["euid"] == 65534 and facts["groups"] in ([], [65534])
    assert set(facts["env"]) <= {"HOME", "PATH", "TMPDIR", "LANG", "MPLBACKEND", "MPLCONFIGDIR", "PWD",
                                 "TF_CPP_MIN_LOG_LEVEL", "CALLBACKS_COURSE_OFFLINE", "PYTHONDONTWRITEBYTECODE",
                                 "OMP_NUM_THREADS", "TF_NUM_INTEROP_THREADS", "TF_NUM_INTRAOP_THREADS", "PYTHONPATH",
                                 "LC_CTYPE", "KMP_DUPLICATE_LIB_OK", "KMP_INIT_AT_FORK", "TF2_BEHAVIOR",
                                 "ENABLE_RUNTIME_UPTIME_TELEMETRY", "TPU_ML_PLATFORM", "TPU_ML_PLATFORM_VERSION",
                                 "TPU_SKIP_MDS_QUERY",  # set inside by JAX's TPU probe, which TensorFlow's import runs
                                 "HDF5_PLUGIN_PATH"}
    assert set(facts["dev"]) <= {"null", "zero", "full", "random", "urandom", "tty", "pts", "ptmx", "shm",
                                 "fd", "stdin", "stdout", "stderr", "core"}
    assert not facts["shadow"] and not facts["key"]
    mounted = {pathlib.Path(source).parts[1] for source in _read_only_sources()}  # e.g. root (pyenv), work, tmp
    assert set(facts["root"]) == {"bin", "dev", "etc", "lib", "lib64", "proc", "sbin", "usr", "work"} | mounted
    assert len(facts["pids"]) < 10  # its own pid namespace: the zygote, this item, bubblewrap's init


def test_no_network_of_any_kind(jail):
    probe = """
import socket
facts = {}
for name, family, kind, address in (("udp", socket.AF_INET, socket.SOCK_DGRAM, ("1.1.1.1", 53)),
                                     ("tcp", socket.AF_INET, socket.SOCK_STREAM, ("1.1.1.1", 80)),
                                     ("udp6", socket.AF_INET6, socket.SOCK_DGRAM, ("2606:4700::1111", 53)),
                                     ("unix", socket.AF_UNIX, socket.SOCK_STREAM, "/run/systemd/private")):
    try:
        s = socket.socket(family, kind)
        s.settimeout(2)
        s.connect(address)
        s.send(b"x")
        facts[name] = "sent"
    except OSError as error:
        facts[name] = type(error).__name__
"""
    facts = run(jail, probe, collect=_facts)["observed"]
    assert "sent" not in facts.values(), facts


def test_a_forged_reply_gains_nothing_and_a_deep_one_is_refused(jail):
    forged = """
import os, socket, stat
for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            body = b'{"value": ' + b'[' * 5000 + b']' * 5000 + b'}'
            os.write(fd, len(body).to_bytes(4, "big") + body)
    except OSError:
        pass
def add(a, b):
    return 0
"""
    outcome = run(jail, forged)
    assert outcome["status"] == "crashed" and "unreadable message" in outcome["message"]
    honest(jail)


def test_resources_are_bounded_per_item(jail):
    cases = {
        "shared_mmap": "import mmap\nm = mmap.mmap(-1, 3 * 2**30)\nfor i in range(0, len(m), 4096):\n    m[i] = 1",
        "children": ("import os, time\nfor _ in range(3):\n    if os.fork() == 0:\n        b = bytearray(600 * 2**20)\n"
                     "        b[::4096] = b'x' * len(b[::4096])\n        time.sleep(60)\ntime.sleep(60)"),
        "files": ("import os\nfor n in range(8):\n    with open(f'big{n}', 'wb') as f:\n"
                  "        f.write(os.urandom(2**20) * 50)"),
        "processes": "import os, time\npids = []\nfor _ in range(300):\n    pids.append(os.fork())\n    if pids[-1] == 0:\n        time.sleep(60)",
        "huge_message": "def add(a, b):\n    raise ValueError('x' * 40_000_000)",
        "deep_tree": "import os\nfor _ in range(1100):\n    os.mkdir('d')\n    os.chdir('d')\ndef add(a, b):\n    return a + b",
    }
    outcomes = {name: run(jail, source, timeout=40) for name, source in cases.items()}
    assert outcomes["shared_mmap"]["status"] == "crashed"
    assert outcomes["children"]["status"] in ("crashed", "timeout")
    assert outcomes["files"]["status"] == "error" and "No space left" in outcomes["files"]["message"]
    assert outcomes["processes"]["status"] == "error" and "Resource temporarily unavailable" in outcomes["processes"]["message"]
    assert outcomes["huge_message"]["status"] == "error" and len(outcomes["huge_message"]["message"]) <= 2100
    assert outcomes["deep_tree"] == {"status": "ok", "observed": [3, 0], "message": ""}
    assert not jail.cgroups.pids()  # nothing of theirs is left
    honest(jail)


def test_every_process_an_item_started_is_gone(jail):
    loop = "import os, time\nwhile True:\n    time.sleep(0.05)\n    if os.fork():\n        os._exit(0)"
    daemon = f"""
import os, sys
def add(a, b):
    return a + b
if os.fork() == 0:
    os.setsid()  # a daemon that keeps changing its pid
    os.execv(sys.executable, [sys.executable, "-c", {loop!r}, {MARKER!r}])
"""
    outcome = run(jail, daemon)
    assert outcome["status"] == "ok"
    time.sleep(0.5)
    assert not jail.cgroups.pids()
    for entry in pathlib.Path("/proc").iterdir():
        try:
            assert MARKER.encode() not in (entry / "cmdline").read_bytes()
        except OSError:
            continue
    honest(jail)


def test_nothing_of_an_earlier_submission_is_in_memory(jail):
    secret = "def add(a, b):\n    return a + b\nSECRET = 'the-answer-of-student-A-' * 1000"
    assert run(jail, secret)["status"] == "ok"
    search = """
import ctypes
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # dumpable again, so that /proc/self/mem opens
needle = ("the-answer-of-" + "student-A").encode()
found = False
with open("/proc/self/maps") as maps:
    regions = [line.split() for line in maps]
with open("/proc/self/mem", "rb", 0) as mem:
    for region in regions:
        start, end = (int(x, 16) for x in region[0].split("-"))
        if "r" not in region[1] or end - start > 2**30:
            continue
        try:
            mem.seek(start)
            if mem.read(end - start).count(needle) > 100:  # the secret repeats it 1000 times; this code once
                found = True
        except (OSError, ValueError, OverflowError):
            pass
facts = found
"""
    assert run(jail, search, collect=_facts, timeout=120) == {"status": "ok", "observed": False, "message": ""}
    # the search does find the secret where it is: in the same item
    assert run(jail, secret + "\n" + search, collect=_facts, timeout=120)["observed"] is True


def test_the_zygote_cannot_be_signalled_and_survives_anything(jail):
    # every other process of the jail (itself and its own threads spared: a thread's id stops its process)
    kill_all = ("import os, signal\nown = {os.getpid(), *map(int, os.listdir('/proc/self/task'))}\n"
                "for pid in set(range(1, 100)) - own:\n    try:\n        os.kill(pid, signal.SIGSTOP)\n"
                "    except OSError:\n        pass\ndef add(a, b):\n    return a + b")
    assert run(jail, kill_all)["status"] == "ok"
    honest(jail)


def test_a_forbidden_keras_class_raises_in_student_code(jail):
    delegating = """
class Stopper(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.inner = keras.callbacks.EarlyStopping(patience=1)
"""
    outcome = run(jail, delegating, collect=lambda student: student.callback("Stopper"),
                  forbid=("keras.callbacks.EarlyStopping",))
    assert outcome["status"] == "error" and "must not use `keras.callbacks.EarlyStopping`" in outcome["message"]
    honest(jail)


def test_timeouts_end_the_item(jail):
    outcome = run(jail, "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass", timeout=3)
    assert outcome["status"] == "timeout"
    honest(jail)


@pytest.mark.skipif(os.geteuid() != 0, reason="the staging of Python's folder is what root does")
def test_the_lab_checks_are_neither_loaded_nor_importable_in_the_sandbox(jail):
    probe = """
import os, sys
import callbacks_course.lab
from callbacks_course.lab import grade, quick_check
folder = os.path.dirname(callbacks_course.lab.__file__)
imports = {}
for name in ("callbacks_course.lab.checks", "callbacks_course.lab.ex3_early_stopping", "callbacks_course.lab.scenarios"):
    try:
        __import__(name)
        imports[name] = "imported"
    except ImportError as error:
        imports[name] = type(error).__name__
facts = {"loaded": sorted(m for m in sys.modules if m.startswith("callbacks_course.lab")),
         "files": os.listdir(folder), "imports": imports,
         "entry points": [quick_check("ex3", None), grade("ex3_stop")], "CHECKS": hasattr(callbacks_course.lab, "CHECKS")}
"""
    outcome = run(jail, probe, _facts)
    assert outcome["observed"] == {"loaded": ["callbacks_course.lab"], "files": ["__init__.py"],
                     "imports": dict.fromkeys(("callbacks_course.lab.checks", "callbacks_course.lab.ex3_early_stopping",
                                               "callbacks_course.lab.scenarios"), "ModuleNotFoundError"),
                     "entry points": [None, None], "CHECKS": False}, outcome


def test_the_hosts_mounts_are_untouched(jail):
    assert "autograde-stage" not in pathlib.Path("/proc/self/mountinfo").read_text()


def test_without_bubblewrap_and_cgroups_grading_still_works_with_warnings(monkeypatch):
    monkeypatch.setattr("callbacks_course.sandbox.host.jail.shutil.which", lambda name: None)
    monkeypatch.setattr("callbacks_course.sandbox.host.jail.cgroups.create", lambda *args, **kwargs: None)
    with Jail(memory_mb=1024) as weaker:
        assert len(weaker.warnings) == 2 and "\n" not in "".join(weaker.warnings)
        assert "bubblewrap (bwrap) is not installed" in weaker.warnings[1] and "cgroups" in weaker.warnings[0]
        assert run(weaker, HONEST) == {"status": "ok", "observed": [3, 0], "message": ""}
        assert run(weaker, "import os\nos._exit(1)")["status"] == "crashed"
        assert "MemoryError" in run(weaker, "hog = bytearray(2 * 2**30)")["message"]
        home = weaker._home
        assert run(weaker, "import os\nos.makedirs('x/' * 400)\nfacts = 1", _facts)["status"] == "ok"
    assert not os.path.exists(home)  # the plain process's home folder goes with the jail, however deep


def test_without_cgroups_a_fork_bomb_is_bounded_by_the_users_process_limit(monkeypatch):
    monkeypatch.setattr("callbacks_course.sandbox.host.jail.cgroups.create", lambda *args, **kwargs: None)
    greedy = """import os, time
facts = 0
try:
    while facts < 1000:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        facts += 1
except BlockingIOError:
    pass"""
    with Jail(memory_mb=1024) as uncontained:  # bubblewrap as nobody: the limit applies (root would be exempt)
        assert len(uncontained.warnings) == 1 and "processes" in uncontained.warnings[0]
        outcome = run(uncontained, greedy, _facts)
        assert outcome["status"] == "ok" and 200 < outcome["observed"] <= limits.ITEM_PIDS, outcome
        started = time.monotonic()
        outcome = run(uncontained, "import os\nwhile True:\n    os.fork()", timeout=60)
        assert time.monotonic() - started < 30  # the bomb stops at its allowance, long before the deadline
        assert outcome["status"] == "error" and "Resource temporarily unavailable" in outcome["message"], outcome
        assert run(uncontained, HONEST) == {"status": "ok", "observed": [3, 0], "message": ""}


def test_a_killed_workers_cgroups_and_mount_points_are_removed_by_the_next_jail():
    script = ("from callbacks_course.sandbox.host.jail import Jail\njail = Jail(memory_mb=256)\njail.wait_ready()\n"
              "print(jail.cgroups.dirs[0], jail._stage, flush=True)\nimport time\ntime.sleep(600)")
    worker = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=pathlib.Path(__file__).resolve().parents[2])
    cgroup, stage = worker.stdout.readline().split()
    worker.kill()  # SIGKILL: the jail never closes
    worker.wait()
    leftovers = [pathlib.Path(cgroup), pathlib.Path(cgroup.replace("/memory/", "/pids/")), pathlib.Path(stage)]
    assert all(path.is_dir() for path in leftovers)
    with Jail(memory_mb=256):
        assert [path for path in leftovers if path.exists()] == []
