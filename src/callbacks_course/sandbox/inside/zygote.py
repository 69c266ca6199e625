"""The student's confined process while grading: a pristine parent, and one forked child per item.

Started by the grading worker inside its sandbox (see `host.jail`) as
`python -P -m callbacks_course.sandbox.inside.zygote`, with a control socket's fd number as its
argument. It imports what student code may use (Keras, NumPy, TensorFlow, Matplotlib, Pillow, imageio, the modules of the
course package the notebooks' setup cells import: never the lab's checks, which the sandbox
does not hold), makes itself non-dumpable, then waits. It never sees a submission: for each item the
worker sends it a fresh socket, it forks a child and forgets it. Only the child receives the
notebook's cells: first the setup cells, whose outcome it reports before it is sent the
student's answer cells (so no student code can report it), then those, and then it answers the
grader's requests (`StudentServer`). Nothing of
one item's child survives into the next.

Control messages (JSON, with the item socket as an SCM_RIGHTS fd): `{"op": "fork", "item": N}`,
`{"op": "clean", "item": N}` (reap the child, delete its folder).
"""

import ctypes
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile

from callbacks_course.sandbox import limits

_PR_SET_DUMPABLE = 4


def _preload():
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import imageio.v2  # noqa: F401
    import keras  # noqa: F401
    import matplotlib.pyplot  # noqa: F401
    import numpy  # noqa: F401
    import PIL.Image  # noqa: F401
    import tensorflow  # noqa: F401

    import callbacks_course.lab  # noqa: F401  (the notebooks' setup cells import these)
    import callbacks_course.mnist  # noqa: F401
    import callbacks_course.models  # noqa: F401
    from callbacks_course.sandbox.inside import student_side  # noqa: F401


def _receive(sock):
    size = int.from_bytes(_exactly(sock, 4), "big")
    from callbacks_course.sandbox.protocol import wire

    if size > limits.MESSAGE_BYTES:
        raise ValueError("message too large")
    return wire.unpack(_exactly(sock, size))


def _exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _confine(workdir):
    """Limits of the item's child: no core files, bounded files and descriptors, Landlock on top."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.FILE_BYTES, limits.FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.OPEN_FILES, limits.OPEN_FILES))
    landlock = _landlock()
    if landlock is not None and landlock.abi() >= 1:
        landlock.restrict(read=["/"], write=[workdir])


def _bound_tasks():
    """Without a pids cgroup: at most `ITEM_PIDS` more tasks of this user (RLIMIT_NPROC; root is exempt).

    The kernel counts the user's processes and threads in this user namespace (the jail's, under
    bubblewrap), so the limit is what runs now plus the item's allowance.
    """
    uid, running = os.getuid(), 0
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                running += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:  # it ended meanwhile
            continue
    limit = running + limits.ITEM_PIDS
    resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))


def _landlock():
    """The engine's Landlock module when the sandbox can see it (a further layer, not the first)."""
    try:
        from callbacks_course.sandbox.inside import landlock
    except ImportError:
        return None
    return landlock


def _child(sock, item):
    from callbacks_course.sandbox.protocol import wire
    from callbacks_course.sandbox.inside.student_side import StudentServer, forbid, run_answers, run_setup

    os.setsid()
    quiet = os.open(os.devnull, os.O_RDWR)  # the student's prints go nowhere (the zygote's go to the worker log)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)
    workdir = os.path.join(os.environ.get("HOME", "/tmp"), f"item-{item}")
    os.mkdir(workdir, 0o700)
    os.chdir(workdir)
    os.environ.update(TMPDIR=workdir, MPLCONFIGDIR=workdir)
    tempfile.tempdir = workdir  # the zygote's cached choice (/work) is outside what Landlock lets it write
    _confine(workdir)
    sock.sendall(b"hello")  # the worker reads this process's pid from the socket's credentials

    def send(message):
        sock.sendall(wire.pack(message))

    job = _receive(sock)
    if job.get("memory_mb"):  # no cgroup for this item: limits per process and per user instead
        limit = int(job["memory_mb"]) * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
        _bound_tasks()
    forbid(job.get("forbid", ()), for_good=True)  # Landlock hides their code: reloading cannot undo it
    namespace = {}
    failed = run_setup(namespace, job.get("setup", ()))
    # sent before any student code runs: nothing the student writes can answer for the setup cells
    send({"setup": "failed", "error": failed, "nonce": job.get("nonce")} if failed
         else {"setup": "ok", "nonce": job.get("nonce")})
    if failed:
        return
    send(run_answers(namespace, _receive(sock).get("answers", ())))
    server = StudentServer(namespace)
    while True:
        send(server.handle(_receive(sock)))


def main():
    _preload()
    ctypes.CDLL(None).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    control = socket.socket(fileno=int(sys.argv[1]))
    control.sendall(b"ready\n")
    children = {}
    while True:
        message, fds, _, _ = socket.recv_fds(control, 4096, 1)
        if not message:
            return
        request = json.loads(message)
        item = int(request["item"])
        if request["op"] == "fork":
            pid = os.fork()
            if pid == 0:
                control.close()
                code = 1
                try:
                    _child(socket.socket(fileno=fds[0]), item)
                except (EOFError, ConnectionError):
                    code = 0
                finally:
                    os._exit(code)
            os.close(fds[0])
            children[item] = pid
        elif request["op"] == "clean":
            _clean(children.pop(item, None), item)
            control.sendall(b"clean\n")


def _clean(pid, item):
    """Reap the item's child and delete its folder (with `rm`, which walks any depth)."""
    if pid:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    folder = os.path.join(os.environ.get("HOME", "/tmp"), f"item-{item}")
    if os.path.lexists(folder):
        subprocess.run(["rm", "-rf", "--one-file-system", folder], check=False)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
