"""The main process's own watch on its workers: a worker that stops answering (stuck in a call the
item's deadline cannot interrupt; here it is stopped with SIGSTOP, which no signal handler sees) is
killed after its items' deadlines plus the overrun, its task answered as a dead worker's, and the
replacement grades the next task."""

import os
import signal
import time

import pytest

from autograde.course import Course
from callbacks_course.sandbox.host.worker import WorkerPool
from support.grading import SAMPLE

pytestmark = pytest.mark.slow

HONEST = {"op": "grade", "assignment": "sample",
          "items": [{"grade_id": "ex1_basic", "setup": [], "answers": [["ex1", "def add(a, b):\n    return a + b"]]}]}
DEADLINE, OVERRUN = 5.0, 3.0


def test_a_hung_worker_is_killed_after_its_items_deadlines_and_replaced(tmp_path):
    course = Course(SAMPLE, work=tmp_path)
    pool = WorkerPool(1, course.sys_path(), confine=True, overrun=OVERRUN)
    pool.load("sample", {g: (i.collect, i.expect, DEADLINE, ()) for g, i in course.items("sample").items()})
    try:
        assert [reply for _, reply in pool.run([HONEST])][0]["results"]["ex1_basic"]["status"] == "ok"  # ready
        victim = pool.procs[0]
        os.kill(victim.pid, signal.SIGSTOP)
        started = time.monotonic()
        (_, hung), = pool.run([HONEST])
        waited = time.monotonic() - started
        assert DEADLINE + OVERRUN <= waited < DEADLINE + OVERRUN + 30
        assert hung == {"worker_error": "a grading worker did not answer within its items' deadlines and 3 s more "
                                        "each (hung); it was stopped"}
        assert victim.poll() == -signal.SIGKILL and pool.procs[0] is not victim
        (_, graded), = pool.run([HONEST])
        assert graded["results"]["ex1_basic"] == {"status": "ok", "observed": 3, "message": ""}
    finally:
        pool.close()

