"""The grading worker: trusted, long-lived, TensorFlow warm; runs every check, never student code.

Started by `WorkerPool` as `python -m autograde.worker`. It speaks JSON lines: requests on
stdin, replies on the original stdout (library prints go to stderr). The first request is
"configure", read before TensorFlow is imported, so that the jail's zygote starts meanwhile.
The check callables arrive pickled from the trusted main process; nothing is ever unpickled
from student code. The worker runs the reference runs (`expect`) and the checks (`collect`)
itself; the student's code runs in the worker's `Jail` (autograde/jail.py), a separate
confined process, reached only through `callbacks_course.grading.remote.Student`. `score`
always runs in the main process.

Example:

```python
with WorkerPool(jobs=2, sys_path=[...]) as pool:
    pool.load("sample", {"ex1_add": (collect, None, 60.0, ())})
    for task, reply in pool.run([{"op": "grade", ...}]):
        ...
```
"""

import base64
import json
import os
import pickle
import selectors
import subprocess
import sys

from . import bounded_json

MESSAGE_LIMIT = 2000
REPLY_LIMIT = 256 * 2**20  # one reply of a worker: a submission's observations


def _reference(expect):
    """Run a reference run here (no student code is involved); its outcome as a dict."""
    from callbacks_course.grading import GradingError

    try:
        return {"status": "ok", "observed": json.loads(json.dumps(expect())), "message": ""}
    except GradingError as error:
        return {"status": "fail", "observed": None, "message": str(error)[:MESSAGE_LIMIT]}
    except Exception as error:
        return {"status": "error", "observed": None, "message": f"{type(error).__name__}: {error}"[:MESSAGE_LIMIT]}


def _serve(channel):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "Agg")
    from .jail import Jail

    # the jail's zygote imports TensorFlow on its own while this process imports it
    configure = json.loads(sys.stdin.readline())
    jail = Jail(memory_mb=configure["memory_mb"], confine=configure["confine"])
    import matplotlib

    matplotlib.use("Agg")
    import tensorflow

    if configure.get("threads"):  # several workers share the cores: no oversubscription
        tensorflow.config.threading.set_intra_op_parallelism_threads(configure["threads"])
    jail.wait_ready()
    channel.write(json.dumps({"warnings": jail.warnings}) + "\n")
    channel.flush()
    items = {}
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        if op == "load":
            items[request["assignment"]] = pickle.loads(base64.b64decode(request["payload"]))
            reply = {"loaded": sorted(items[request["assignment"]])}
        elif op == "expect":
            _, expect, _, _ = items[request["assignment"]][request["item"]]
            reply = _reference(expect)
        elif op == "grade":
            specs = items[request["assignment"]]
            reply = {"results": {}}
            for item in request["items"]:
                collect, _, timeout, forbid = specs[item["grade_id"]]
                job = {"setup": item["setup"], "answers": item["answers"]}
                reply["results"][item["grade_id"]] = jail.run(job, timeout, collect, forbid)
        else:
            reply = {"error": f"unknown op {op}"}
        channel.write(json.dumps(reply) + "\n")
        channel.flush()
    jail.close()


def main():
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _serve(channel)


class WorkerError(RuntimeError):
    """A grading worker died or answered nonsense (not a student's fault)."""


class WorkerPool:
    """`jobs` worker processes, fed one task at a time each.

    Args:
        jobs: number of workers (parallel sandboxes).
        sys_path: folders the workers need on their import path (the repo, the registry folder).
        log_path: file receiving the workers' stderr (TensorFlow's chatter).
        confine: run student code in bubblewrap with cgroups (see autograde/jail.py); tests may turn it off.
        memory_mb: memory of one item's student processes together.
    """

    def __init__(self, jobs, sys_path, log_path=os.devnull, confine=True, memory_mb=2048):
        self._env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [*sys_path, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]),
            TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1", CALLBACKS_COURSE_OFFLINE="1")
        jobs = max(1, jobs)
        threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else 0
        self._configure = {"op": "configure", "confine": confine, "memory_mb": memory_mb, "threads": threads}
        self._loads = []  # "load" requests, replayed to a replacement worker
        self._log = open(log_path, "ab")
        # the "configure" replies are read on first use: the workers import while the caller prepares
        self.procs = [self._spawn() for _ in range(jobs)]
        self.warnings = []
        self._configured = False

    def _spawn(self):
        proc = subprocess.Popen([sys.executable, "-m", "autograde.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=self._log, env=self._env)
        self._send(proc, self._configure)
        return proc

    def _ready(self):
        if not self._configured:
            self._configured = True
            for proc in self.procs:
                self.warnings = self._receive(proc)["warnings"]

    def _replace(self, proc):
        """A fresh worker in place of `proc`, which died (never the student's doing: student code runs
        as another user in other namespaces), loaded with every assignment."""
        proc.kill()
        proc.wait()
        fresh = self._spawn()
        self._receive(fresh)
        for request in self._loads:
            self._send(fresh, request)
            self._receive(fresh)
        self.procs[self.procs.index(proc)] = fresh
        return fresh

    def _send(self, proc, request):
        proc.stdin.write((json.dumps(request) + "\n").encode())
        proc.stdin.flush()

    def _receive(self, proc):
        line = proc.stdout.readline()
        if not line:
            raise WorkerError(f"a grading worker stopped (exit code {proc.poll()}); see the worker log")
        return bounded_json.loads(line, max_bytes=REPLY_LIMIT)

    def _broadcast(self, request):
        self._ready()
        for proc in self.procs:
            self._send(proc, request)
        return [self._receive(proc) for proc in self.procs]

    def load(self, assignment, specs):
        """Give every worker the check callables of `assignment`: {grade_id: (collect, expect, timeout, forbid)}."""
        payload = base64.b64encode(pickle.dumps(specs)).decode()
        self._loads.append({"op": "load", "assignment": assignment, "payload": payload})
        self._broadcast(self._loads[-1])

    def run(self, tasks):
        """Run tasks on free workers; yield (task, reply) as each finishes (any order).

        A freed worker gets its next task before the reply is yielded, so the caller's
        bookkeeping overlaps with grading.
        """
        self._ready()
        pending = list(tasks)
        busy = {}
        with selectors.DefaultSelector() as selector:
            def dispatch(proc):
                if pending:
                    task = pending.pop(0)
                    self._send(proc, task)
                    busy[proc] = task
                    selector.register(proc.stdout, selectors.EVENT_READ, proc)

            for proc in self.procs:
                dispatch(proc)
            while busy:
                for key, _ in selector.select():
                    proc = key.data
                    selector.unregister(proc.stdout)
                    task = busy.pop(proc)
                    try:
                        reply = self._receive(proc)
                    except WorkerError as exc:
                        reply = {"worker_error": str(exc)}
                        proc = self._replace(proc)
                    dispatch(proc)
                    yield task, reply

    def close(self):
        for proc in self.procs:
            if proc.stdin:
                proc.stdin.close()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if __name__ == "__main__":
    main()
