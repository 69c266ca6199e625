"""Memory and process containment of one grading item: a cgroup (v1 or v2) emptied after each item.

The jail moves each item's process into the cgroup(s) of its worker before student code runs:
memory of all the item's processes together (shared mappings and tmpfs files too) is capped,
so is the number of its processes and threads (a fork bomb stops at `limits.ITEM_PIDS`), and
when the item ends every process in them is killed. Two kernel interfaces:

- **v1** (`V1`): one folder in each of the `memory` and `pids` hierarchies
  (`memory.limit_in_bytes`, `memory.memsw.limit_in_bytes`, `pids.max`); needs root.
- **v2** (`V2`, the unified hierarchy of current Debian/Ubuntu, most Slurm and Kubernetes
  nodes): one folder with `memory.max`, `memory.swap.max` (0), `memory.oom.group`, `pids.max`;
  `cgroup.kill` kills the whole cgroup at once. As root on the host, the folders are made under
  the root cgroup. Elsewhere (a user with a delegated cgroup: `systemd-run --user --scope -p
  Delegate=yes ...`, a container with a writable cgroup namespace) they are made under this
  process's own cgroup: its processes first move into a leaf `autograde-main` (cgroup v2 puts
  processes only in leaves), then `memory` and `pids` are enabled for its children.

Example:

```python
group = create(f"autograde-{os.getpid()}-1", memory_mb=2048)   # None: no containment here
group.add(pid); ...; group.kill_all(); group.remove()
```
"""

import os
import signal
import time

from callbacks_course.sandbox import limits

from . import orphans

ROOT = "/sys/fs/cgroup"
PREFIX = "autograde"  # item cgroups are named autograde-<worker pid>-<hex>
_LEAF = "autograde-main"


class CgroupError(RuntimeError):
    """A cgroup could not be set up or emptied."""


def _write(path, value):
    with open(path, "w") as handle:
        handle.write(value)


def _read(path):
    with open(path) as handle:
        return handle.read()


class _Group:
    """What both versions share: the processes of the item's folders, killed until none is left."""

    dirs = ()

    def add(self, pid):
        """Move process `pid` (and the children it starts from now on) into the cgroup."""
        for folder in self.dirs:
            _write(os.path.join(folder, "cgroup.procs"), str(pid))

    def pids(self):
        found = set()
        for folder in self.dirs:
            found.update(int(line) for line in _read(os.path.join(folder, "cgroup.procs")).split())
        return found

    def _signal_all(self, pids):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill_all(self, patience=120):
        """Kill every process of the cgroup until none is left (forks cannot outrun `pids.max`).

        A process that is freeing a lot of memory can take a while to go, on a busy machine.
        """
        deadline = time.monotonic() + patience
        while True:
            pids = self.pids()
            if not pids:
                return
            if time.monotonic() > deadline:
                raise CgroupError(f"{len(pids)} processes of an item could not be killed")
            self._signal_all(pids)
            time.sleep(0.01)

    def remove(self):
        """Empty the cgroup and delete its folders."""
        self.kill_all()
        for folder in self.dirs:
            for _ in range(100):
                try:
                    os.rmdir(folder)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


class V1(_Group):
    """One memory and one pids cgroup (v1) for the items of one worker.

    Args:
        name: the cgroups' folder name.
        memory_mb: memory of all the item's processes together; None takes the cgroups as they
            are (to remove a dead worker's).
        pids: processes and threads of the item together.
        root: where the v1 hierarchies are mounted.
    """

    def __init__(self, name, memory_mb=None, pids=limits.ITEM_PIDS, root=ROOT):
        self.dirs = [os.path.join(root, "memory", name), os.path.join(root, "pids", name)]
        for folder in self.dirs:
            os.makedirs(folder, exist_ok=True)
        if memory_mb is None:
            return
        limit = str(memory_mb * 2**20)
        _write(os.path.join(self.dirs[0], "memory.limit_in_bytes"), limit)
        if os.path.exists(os.path.join(self.dirs[0], "memory.memsw.limit_in_bytes")):
            _write(os.path.join(self.dirs[0], "memory.memsw.limit_in_bytes"), limit)
        _write(os.path.join(self.dirs[1], "pids.max"), str(pids))

    @staticmethod
    def available(root=ROOT):
        """Whether this process may make v1 memory and pids cgroups (root, both hierarchies writable)."""
        return os.geteuid() == 0 and all(os.access(os.path.join(root, c, "cgroup.procs"), os.W_OK)
                                         for c in ("memory", "pids"))

    @classmethod
    def sweep(cls, root=ROOT):
        """Remove the cgroups of workers that died without closing their jail (killed, say)."""
        names = {name for c in ("memory", "pids") for name in os.listdir(os.path.join(root, c))}
        for name in orphans.of_dead_workers(PREFIX, names):
            cls(name, root=root).remove()


class V2(_Group):
    """One cgroup (v2) for the items of one worker, under a parent where `memory` and `pids` are enabled.

    Args:
        parent: the folder to make it in (`v2_parent`).
        name: its folder name.
        memory_mb: memory of all the item's processes together (no swap); None takes the
            cgroup as it is (to remove a dead worker's).
        pids: processes and threads of the item together.
    """

    def __init__(self, parent, name, memory_mb=None, pids=limits.ITEM_PIDS):
        self.folder = os.path.join(parent, name)
        self.dirs = [self.folder]
        os.makedirs(self.folder, exist_ok=True)
        if memory_mb is None:
            return
        _write(os.path.join(self.folder, "memory.max"), str(memory_mb * 2**20))
        for name, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):  # absent without swap
            if os.path.exists(os.path.join(self.folder, name)):
                _write(os.path.join(self.folder, name), value)
        _write(os.path.join(self.folder, "pids.max"), str(pids))

    def _signal_all(self, pids):
        kill = os.path.join(self.folder, "cgroup.kill")  # Linux 5.14+: the kernel kills them all at once
        if os.path.exists(kill):
            _write(kill, "1")
        else:
            super()._signal_all(pids)

    @classmethod
    def sweep(cls, parent):
        """Remove the cgroups of workers that died without closing their jail (killed, say)."""
        for name in orphans.of_dead_workers(PREFIX, os.listdir(parent)):
            if os.path.isdir(os.path.join(parent, name)):
                cls(parent, name).remove()


def version(root=ROOT):
    """2 when `root` is a cgroup2 mount (the unified hierarchy), 1 for v1 hierarchies, 0 without cgroups."""
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        return 2
    return 1 if os.path.isdir(os.path.join(root, "memory")) or os.path.isdir(os.path.join(root, "pids")) else 0


def _own_cgroup(root, proc_cgroup):
    """This process's v2 cgroup folder (the `0::/path` line of /proc/self/cgroup), or None."""
    try:
        lines = _read(proc_cgroup).splitlines()
    except OSError:
        return None
    path = next((line[3:] for line in lines if line.startswith("0::")), None)
    return None if path is None else os.path.normpath(os.path.join(root, path.lstrip("/")))


def v2_parent(root=ROOT, proc_cgroup="/proc/self/cgroup", change=True):
    """The v2 folder under which this process can make cgroups with memory and pids limits, or None.

    The root cgroup when this process may write it (root on the host); otherwise this process's
    own cgroup (its parent when that is the leaf `autograde-main` an earlier call moved it to)
    when it was delegated to the grading user (it may write its files): its processes move into
    the leaf `autograde-main` and `memory pids` are enabled for its children.

    Args:
        root: where cgroup2 is mounted.
        proc_cgroup: the file naming this process's cgroup.
        change: False only says whether it could (for `autograde doctor`): nothing is moved or enabled.
    """
    if version(root) != 2:
        return None
    wanted = {"memory", "pids"}
    is_root = not os.path.exists(os.path.join(root, "memory.max"))  # the root cgroup has no limits of its own
    parent = root if is_root and os.access(os.path.join(root, "cgroup.subtree_control"), os.W_OK) \
        else _own_cgroup(root, proc_cgroup)
    if parent is not None and os.path.basename(parent) == _LEAF:
        parent = os.path.dirname(parent)
    if parent is None or not os.access(os.path.join(parent, "cgroup.subtree_control"), os.W_OK):
        return None
    if not wanted <= set(_read(os.path.join(parent, "cgroup.controllers")).split()):
        return None  # not delegated to this cgroup's children
    if wanted <= set(_read(os.path.join(parent, "cgroup.subtree_control")).split()) or not change:
        return parent
    try:
        if not is_root:  # no process may stay in a (non-root) cgroup whose children get controllers
            leaf = os.path.join(parent, _LEAF)
            os.makedirs(leaf, exist_ok=True)
            for pid in _read(os.path.join(parent, "cgroup.procs")).split():
                try:
                    _write(os.path.join(leaf, "cgroup.procs"), pid)
                except ProcessLookupError:
                    pass
        _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +pids")
    except OSError:
        return None
    return parent


def create(name, memory_mb, pids=limits.ITEM_PIDS, root=ROOT, proc_cgroup="/proc/self/cgroup"):
    """The item cgroup(s) of one worker, v1 where this process may make them, else v2; None if neither.

    Removes the cgroups that workers which died without closing their jail left behind.

    Args:
        name: the folder name, `autograde-<worker pid>-<hex>`.
        memory_mb: memory of all the item's processes together.
        pids: processes and threads of the item together.
    """
    if V1.available(root):
        V1.sweep(root)
        return V1(name, memory_mb, pids, root=root)
    parent = v2_parent(root, proc_cgroup)
    if parent is None:
        return None
    V2.sweep(parent)
    return V2(parent, name, memory_mb, pids)
