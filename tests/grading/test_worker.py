"""The worker pool survives a worker that dies (the task in hand reports it, the next tasks are graded),
stops when one cannot start, and stops a busy one at once when closed."""

import glob
import os
import signal
import threading
import time

import pytest

from autograde.course import Course
from callbacks_course.sandbox.host.worker import WorkerError, WorkerPool
from support.grading import SAMPLE

pytestmark = pytest.mark.slow

SLOW = {"op": "grade", "assignment": "sample",
        "items": [{"grade_id": "ex1_basic", "setup": [], "answers": [["ex1", "import time\ntime.sleep(20)"]]}]}
HONEST = {"op": "grade", "assignment": "sample",
          "items": [{"grade_id": "ex1_basic", "setup": [], "answers": [["ex1", "def add(a, b):\n    return a + b"]]}]}


def _sample_pool(tmp_path):
    course = Course(SAMPLE, work=tmp_path)
    pool = WorkerPool(1, course.sys_path(), confine=True)
    pool.load("sample", {g: (i.collect, i.expect, 30.0, ()) for g, i in course.items("sample").items()})
    return pool


def test_a_dead_worker_is_replaced(tmp_path):
    pool = _sample_pool(tmp_path)
    try:
        victim = pool.procs[0]
        assert [reply for _, reply in pool.run([HONEST])][0]["results"]["ex1_basic"]["status"] == "ok"  # ready
        threading.Timer(3.0, os.kill, (victim.pid, signal.SIGKILL)).start()
        started = time.monotonic()
        replies = [reply for _, reply in pool.run([SLOW, HONEST])]
        assert time.monotonic() - started < 60
        assert "worker_error" in replies[0]
        assert replies[1]["results"]["ex1_basic"] == {"status": "ok", "observed": 3, "message": ""}
        assert pool.procs[0] is not victim and pool.procs[0].poll() is None
    finally:
        pool.close()


def test_a_worker_that_dies_before_it_is_ready_stops_the_run_instead_of_respawning(tmp_path):
    pool = _sample_pool(tmp_path)
    try:
        os.kill(pool.procs[0].pid, signal.SIGKILL)
        pool.procs[0].wait()  # gone: the task cannot even be written to it
        with pytest.raises(WorkerError, match="a grading worker stopped"):
            list(pool.run([HONEST]))
    finally:
        pool.close()


def test_closing_the_pool_stops_a_busy_worker_at_once_and_its_jail_is_removed(tmp_path):
    pool = _sample_pool(tmp_path)
    try:
        assert [reply for _, reply in pool.run([HONEST])][0]["results"]["ex1_basic"]["status"] == "ok"
        worker = pool.procs[0]
        pool.submit([SLOW])  # the answer sleeps 20 s; nobody will read its reply
        time.sleep(3)
        assert glob.glob(f"/sys/fs/cgroup/memory/autograde-{worker.pid}-*")  # an item is running in its jail
    finally:
        started = time.monotonic()
        pool.close()
    assert time.monotonic() - started < 10
    assert worker.returncode == 0  # it stopped itself, cleaning up
    assert glob.glob(f"/sys/fs/cgroup/*/autograde-{worker.pid}-*") == []
