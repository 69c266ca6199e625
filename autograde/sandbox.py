"""Run one graded item in a forked, confined child process and bring back plain JSON.

The grading worker has already imported TensorFlow, Keras and the check modules. For each
(student, item) it forks a child that: starts a new session, closes every inherited file
descriptor but its result pipe, moves into a fresh temporary folder, sets resource limits, gives
up root, confines its filesystem with Landlock, and only then runs the notebook's setup cells,
the student's answer cells and the item's `collect`. The observations travel back as JSON; the
parent kills the child's whole process group on timeout and turns a crash into a message.

Example:

```python
guard = Guard.take()          # in the worker, after every import
outcome = run_item(job, timeout=60, guard=guard)
outcome["status"], outcome["observed"], outcome["message"]
```
"""

import builtins
import json
import os
import pwd
import re
import resource
import select
import shutil
import signal
import stat
import sys
import tempfile
import time
import traceback
import types

from callbacks_course.grading import GradingError

from callbacks_course.grading import landlock

MEMORY_MB = 2048
OUTPUT_LIMIT_BYTES = 256 * 2**20
_MISSING = object()
_GUARDED = ("keras", "numpy", "tensorflow", "callbacks_course", "autograde", "json", "builtins", "math")


def _guarded(name, extra):
    if name == "tensorflow":
        return True
    if name.startswith("tensorflow."):
        return False
    return any(name == p or name.startswith(p + ".") for p in _GUARDED + tuple(extra))


def _callable_like(value):
    return isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType, types.ModuleType,
                              types.MethodType, property, staticmethod, classmethod)) or callable(value)


class Guard:
    """Identities of the library's public functions, classes, methods and modules, frozen.

    Taken once in the worker before any student code exists; the child compares after the
    student's code and `collect` ran, so a replaced `keras.callbacks.EarlyStopping`,
    `numpy.mean`, `json.dumps` or check function is found.
    """

    def __init__(self, entries, modules, classes):
        self._entries = entries
        self._modules = modules
        self._classes = classes
        self._sys_modules = sys.modules

    @classmethod
    def take(cls, extra_modules=()):
        """Snapshot the guarded modules now loaded (Keras, NumPy, TF top level, the checks, ...)."""
        entries, modules, classes = [], [], []
        for name, module in list(sys.modules.items()):
            if module is None or not _guarded(name, extra_modules):
                continue
            modules.append((name, module))
            for attr, value in list(vars(module).items()):
                if attr.startswith("_") or not _callable_like(value) or "Lazy" in type(value).__name__:
                    continue
                entries.append((name, vars(module), attr, value, getattr(value, "__code__", None)))
                if isinstance(value, type) and getattr(value, "__module__", None) == name:
                    classes.append((f"{name}.{attr}", vars(value), frozenset(vars(value))))
                    for key, member in list(vars(value).items()):
                        if (key.startswith("_") and not key.endswith("__")) or not _callable_like(member):
                            continue
                        entries.append((f"{name}.{attr}", vars(value), key, member,
                                        getattr(member, "__code__", None)))
        return cls(tuple(entries), tuple(modules), tuple(classes))

    def tampered(self):
        """Names of guarded attributes that are not what they were (empty when untouched)."""
        found = []
        for name, module in self._modules:
            if self._sys_modules.get(name) is not module:
                found.append(name)
        for owner, namespace, attr, value, code in self._entries:
            current = namespace.get(attr, _MISSING)
            if current is not value or (code is not None and getattr(current, "__code__", None) is not code):
                found.append(f"{owner}.{attr}")
        for owner, namespace, keys in self._classes:
            for key in namespace.keys() - keys:  # a method added to a class shadows the inherited one
                if not (key.startswith("_") and not key.endswith("__")) and _callable_like(namespace[key]):
                    found.append(f"{owner}.{key}")
        return found


def strip_magics(source):
    """Replace IPython magics and shell escapes (`%...`, `!...`) by `pass`, keeping line numbers."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        lines[0] = ""
    return "\n".join(re.sub(r"^(\s*)[%!].*$", r"\1pass", line) for line in lines)


def _student_error(exc):
    return f"{type(exc).__name__}: {exc}".strip()


def _execute(job, guard, result_fd):
    """Child side: run setup, answers, collect; write one JSON line; never return."""
    dumps, loads, write, exit_ = json.dumps, json.loads, os.write, os._exit
    tampered = guard.tampered
    status, observed, message = "ok", None, ""
    namespace = {"__name__": "__main__", "__builtins__": builtins, "display": lambda *a, **k: None}
    try:
        for name, source in job.get("setup", ()):
            exec(compile(strip_magics(source), f"<setup cell {name}>", "exec"), namespace)
    except BaseException as exc:  # the instructor's setup cell failed: not the student's fault
        status, message = "error", f"the notebook's setup cell failed ({_student_error(exc)}); tell your instructor"
    if status == "ok":
        for cell_id, source in job.get("answers") or ():
            try:
                exec(compile(strip_magics(source), f"<answer cell {cell_id}>", "exec"), namespace)
            except SystemExit:
                status, message = "error", f"your code in cell {cell_id} called exit(); grading needs it to finish"
                break
            except BaseException as exc:
                status, message = "error", f"your code in cell {cell_id} raised {_student_error(exc)}"
                break
    if status == "ok":
        try:
            observed = job["collect"](namespace) if job.get("answers") is not None else job["collect"]()
            observed = loads(dumps(observed))
        except SystemExit:
            status, message = "error", "your code called exit() while being graded"
        except GradingError as exc:
            status, message = "fail", str(exc)
        except BaseException as exc:
            status, message = "error", f"your code raised {_student_error(exc)}"
    changed = tampered()
    if changed:
        shown = ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")
        status, observed = "tampered", None
        message = f"your code modified {shown}; grading needs the library unmodified"
    try:
        payload = dumps({"status": status, "observed": observed, "message": message})
    except BaseException as exc:
        payload = dumps({"status": "error", "observed": None,
                         "message": f"the observations are not plain data ({_student_error(exc)})"})
    data = payload.encode() + b"\n"
    while data:
        data = data[write(result_fd, data):]
    exit_(0)


def _readable_paths():
    paths = {sys.base_prefix, sys.prefix, os.path.realpath(sys.prefix), sys.exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable)),
             "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/opt/conda"}
    for entry in sys.path:
        if entry and os.path.isdir(entry) and ("site-packages" in entry or entry.startswith(sys.base_prefix)):
            paths.add(entry)
    import callbacks_course
    paths.add(os.path.dirname(os.path.realpath(callbacks_course.__file__)))
    return sorted(paths)


def _world_readable(path):
    """True when an unprivileged user can reach `path` (every parent folder is o+x)."""
    path = os.path.realpath(path)
    while True:
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


class Confinement:
    """How children are locked down on this machine (decided once in the worker)."""

    def __init__(self, enabled=True, memory_mb=MEMORY_MB):
        self.enabled = enabled
        self.memory_mb = memory_mb
        self.landlock = enabled and landlock.abi() >= 1
        self.read_paths = _readable_paths()
        self.nobody = None
        if enabled and os.geteuid() == 0 and all(_world_readable(p) for p in (sys.base_prefix, sys.prefix)):
            try:
                entry = pwd.getpwnam("nobody")
                self.nobody = (entry.pw_uid, entry.pw_gid)
            except KeyError:
                pass
        self.warnings = []
        if enabled and not self.landlock:
            self.warnings.append("Landlock is unavailable on this kernel: student code is not confined to "
                                 "its folder (grading still isolates it in its own process)")

    def make_dir(self):
        path = tempfile.mkdtemp(prefix="autograde-")
        if self.nobody:
            os.chown(path, *self.nobody)
        return path

    def apply(self, workdir):
        """Child side: limits, privileges, filesystem confinement. Called once, before student code."""
        limit = self.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
        if not self.enabled:
            return
        if os.geteuid() == 0:
            if self.nobody:
                os.setgroups([])
                os.setgid(self.nobody[1])
                os.setuid(self.nobody[0])
            else:
                landlock.drop_capabilities()
        if self.landlock:
            landlock.restrict(read=self.read_paths, write=[workdir])


def _child(job, guard, confinement, workdir, result_fd):
    try:
        os.setsid()
        output = os.open(os.path.join(workdir, ".output.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(output, 1)
        os.dup2(output, 2)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        keep = sorted({0, 1, 2, result_fd})
        for low, high in zip(keep, keep[1:] + [resource.getrlimit(resource.RLIMIT_NOFILE)[0]]):
            os.closerange(low + 1, high)
        os.chdir(workdir)
        os.environ.update(HOME=workdir, TMPDIR=workdir, MPLCONFIGDIR=workdir, MPLBACKEND="Agg",
                          CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
        tempfile.tempdir = workdir
        confinement.apply(workdir)
    except BaseException:
        os.write(result_fd, json.dumps({"status": "error", "observed": None,
                                        "message": "the grading sandbox could not start: "
                                                   + traceback.format_exc(limit=1).splitlines()[-1]}).encode())
        os._exit(1)
    _execute(job, guard, result_fd)


def reap_orphans():
    """Kill the processes a sandbox left behind (daemons that escaped its process group).

    The worker is a child subreaper (`become_subreaper`), so such orphans become its children.
    """
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            try:
                os.kill(int(entry), signal.SIGKILL)
                os.waitpid(int(entry), 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _death_message(status, killed_for_time, timeout):
    if killed_for_time:
        return f"stopped after {timeout:g} s: the code did not finish in time (an endless loop?)"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGKILL:
            return "the process was killed, most likely for using too much memory"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return f"the process crashed ({name}{', a segmentation fault' if sig == signal.SIGSEGV else ''})"
    return f"the process ended early (exit code {os.WEXITSTATUS(status)}, e.g. os._exit) before it was graded"


def _valid(result):
    return (isinstance(result, dict) and result.get("status") in ("ok", "fail", "error", "tampered")
            and isinstance(result.get("message"), str))


def run_item(job, timeout, guard, confinement):
    """Run `job` in a forked, confined child and return {status, observed, message}.

    Args:
        job: dict with `setup` [(name, source)], `answers` [(cell_id, source)] or None for a
            reference run, `collect` (callable; `collect(namespace)`, or `expect()` when
            `answers` is None; a `GradingError` it raises is shown as is).
        timeout: seconds before the child's process group is killed.
        guard: the worker's `Guard`.
        confinement: the worker's `Confinement`.

    Returns:
        A dict: `status` one of ok/fail/error/tampered/crashed/timeout, `observed` (JSON data
        when ok) and `message`.
    """
    workdir = confinement.make_dir()
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.close(read_fd)
        try:
            _child(job, guard, confinement, workdir, write_fd)
        except BaseException as exc:
            traceback.print_exc()
            os.write(write_fd, json.dumps({"status": "error", "observed": None, "message":
                                           f"internal grading error ({type(exc).__name__}); tell your instructor"
                                           }).encode())
        finally:
            os._exit(1)
    os.close(write_fd)
    chunks, killed_for_time, status = [], False, None
    try:
        while True:
            remaining = timeout - (time.monotonic() - started)
            if remaining <= 0:
                killed_for_time = True
                break
            ready, _, _ = select.select([read_fd], [], [], min(remaining, 1.0))
            if ready:
                data = os.read(read_fd, 1 << 16)
                if not data:
                    break
                chunks.append(data)
                if sum(map(len, chunks)) > 64 * 2**20:
                    break
    finally:
        for kill, target in ((os.killpg, pid), (os.kill, pid)):
            try:
                kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _, status = os.waitpid(pid, 0)
        os.close(read_fd)
        shutil.rmtree(workdir, ignore_errors=True)
    raw = b"".join(chunks)
    try:
        result = json.loads(raw.decode()) if raw and not killed_for_time else None
    except ValueError:
        result = None
    if not _valid(result):
        if killed_for_time:
            return {"status": "timeout", "observed": None, "message": _death_message(status, True, timeout)}
        return {"status": "crashed", "observed": None, "message": _death_message(status, False, timeout)}
    return {"status": result["status"], "observed": result.get("observed"), "message": result["message"]}
