"""Where student code runs while grading: a bubblewrap sandbox, one cgroup per item, nothing shared.

The grading worker (trusted: it trains the models and runs the checks) starts one `Jail`: a
pristine zygote (`inside.zygote`) inside bubblewrap, as an unprivileged user
(`nobody`), in new user, pid, network, IPC, UTS and mount namespaces: no network of any kind, a
minimal `/dev`, a scrubbed environment, a size-limited tmpfs as its only writable place, and
read-only views of the Python installation, the virtualenv and the course package (nothing
else: no answer keys, no `/etc/shadow`, no other student's files; of the package's lab, only its
notebook entry points, not the checks). For each item the zygote forks a child, which the worker
moves into its own memory and pids cgroups (v1 or v2, `host.cgroups`) before it receives
the student's cells; when the item ends, every process in those cgroups is killed and the
child's folder deleted. The item's process talks to the worker over a socket, in `wire`'s
bounded messages only.

Python on the grading machine may live in a folder other users cannot enter (e.g. under
`/root`): as root, the worker mounts the folders it needs onto world-readable mount points in a
private mount namespace before dropping to `nobody`, so the sandbox sees them at their usual paths.
Those mount points live in TMPDIR, which `nobody` must be able to enter (`unreachable` says
which folder stops it, and the fix).

Missing pieces degrade with a one-line warning (see `Jail.warnings`; `grade` refuses to start
without cgroups unless the instructor passes `--allow-uncontained`): without cgroups, memory is
limited per process (RLIMIT_DATA) and an item's processes by its user's count (RLIMIT_NPROC, which
binds every user but root); without bubblewrap, the zygote runs as a plain process of the
worker's user (with Landlock where the kernel has it), which still keeps student code out of the
worker's process.

Example:

```python
with Jail(memory_mb=2048) as jail:
    outcome = jail.run(job, timeout=60, collect=lambda student: student.value("q01"))
```
"""

import errno
import json
import os
import pwd
import secrets
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
import traceback

from callbacks_course.grading import GradingError
from callbacks_course.sandbox import limits
from callbacks_course.sandbox.outcome import Outcome

from . import cgroups, orphans
from .bounds import ItemBounds, WorkArea


def _aborted(aborted):
    return Outcome(aborted.status, message=aborted.message)


def _check_failed(error, bounds):
    """The outcome of a check that raised on the student's answer.

    The check ran on what the student's code gave it (values, callbacks' descriptions), so
    this is the student's result, final and cached (a fix of the check changes the cache key
    and regrades): 0 with a message of ours. Only a full disk under the item's quota is the
    machine's fault (retried).
    """
    over = bounds.over()
    if over is not None:
        return _aborted(over)
    traceback.print_exc()  # into the worker log, for the instructor
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return Outcome("error", retry=True,
                       message="the grading machine's disk is full; this item will be graded again")
    return Outcome("error", check_failed=True,
                   message=f"your answer could not be checked: the check failed on what your code gave it "
                           f"({type(error).__name__}); this item scores 0")


class JailError(RuntimeError):
    """The jail could not start or stopped answering (never the student's doing)."""


def _remove_mount_points(stage):
    """Delete a stage folder and its empty mount points (never recursively: nothing in it is followed)."""
    for name in os.listdir(stage):
        try:
            os.rmdir(os.path.join(stage, name))
        except OSError:
            pass
    try:
        os.rmdir(stage)
    except OSError:
        pass


def _sweep_stages():
    """Remove the mount-point folders of workers that died without closing their jail."""
    root = tempfile.gettempdir()
    for name in orphans.of_dead_workers("autograde-stage", os.listdir(root)):
        _remove_mount_points(os.path.join(root, name))


def _package_parent():
    """The folder holding the `callbacks_course` package this process imports (the jail imports the same)."""
    import callbacks_course

    return os.path.dirname(os.path.dirname(os.path.realpath(callbacks_course.__file__)))


def _read_only_sources():
    """Folders the sandbox needs, read-only: the Python installation, the virtualenv, the package."""
    folders = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), _package_parent()}
    for entry in sys.path:  # site-packages outside the prefixes (e.g. a user site)
        if entry.endswith("site-packages") and os.path.isdir(entry):
            folders.add(os.path.realpath(entry))
    folders = sorted(folders)
    return [f for f in folders if not any(f != o and f.startswith(o + os.sep) for o in folders)]


def _nobody():
    try:
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except KeyError:
        return 65534, 65534


def _enterable(path, uid, groups):
    """Whether user `uid` (in `groups`) may enter folder `path`, by its mode bits."""
    st = os.stat(path)
    if uid == 0:
        return True
    bit = 0o100 if st.st_uid == uid else 0o010 if st.st_gid in groups else 0o001
    return bool(st.st_mode & bit)


def unreachable():
    """Why bubblewrap's unprivileged user could not start the sandbox here, on one line; None if it can.

    The sandbox runs as `nobody` when the worker is root (the folders it needs are mounted for
    it in TMPDIR, which `nobody` must be able to enter), else as the worker's own user (who must
    be able to enter the Python installation, the virtualenv and the course package). A folder
    on the way with mode 700 (a private home, a runtime folder) stops it.
    """
    if shutil.which("bwrap") is None:
        return None
    root = os.geteuid() == 0
    uid, groups = (_nobody()[0], {_nobody()[1]}) if root else (os.geteuid(), {os.getegid(), *os.getgroups()})
    needed = [("TMPDIR", tempfile.gettempdir())] + ([] if root else [("the Python or course folder", s)
                                                                      for s in _read_only_sources()])
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = f"uid {uid}"
    for what, folder in needed:
        path = os.path.realpath(folder)
        for step in [path, *_ancestors(path)]:
            if not _enterable(step, uid, groups):
                fix = ("set TMPDIR to a folder it can enter (e.g. TMPDIR=/var/tmp)" if what == "TMPDIR"
                       else "install the course and its .venv in a folder it can enter")
                return (f"the grading sandbox's user ({user}) cannot enter {step} (mode "
                        f"{stat.S_IMODE(os.stat(step).st_mode):o}) on the way to {what} {folder}: "
                        f"chmod o+x {shlex.quote(step)}, or {fix}")
    return None


def _ancestors(path):
    while path != os.path.dirname(path):
        path = os.path.dirname(path)
        yield path


def _zygote(python, fd):
    return [python, "-P", "-m", "callbacks_course.sandbox.inside.zygote", str(fd)]


def _bwrap_command(python, fd, sources, staged, uid, package_parent):
    command = ["bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
               "--new-session", "--clearenv", "--uid", str(uid), "--gid", str(uid)]
    for name, value in (("HOME", "/work"), ("PATH", "/usr/bin:/bin"), ("TMPDIR", "/work"), ("LANG", "C.UTF-8"),
                        ("MPLBACKEND", "Agg"), ("MPLCONFIGDIR", "/work"), ("TF_CPP_MIN_LOG_LEVEL", "3"),
                        ("CALLBACKS_COURSE_OFFLINE", "1"), ("PYTHONDONTWRITEBYTECODE", "1"),
                        ("OMP_NUM_THREADS", "1"), ("TF_NUM_INTEROP_THREADS", "1"), ("TF_NUM_INTRAOP_THREADS", "1"),
                        ("PYTHONPATH", package_parent)):
        command += ["--setenv", name, value]
    command += ["--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin"]
    for path in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime"):
        if os.path.exists(path):
            command += ["--ro-bind", path, path]
    command += ["--dev", "/dev", "--proc", "/proc", "--size", str(limits.JAIL_TMPFS_MB * 2**20), "--tmpfs", "/work",
                "--chdir", "/"]
    for source, view in zip(sources, staged):
        command += ["--ro-bind", view, source]
    return command + _hide_checks(sources, staged, package_parent) + _zygote(python, fd)


def _hide_checks(sources, staged, package_parent):
    """bwrap arguments that leave only `__init__.py` of `callbacks_course/lab` in the sandbox.

    The lab's checks (and their scenarios) run in the worker; the student's process needs only
    the notebook's entry points, which do nothing there.
    """
    lab = os.path.join(package_parent, "callbacks_course", "lab")
    source = next(s for s in sources if lab.startswith(s + os.sep))
    view = os.path.join(staged[sources.index(source)], os.path.relpath(lab, source), "__init__.py")
    return ["--tmpfs", lab, "--ro-bind", view, os.path.join(lab, "__init__.py"), "--remount-ro", lab]


class Jail:
    """The confined process of one grading worker (see the module docstring).

    Args:
        memory_mb: memory of one item's processes together.
        confine: False runs the zygote as a plain child process (tests of the engine's bookkeeping).
    """

    def __init__(self, memory_mb=2048, confine=True):
        self.memory_mb, self.confine = memory_mb, confine
        self.warnings = []
        self._items = 0
        self._stage = self._home = None
        self.area = WorkArea()  # the folders of the checks' own files, one per item (`bounds`)
        self.cgroups = None
        if confine:  # v1 or v2 memory and pids, see `cgroups`
            self.cgroups = cgroups.create(f"autograde-{os.getpid()}-{secrets.token_hex(4)}", memory_mb)
        if confine and self.cgroups is None:
            self.warnings.append("cgroups (v1 or v2 memory and pids) are not writable here: memory is limited per "
                                 "process (RLIMIT_DATA), so an item's children together may use more; processes "
                                 f"per user ({limits.ITEM_PIDS} more, RLIMIT_NPROC, none for root); and only the "
                                 "item's process group is killed when it ends")
        self.bwrap = confine and shutil.which("bwrap") is not None
        if confine and not self.bwrap:
            self.warnings.append("bubblewrap (bwrap) is not installed: student code runs in a plain child process "
                                 "(no namespaces: it can see the machine's files its user may read and the network)")
        self._spawn()

    def _spawn(self):
        """Start the zygote; it imports TensorFlow while the caller goes on (see `wait_ready`)."""
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        python = os.path.join(sys.prefix, "bin", "python")
        sources = _read_only_sources()
        env, fd = None, child.fileno()
        if self.bwrap:
            uid = _nobody()[0]
            if os.geteuid() == 0:
                if self._stage is None:
                    _sweep_stages()
                    self._stage = tempfile.mkdtemp(prefix=f"autograde-stage-{os.getpid()}-")
                    os.chmod(self._stage, 0o755)
                staged = [os.path.join(self._stage, str(n)) for n, _ in enumerate(sources)]
                for folder in staged:
                    os.makedirs(folder, 0o755, exist_ok=True)
                mounts = " && ".join(f"mount --bind {shlex.quote(s)} {shlex.quote(v)}" for s, v in zip(sources, staged))
                inner = _bwrap_command(python, fd, sources, staged, uid, _package_parent())
                drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
                command = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                           f"{mounts} && exec {shlex.join(drop + inner)}"]
            else:
                command = _bwrap_command(python, fd, sources, sources, os.geteuid(), _package_parent())
        else:
            command = _zygote(python, fd)
            self._home = self._home or tempfile.mkdtemp(prefix="autograde-jail-")
            env = {"HOME": self._home, "PATH": "/usr/bin:/bin",
                   "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3", "CALLBACKS_COURSE_OFFLINE": "1",
                   "PYTHONPATH": _package_parent()}
        self.proc = subprocess.Popen(command, pass_fds=(fd,), stdin=subprocess.DEVNULL,  # stderr: the worker log
                                     stdout=subprocess.DEVNULL, env=env, cwd="/",
                                     start_new_session=True)
        child.close()
        self.control = parent
        self._ready = False

    def wait_ready(self):
        """Block until the zygote has imported what student code may use; raise JailError if it cannot start."""
        if self._ready:
            return
        self.control.settimeout(limits.JAIL_START_SECONDS)
        try:
            ready = self.control.recv(16)
        except OSError:
            ready = b""
        if ready != b"ready\n":
            self._stop()
            raise JailError(unreachable() or "the grading sandbox did not start (bubblewrap, Python or the course "
                            "package is not usable by an unprivileged user here)")
        self._ready = True

    def _restart(self):
        self._stop()
        self._spawn()
        self.wait_ready()

    def run(self, job, timeout, collect, forbid=()):
        """Run the student's cells of `job`, then `collect(Student)` here; return its `Outcome`.

        The whole item is bounded (`callbacks_course.sandbox.host.bounds.ItemBounds`): its deadline covers the
        student's code and the check's own work here (training, saving, loading), the check's
        files go to a folder of the item's with a disk quota, and the observations are at most
        `limits.OBSERVED_BYTES` bytes. The setup cells' outcome is read before the student's code is
        sent, so no student code can answer for them; every message comes from here.

        Args:
            job: {"setup": [(name, source)], "answers": [(cell_id, source)]}.
            timeout: seconds for the whole item (the student's code and the grader's runs).
            collect: the check, `collect(student) -> JSON-able observations`.
            forbid: dotted names of Keras classes the student's code must not use.

        Returns:
            An `Outcome`, with `retry` only for a failure of the instructor's side (the setup cells,
            a full disk).
        """
        from callbacks_course.sandbox.host.remote import ItemAborted, StreamChannel

        self.wait_ready()
        for attempt in (0, 1):
            try:
                sock, item = self._fork()
                break
            except (OSError, JailError):
                if attempt:
                    raise
                self._restart()
        bounds = ItemBounds(self.area, timeout)
        try:
            with bounds:
                try:
                    outcome = self._item(job, StreamChannel(sock, bounds.deadline, timeout), collect, forbid, bounds)
                finally:
                    bounds.disarm()
        except ItemAborted as aborted:  # the deadline or the quota, met while the outcome was made
            outcome = _aborted(aborted)
        finally:
            self._end(sock, item)
        return outcome

    def _item(self, job, channel, collect, forbid, bounds):
        """The outcome of one item on its forked process (see `run`)."""
        from callbacks_course.sandbox.host.remote import ItemAborted, Student, StudentError

        protocol = ItemAborted("crashed", "your code's process broke the grading protocol (an unexpected reply)")
        nonce = secrets.token_hex(8)
        cells = [str(cell_id) for cell_id, _ in job.get("answers", ())]
        try:
            channel.send({"setup": [list(cell) for cell in job.get("setup", ())], "forbid": list(forbid),
                          "memory_mb": None if self.cgroups else self.memory_mb, "nonce": nonce})
            ready = channel.receive()  # no student code has run in that process yet
            if ready.get("nonce") != nonce or ready.get("setup") not in ("ok", "failed"):
                raise JailError("the grading sandbox answered the setup cells out of protocol")
            if ready["setup"] == "failed":
                return Outcome("error", retry=True, message=f"the notebook's setup cell failed "
                               f"({str(ready.get('error'))[:limits.SETUP_ERROR_CHARS]}); tell your instructor")
            channel.send({"answers": [list(cell) for cell in job.get("answers", ())]})
            ran = channel.receive()
            if ran != {"ran": True}:
                return self._answer_failed(ran, cells, protocol)
            observed = json.dumps(collect(Student(channel)), default=repr)
            if len(observed) > limits.OBSERVED_BYTES:
                return Outcome("error", message=f"your answer made the check observe more than "
                                                f"{limits.OBSERVED_BYTES // 2**20} MB of data (the limit of one item)")
            over = bounds.over()
            return _aborted(over) if over else Outcome.ok(json.loads(observed))
        except ItemAborted as aborted:
            return _aborted(aborted)
        except GradingError as error:
            return Outcome("fail", message=str(error))
        except StudentError as error:
            return Outcome("error", message=f"your code raised {error}")
        except JailError:
            raise
        except Exception as error:
            return _check_failed(error, bounds)

    @staticmethod
    def _answer_failed(ran, cells, protocol):
        """The outcome of answer cells that did not run through: the student's doing, in our words."""
        cell = ran.get("cell")
        if cell not in cells or set(ran) - {"cell", "raised", "exit"}:
            raise protocol
        if ran.get("exit") is True:
            return Outcome("error", message=f"your code in cell {cell} called exit(); grading needs it to finish")
        if not isinstance(ran.get("raised"), str):
            raise protocol
        return Outcome("error", message=f"your code in cell {cell} raised {ran['raised']}")

    def _fork(self):
        self._items += 1
        item = self._items
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        mine.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        try:
            socket.send_fds(self.control, [json.dumps({"op": "fork", "item": item}).encode()], [theirs.fileno()])
        finally:
            theirs.close()
        mine.settimeout(limits.JAIL_START_SECONDS)
        data, ancillary, _, _ = mine.recvmsg(5, socket.CMSG_SPACE(12))
        pid = next((struct.unpack("3i", payload)[0] for level, kind, payload in ancillary
                    if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS), None)
        if data != b"hello" or not pid:
            mine.close()
            raise JailError("the grading sandbox did not fork an item")
        if self.cgroups:
            self.cgroups.add(pid)
        else:
            self._fallback_pid = pid
        return mine, item

    def _end(self, sock, item):
        sock.close()
        if self.cgroups:
            self.cgroups.kill_all()
        else:
            for target in (-self._fallback_pid, self._fallback_pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        try:
            self.control.sendall(json.dumps({"op": "clean", "item": item}).encode())
            self.control.settimeout(limits.JAIL_CLEAN_SECONDS)
            if self.control.recv(16) != b"clean\n":
                raise JailError("no answer")
        except (OSError, JailError):
            self._restart()  # the zygote died or hangs (a student's process may have signalled it)

    def _stop(self):
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
            proc.wait()
        if getattr(self, "control", None) is not None:
            self.control.close()
        if self.cgroups:
            self.cgroups.kill_all()

    def close(self):
        """Stop the zygote and everything it started; remove the cgroups and mount points."""
        self._stop()
        if self.cgroups:
            self.cgroups.remove()
        if self._stage:
            _remove_mount_points(self._stage)
        if self._home:  # rm walks a tree of any depth and follows no link
            subprocess.run(["rm", "-rf", "--one-file-system", self._home], check=False)
        self.area.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
