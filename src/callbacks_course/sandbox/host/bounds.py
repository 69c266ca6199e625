"""What the trusted worker does for one item is bounded: its time, its folder, its disk.

A check's `collect` runs in the grading worker (trusted, outside any cgroup) and may do real
work for the student: train a model with callbacks the student described, save and load
checkpoints, write TensorBoard logs. `ItemBounds` covers that work, not only the waits for the
student's process:

- **time**: a watcher thread ends the item at its deadline, whatever the worker is doing (a
  signal makes the worker's main thread raise `ItemAborted("timeout")`, in a training step, a
  save or a load as well as in a wait for the student);
- **a folder of its own**: every temporary file of the item's checks (`tempfile` and
  `TMPDIR` point there while it runs) goes into a fresh folder, removed with `rm -rf` when the
  item ends (any depth, no link followed), so nothing of an item is left in the worker's TMPDIR;
- **disk**: the watcher measures that folder (an iterative walk, every `POLL` seconds) and ends
  the item when it holds more than `quota_mb` MiB, more than `limits.ITEM_ENTRIES` files and
  folders or nests deeper than `limits.ITEM_DEPTH`, so a student's callbacks can fill neither the disk nor the walk
  of a later reader: a full quota costs that item only.

Why a watcher and not a kernel limit: the worker is an ordinary process of the instructor's
(it may not be root, and cannot mount a size-limited tmpfs without one); RLIMIT_FSIZE limits one
file, not a folder, and would also stop the worker's own log. What the worker writes for a
student is bounded in count beforehand (e.g. ex4's callbacks, `lab.ex4_builtin_callbacks`), so
between two measurements it writes a few checkpoints at most, far below the quota's margin.

Example:

```python
area = WorkArea()                       # one per worker, under TMPDIR
with ItemBounds(area, timeout=60) as bounds:
    observed = collect(student)         # ItemAborted at the deadline or over the quota
area.close()
```
"""

import os
import signal
import stat
import subprocess
import tempfile
import threading
import time

from callbacks_course.sandbox import limits

from . import orphans

POLL = 0.05
_SIGNAL = signal.SIGALRM
_current = None  # the ItemBounds that is armed in this process


def _raise(signum, frame):
    bounds = _current
    if bounds is not None and bounds.tripped is not None:
        raise bounds.tripped


def remove_tree(path):
    """Delete `path` and everything below it, at any depth, following no link (`rm -rf`)."""
    subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(folder, max_entries=limits.ITEM_ENTRIES, max_depth=limits.ITEM_DEPTH):
    """(bytes, entries, depth) below `folder`, walked without recursion; stops once a bound is passed."""
    used = entries = deepest = 0
    stack = [(str(folder), 0)]
    while stack:
        path, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > max_depth or entries > max_entries:
            break
        try:
            with os.scandir(path) as listing:
                for entry in listing:
                    entries += 1
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    used += max(info.st_size, info.st_blocks * 512)
                    if stat.S_ISDIR(info.st_mode):
                        stack.append((entry.path, depth + 1))
        except OSError:
            continue
    return used, entries, deepest


class WorkArea:
    """The folder of one worker's items, under TMPDIR; folders of dead workers are removed on creation.

    Args:
        root: the parent folder (default: `tempfile.gettempdir()`).
    """

    def __init__(self, root=None):
        root = root or tempfile.gettempdir()
        for name in orphans.of_dead_workers("autograde-items", os.listdir(root)):
            remove_tree(os.path.join(root, name))
        self.path = tempfile.mkdtemp(prefix=f"autograde-items-{os.getpid()}-", dir=root)

    def close(self):
        remove_tree(self.path)


class ItemBounds:
    """The deadline, folder and disk quota of one item's work in this process (see the module docstring).

    Use it from the main thread (the worker's); elsewhere only the folder and the final size check apply.

    Args:
        area: the worker's `WorkArea`.
        timeout: seconds the item may take, counted from entering.
        quota_mb: MiB the item's folder may hold.
    """

    def __init__(self, area, timeout, quota_mb=limits.ITEM_QUOTA_MB):
        self.area, self.timeout, self.quota = area, timeout, quota_mb * 2**20
        self.deadline = None
        self.tripped = None
        self.folder = None
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        global _current
        self.deadline = time.monotonic() + self.timeout
        self.folder = tempfile.mkdtemp(prefix="item-", dir=self.area.path)
        self._saved = tempfile.tempdir, os.environ.get("TMPDIR")
        tempfile.tempdir = os.environ["TMPDIR"] = self.folder
        if threading.current_thread() is threading.main_thread():
            signal.signal(_SIGNAL, _raise)
            _current = self
            self._thread = threading.Thread(target=self._watch, args=(threading.main_thread().ident,), daemon=True)
            self._thread.start()
        return self

    def over(self):
        """The `ItemAborted` for a folder over its bounds now, or None."""
        from callbacks_course.sandbox.host.remote import ItemAborted  # imported on use: it imports Keras

        used, entries, depth = measure(self.folder)
        if used > self.quota:
            return ItemAborted("crashed", f"the grader stopped this item: your answer made it write more than "
                                          f"{self.quota // 2**20} MB of files (the limit of one item)")
        if entries > limits.ITEM_ENTRIES or depth > limits.ITEM_DEPTH:
            return ItemAborted("crashed", f"the grader stopped this item: your answer made it create more than "
                                          f"{limits.ITEM_ENTRIES} files or folders, or folders nested more than "
                                          f"{limits.ITEM_DEPTH} deep (the limits of one item)")
        return None

    def _watch(self, main):
        from callbacks_course.sandbox.host.remote import ItemAborted

        timed_out = ItemAborted("timeout", f"stopped after {self.timeout:g} s: the item did not finish in time "
                                           "(an endless loop, or too much work asked of the grader?)")
        while not self._stop.wait(POLL):
            if self.tripped is None:
                self.tripped = timed_out if time.monotonic() > self.deadline else self.over()
            if self.tripped is not None:
                signal.pthread_kill(main, _SIGNAL)
                if self._stop.wait(0.5):  # raised again if something swallowed it
                    return

    def disarm(self):
        """No more signals from here on (call before the item's outcome is handled)."""
        global _current
        if _current is self:
            _current = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __exit__(self, *exc):
        self.disarm()
        tempfile.tempdir = self._saved[0]
        if self._saved[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = self._saved[1]
        try:
            os.rmdir(self.folder)  # most items leave nothing: no `rm` process to start
        except OSError:
            remove_tree(self.folder)
