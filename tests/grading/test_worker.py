"""The worker pool survives a worker that dies: the task in hand reports it, the next tasks are graded."""

import os
import signal
import threading
import time

import pytest

from autograde.course import Course
from autograde.worker import WorkerPool
from conftest import SAMPLE

pytestmark = pytest.mark.slow


def test_a_dead_worker_is_replaced(tmp_path):
    course = Course(SAMPLE, work=tmp_path)
    items = course.items("sample")
    pool = WorkerPool(1, course.sys_path(), confine=True)
    try:
        pool.load("sample", {g: (i.collect, i.expect, 30.0, ()) for g, i in items.items()})
        victim = pool.procs[0]
        slow = {"op": "grade", "assignment": "sample",
                "items": [{"grade_id": "ex1_basic", "setup": [], "answers": [["ex1", "import time\ntime.sleep(20)"]]}]}
        honest = {"op": "grade", "assignment": "sample",
                  "items": [{"grade_id": "ex1_basic", "setup": [],
                             "answers": [["ex1", "def add(a, b):\n    return a + b"]]}]}
        threading.Timer(3.0, os.kill, (victim.pid, signal.SIGKILL)).start()
        started = time.monotonic()
        replies = [reply for _, reply in pool.run([slow, honest])]
        assert time.monotonic() - started < 60
        assert "worker_error" in replies[0]
        assert replies[1]["results"]["ex1_basic"] == {"status": "ok", "observed": 3, "message": ""}
        assert pool.procs[0] is not victim and pool.procs[0].poll() is None
    finally:
        pool.close()
