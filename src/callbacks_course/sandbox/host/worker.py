"""The grading worker: trusted, long-lived, TensorFlow warm; runs every check, never student code.

Started by `WorkerPool` as `python -m callbacks_course.sandbox.host.worker`. It speaks JSON
lines: requests on stdin, replies on the original stdout (library prints go to stderr). The
first request is "configure", read before TensorFlow is imported, so that the jail's zygote
starts meanwhile. The check callables arrive pickled from the trusted main process; nothing is
ever unpickled from student code. The worker runs the reference runs (`expect`) and the checks
(`collect`) itself; the student's code runs in the worker's `Jail` (`host.jail`), a separate
confined process, reached only through `host.remote.Student`. Each item's result goes back as
an `Outcome`'s JSON. `score` always runs in the main process.

Example:

```python
with WorkerPool(jobs=2, sys_path=[...]) as pool:   # returns at once: the workers start meanwhile
    pool.load("sample", {"ex1_add": (collect, expect, 60.0, ())})
    pool.submit([{"op": "expect", "assignment": "sample", "item": "ex1_add"}])
    ...                                              # read the submissions
    for task, reply in pool.run([{"op": "grade", ...}]):
        ...
```
"""

import base64
import collections
import contextlib
import json
import os
import pickle
import selectors
import signal
import subprocess
import sys
import time

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.outcome import Outcome
from callbacks_course.sandbox.protocol import bounded_json

NICE = 10  # the workers' (and their jails') scheduling priority below the main process


def _reference(expect):
    """Run a reference run here (no student code is involved); its `Outcome`."""
    from callbacks_course.grading import GradingError

    try:
        return Outcome.ok(json.loads(json.dumps(expect())))
    except GradingError as error:
        return Outcome("fail", message=str(error))
    except Exception as error:
        return Outcome("error", message=f"{type(error).__name__}: {error}")


def _answer(request, items, jail):
    """The reply to one request ("load", "expect" or "grade")."""
    op = request["op"]
    if op == "load":
        items[request["assignment"]] = pickle.loads(base64.b64decode(request["payload"]))
        return {"loaded": sorted(items[request["assignment"]])}
    if op == "expect":
        _, expect, _, _ = items[request["assignment"]][request["item"]]
        return _reference(expect).as_json()
    if op == "grade":
        specs = items[request["assignment"]]
        reply = {"results": {}}
        for item in request["items"]:
            collect, _, timeout, forbid = specs[item["grade_id"]]
            job = {"setup": item["setup"], "answers": item["answers"]}
            reply["results"][item["grade_id"]] = jail.run(job, timeout, collect, forbid).as_json()
        return reply
    return {"error": f"unknown op {op}"}


def _stop(signum, frame):
    raise SystemExit(0)


def _serve(channel):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "Agg")
    signal.signal(signal.SIGTERM, _stop)  # `WorkerPool.close` stops a busy worker: the jail is cleaned up
    os.nice(NICE)  # the main process, which feeds the workers and books their results, goes first
    from .jail import Jail

    # the jail's zygote imports TensorFlow on its own while this process imports it
    configure = json.loads(sys.stdin.readline())
    jail = Jail(memory_mb=configure["memory_mb"], confine=configure["confine"])
    try:
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
            channel.write(json.dumps(_answer(json.loads(line), items, jail)) + "\n")
            channel.flush()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        jail.close()


def main():
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _serve(channel)


def _close_pipes(proc):
    """Close a worker's pipes; its stdin ends its loop. A dead worker's unsent requests are dropped."""
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.close()
    proc.stdout.close()


class WorkerError(RuntimeError):
    """A grading worker died or answered nonsense (not a student's fault)."""


class WorkerPool:
    """`jobs` worker processes, fed one task at a time each.

    Nothing here waits for a worker: requests are written at once (a worker reads them in order
    when TensorFlow is in), replies are read by `run`, so the caller prepares meanwhile.

    Args:
        jobs: number of workers (parallel sandboxes).
        sys_path: folders the workers need on their import path (the repo, the registry folder).
        log_path: file receiving the workers' stderr (TensorFlow's chatter).
        confine: run student code in bubblewrap with cgroups (see `jail`); tests may turn it off.
        memory_mb: memory of one item's student processes together.
        warn: called once with each warning of the jail (a kernel feature missing here).
        overrun: seconds per item beyond its deadline after which a worker that has not answered is
            hung (stuck in a call the item's deadline cannot interrupt): it is killed and replaced, and
            the task answered as a dead worker's.
    """

    def __init__(self, jobs, sys_path, log_path=os.devnull, confine=True, memory_mb=2048, warn=None,
                 overrun=limits.WORKER_OVERRUN_SECONDS):
        self._env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [*sys_path, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]),
            TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1", CALLBACKS_COURSE_OFFLINE="1")
        jobs = max(1, jobs)
        threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else 0
        self._configure = {"op": "configure", "confine": confine, "memory_mb": memory_mb, "threads": threads}
        self._warn = warn
        self._loads = []  # "load" requests, replayed to a replacement worker
        self._log = open(log_path, "ab")
        self._owed = {}  # worker -> the replies it owes, in order: "configure", "load" or a task
        self._buffers = {}  # worker -> the start of a reply not yet complete
        self._pending = collections.deque()  # tasks waiting for a free worker
        self._overrun = overrun
        self._timeouts = {}  # assignment -> {grade_id: the item's deadline}
        self._started = {}  # worker -> when it began the task at the head of what it owes
        self.procs = [self._spawn() for _ in range(jobs)]

    def _spawn(self):
        proc = subprocess.Popen([sys.executable, "-m", "callbacks_course.sandbox.host.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=self._log, env=self._env)
        self._owed[proc], self._buffers[proc], self._started[proc] = collections.deque(), bytearray(), None
        self._send(proc, self._configure, "configure")
        for request in self._loads:
            self._send(proc, request, "load")
        return proc

    def _send(self, proc, request, owed):
        try:
            proc.stdin.write((json.dumps(request) + "\n").encode())
            proc.stdin.flush()
        except BrokenPipeError:
            pass  # the worker is gone: `run` meets its end on reading, and replaces it (or raises)
        self._owed[proc].append(owed)
        if len(self._owed[proc]) == 1:
            self._begun(proc)

    def _begun(self, proc):
        """Start the clock of the task `proc` works on now, if what it owes first is a task."""
        owed = self._owed[proc]
        self._started[proc] = time.monotonic() if owed and isinstance(owed[0], dict) else None

    def _hung(self, proc):
        """Whether `proc` has worked on its task longer than the task's items' deadlines and overruns."""
        if self._started[proc] is None:
            return False
        task = self._owed[proc][0]
        timeouts = self._timeouts.get(task["assignment"], {})
        items = [task["item"]] if task["op"] == "expect" else [item["grade_id"] for item in task["items"]]
        budget = sum(timeouts.get(item, 0.0) + self._overrun for item in items)
        return time.monotonic() - self._started[proc] > budget

    def _receive(self, proc):
        """The replies `proc` has written by now (one read: call when it is readable); WorkerError at its end."""
        chunk = os.read(proc.stdout.fileno(), 2**20)
        if not chunk:
            raise WorkerError(f"a grading worker stopped (exit code {proc.poll()}); see the worker log")
        buffer = self._buffers[proc]
        buffer += chunk
        lines = []
        if b"\n" in chunk:
            *lines, rest = buffer.split(b"\n")
            self._buffers[proc] = bytearray(rest)
        if len(self._buffers[proc]) > limits.REPLY_BYTES:
            raise WorkerError("a grading worker's reply is over the size limit")
        return [bounded_json.loads(bytes(line), max_bytes=limits.REPLY_BYTES) for line in lines]

    def _replace(self, proc):
        """A fresh worker in place of `proc`, which died (never the student's doing: student code runs
        as another user in other namespaces), given every assignment."""
        proc.kill()
        proc.wait()
        _close_pipes(proc)
        del self._owed[proc], self._buffers[proc], self._started[proc]
        fresh = self._spawn()
        self.procs[self.procs.index(proc)] = fresh
        return fresh

    def _busy(self, proc):
        return any(isinstance(owed, dict) for owed in self._owed[proc])

    def _feed(self, proc):
        if self._pending and not self._busy(proc):
            task = self._pending.popleft()
            self._send(proc, task, task)

    def load(self, assignment, specs):
        """Give every worker the check callables of `assignment`: {grade_id: (collect, expect, timeout, forbid)}."""
        payload = base64.b64encode(pickle.dumps(specs)).decode()
        self._timeouts[assignment] = {grade_id: float(spec[2]) for grade_id, spec in specs.items()}
        self._loads.append({"op": "load", "assignment": assignment, "payload": payload})
        for proc in self.procs:
            self._send(proc, self._loads[-1], "load")

    def submit(self, tasks):
        """Queue `tasks`; a free worker gets one at once."""
        self._pending.extend(tasks)
        for proc in self.procs:
            self._feed(proc)

    def run(self, tasks=()):
        """Run `tasks` and those submitted before on free workers; yield (task, reply) as each finishes.

        A freed worker gets its next task before the reply is yielded, so the caller's bookkeeping
        overlaps with grading. A worker that dies, or hangs (see `overrun`), is replaced and its task
        answered with {"worker_error": ...}; one that dies before it is ready raises `WorkerError`.
        """
        self.submit(tasks)
        with selectors.DefaultSelector() as selector:
            for proc in self.procs:
                selector.register(proc.stdout, selectors.EVENT_READ, proc)
            while self._pending or any(map(self._busy, self.procs)):
                ready = [key.data for key, _ in selector.select(timeout=1.0)]
                hung = [proc for proc in self.procs if proc not in ready and self._hung(proc)]
                for proc in ready + hung:
                    owed = self._owed[proc]
                    try:
                        if proc in hung:
                            raise WorkerError("a grading worker did not answer within its items' deadlines "
                                              f"and {self._overrun:g} s more each (hung); it was stopped")
                        replies = self._receive(proc)
                    except WorkerError as exc:
                        if "configure" in owed:
                            raise
                        task = next((o for o in owed if isinstance(o, dict)), None)
                        selector.unregister(proc.stdout)
                        proc = self._replace(proc)
                        selector.register(proc.stdout, selectors.EVENT_READ, proc)
                        self._feed(proc)
                        if task is not None:
                            yield task, {"worker_error": str(exc)}
                        continue
                    for reply in replies:
                        done = owed.popleft()
                        self._begun(proc)
                        if done == "configure":
                            for warning in reply["warnings"] if self._warn else ():
                                self._warn(warning)
                            self._warn = None  # every worker has the same jail: its warnings once
                        elif isinstance(done, dict):
                            self._feed(proc)
                            yield done, reply

    def close(self):
        """Stop the workers: at once those still working on something nobody will read, the others cleanly."""
        for proc in self.procs:
            _close_pipes(proc)
        for proc in self.procs:
            if self._owed[proc] and proc.poll() is None:
                proc.terminate()
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
