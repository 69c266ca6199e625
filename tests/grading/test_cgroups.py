"""callbacks_course/sandbox/host/cgroups.py: v2 against a fake cgroup2 tree, v1 against this machine's kernel.

This machine has cgroup v1 only, so the v2 code runs on a temporary folder laid out as a cgroup2
mount, with a fake kernel (`FakeCgroup2`) behind the module's two file functions doing what the
kernel does on those files: `mkdir` fills a cgroup's interface files, a write to `cgroup.procs`
moves a process, to `cgroup.subtree_control` enables controllers (refused while the cgroup holds
processes: cgroup v2's no-internal-process rule), to `cgroup.kill` kills every process;
`cgroup.procs` lists live processes only; `rmdir` of a populated cgroup fails. The processes are
real. What this cannot show: that a real kernel enforces `memory.max` and `pids.max` (the v1
tests in test_jail.py do that for v1), nor systemd's delegation in practice.
"""

import errno
import os
import pathlib
import signal
import subprocess
import time

import pytest

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.host import cgroups

CONTROLLERS = "cpuset cpu io memory hugetlb pids rdma misc"


def _dead(pid):
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] in "ZX"
    except (FileNotFoundError, IndexError):
        return True


class FakeCgroup2:
    """A cgroup2 hierarchy in `root`; `namespace_root` makes the top a container's (with limits of its own)."""

    def __init__(self, root, monkeypatch, namespace_root=False, kill_file=True, controllers=CONTROLLERS):
        self.root, self.kill_file, self.namespace_root = str(root), kill_file, namespace_root
        (root / "cgroup.controllers").write_text(controllers + "\n")
        (root / "cgroup.subtree_control").write_text("\n")
        (root / "cgroup.procs").write_text("")
        if namespace_root:
            (root / "memory.max").write_text("max\n")
        self.proc_cgroup = root.parent / "proc-self-cgroup"
        self.proc_cgroup.write_text("0::/\n")
        real_write, real_read = cgroups._write, cgroups._read
        real_makedirs, real_rmdir = os.makedirs, os.rmdir
        self._real_write, self._real_read = real_write, real_read

        def write(path, value):
            if not str(path).startswith(self.root):
                return real_write(path, value)
            folder, name = os.path.split(str(path))
            if name == "cgroup.procs":
                return self._move(folder, value.strip())
            if name == "cgroup.subtree_control":
                return self._enable(folder, value)
            if name == "cgroup.kill" and value.strip() == "1":
                for pid in self._procs(folder):
                    os.kill(int(pid), signal.SIGKILL)
                return None
            if not os.path.exists(path):
                raise PermissionError(errno.EACCES, "no such interface file", path)
            return real_write(path, value)

        def read(path):
            text = real_read(path)
            if str(path).startswith(self.root) and os.path.basename(path) == "cgroup.procs":
                return "".join(f"{pid}\n" for pid in text.split() if not _dead(pid))
            return text

        def makedirs(path, mode=0o777, exist_ok=False):
            if not str(path).startswith(self.root) or os.path.isdir(path):
                return real_makedirs(path, mode, exist_ok)
            real_makedirs(path, mode)
            parent = pathlib.Path(path).parent
            enabled = real_read(parent / "cgroup.subtree_control").split()
            files = {"cgroup.procs": "", "cgroup.controllers": " ".join(enabled) + "\n",
                     "cgroup.subtree_control": "\n", "cgroup.events": "populated 0\n"}
            if "memory" in enabled:
                files.update({"memory.max": "max\n", "memory.swap.max": "max\n", "memory.oom.group": "0\n"})
            if "pids" in enabled:
                files["pids.max"] = "max\n"
            if kill_file:
                files["cgroup.kill"] = ""
            for name, text in files.items():
                (pathlib.Path(path) / name).write_text(text)
            return None

        def rmdir(path):
            if not str(path).startswith(self.root):
                return real_rmdir(path)
            if self._procs(path):
                raise OSError(errno.EBUSY, "cgroup is populated", path)
            for entry in os.listdir(path):
                if os.path.isdir(os.path.join(path, entry)):
                    raise OSError(errno.EBUSY, "cgroup has children", path)
            for entry in os.listdir(path):
                os.remove(os.path.join(path, entry))
            return real_rmdir(path)

        monkeypatch.setattr(cgroups, "_write", write)
        monkeypatch.setattr(cgroups, "_read", read)
        monkeypatch.setattr(cgroups.os, "makedirs", makedirs)
        monkeypatch.setattr(cgroups.os, "rmdir", rmdir)

    def _procs(self, folder):
        return [pid for pid in self._real_read(os.path.join(folder, "cgroup.procs")).split() if not _dead(pid)]

    def _move(self, folder, pid):
        if _dead(pid):
            raise ProcessLookupError(errno.ESRCH, "no such process")
        here = pathlib.Path(folder)
        if here != pathlib.Path(self.root) and self._real_read(here / "cgroup.subtree_control").split():
            raise OSError(errno.EBUSY, "a cgroup with controllers for its children holds no process")
        for procs in pathlib.Path(self.root).rglob("cgroup.procs"):
            procs.write_text("".join(f"{p}\n" for p in procs.read_text().split() if p != pid))
        with open(here / "cgroup.procs", "a") as handle:
            handle.write(f"{pid}\n")

    def _enable(self, folder, value):
        here = pathlib.Path(folder)
        available = self._real_read(here / "cgroup.controllers").split()
        enabled = self._real_read(here / "cgroup.subtree_control").split()
        is_top = str(here) == self.root and not self.namespace_root
        if self._procs(folder) and not is_top:
            raise OSError(errno.EBUSY, "no-internal-process rule")
        for token in value.split():
            if token[1:] not in available:
                raise OSError(errno.ENOENT, f"controller {token[1:]} not available")
            enabled = [c for c in enabled if c != token[1:]] + ([token[1:]] if token[0] == "+" else [])
        (here / "cgroup.subtree_control").write_text(" ".join(enabled) + "\n")

    def add_process(self, relative, pid):
        (pathlib.Path(self.root) / relative / "cgroup.procs").open("a").write(f"{pid}\n")


@pytest.fixture
def sleepers():
    started = []

    def start(count=1):
        procs = [subprocess.Popen(["sleep", "600"]) for _ in range(count)]
        started.extend(procs)
        return procs

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def _gone(proc, patience=10):
    deadline = time.monotonic() + patience
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return proc.returncode == -signal.SIGKILL


def test_this_machine_is_cgroup_v1():
    assert cgroups.version() == 1 and cgroups.V1.available()


def test_v1_on_this_machine_limits_kills_and_removes(sleepers):
    group = cgroups.create(f"autograde-{os.getpid()}-v1test", 300)
    assert isinstance(group, cgroups.V1)
    memory, pids = group.dirs
    assert pathlib.Path(memory, "memory.limit_in_bytes").read_text().strip() == str(300 * 2**20)
    assert pathlib.Path(pids, "pids.max").read_text().strip() == str(limits.ITEM_PIDS)
    proc, = sleepers()
    group.add(proc.pid)
    assert group.pids() == {proc.pid}
    group.kill_all()
    assert _gone(proc)
    group.remove()
    assert not os.path.exists(memory) and not os.path.exists(pids)


def test_v2_as_root_on_the_host_makes_the_item_cgroup_under_the_root(tmp_path, monkeypatch, sleepers):
    root = tmp_path / "cgroup"
    root.mkdir()
    kernel = FakeCgroup2(root, monkeypatch)
    assert cgroups.version(str(root)) == 2
    group = cgroups.create(f"autograde-{os.getpid()}-ab12", 512, root=str(root), proc_cgroup=kernel.proc_cgroup)
    assert isinstance(group, cgroups.V2) and group.folder == str(root / f"autograde-{os.getpid()}-ab12")
    assert (root / "cgroup.subtree_control").read_text().split() == ["memory", "pids"]
    folder = pathlib.Path(group.folder)
    assert {name: (folder / name).read_text().strip() for name in
            ("memory.max", "memory.swap.max", "memory.oom.group", "pids.max")} == {
        "memory.max": str(512 * 2**20), "memory.swap.max": "0", "memory.oom.group": "1", "pids.max": "256"}
    procs = sleepers(3)
    for proc in procs:
        group.add(proc.pid)
    assert group.pids() == {proc.pid for proc in procs}
    group.kill_all()
    assert all(_gone(proc) for proc in procs) and group.pids() == set()
    group.remove()
    assert not folder.exists()


def test_v2_delegated_moves_its_processes_to_a_leaf_and_a_second_worker_shares_the_parent(
        tmp_path, monkeypatch, sleepers):
    root = tmp_path / "cgroup"
    root.mkdir()
    kernel = FakeCgroup2(root, monkeypatch, namespace_root=True)  # a container's cgroup namespace
    grading, other = sleepers(2)
    for proc in (grading, other):
        kernel.add_process(".", proc.pid)
    assert cgroups.v2_parent(str(root), kernel.proc_cgroup, change=False) == str(root)
    assert (root / "cgroup.subtree_control").read_text().split() == []  # the dry run changed nothing
    first = cgroups.create(f"autograde-{os.getpid()}-aa", 256, root=str(root), proc_cgroup=kernel.proc_cgroup)
    leaf = root / "autograde-main"
    assert sorted(leaf.joinpath("cgroup.procs").read_text().split()) == sorted([str(grading.pid), str(other.pid)])
    assert (root / "cgroup.procs").read_text().split() == []
    assert (root / "cgroup.subtree_control").read_text().split() == ["memory", "pids"]
    kernel.proc_cgroup.write_text("0::/autograde-main\n")  # the next worker starts in the leaf
    second = cgroups.create(f"autograde-{os.getpid()}-bb", 256, root=str(root), proc_cgroup=kernel.proc_cgroup)
    assert os.path.dirname(second.folder) == os.path.dirname(first.folder) == str(root)
    item, = sleepers()
    second.add(item.pid)
    second.kill_all()
    assert _gone(item) and grading.poll() is None and other.poll() is None  # only the item's processes die
    for group in (first, second):
        group.remove()
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["autograde-main"]


def test_v2_without_memory_and_pids_for_this_user_gives_no_cgroup(tmp_path, monkeypatch, sleepers):
    root = tmp_path / "cgroup"
    root.mkdir()
    kernel = FakeCgroup2(root, monkeypatch, namespace_root=True, controllers="cpu io")
    assert cgroups.create("autograde-1-x", 256, root=str(root), proc_cgroup=kernel.proc_cgroup) is None
    (root / "cgroup.controllers").write_text(CONTROLLERS)
    kernel.proc_cgroup.write_text("0::/elsewhere\n")  # a cgroup this process cannot write (not there)
    assert cgroups.create("autograde-1-x", 256, root=str(root), proc_cgroup=kernel.proc_cgroup) is None


def test_v2_on_a_kernel_without_cgroup_kill_signals_every_process(tmp_path, monkeypatch, sleepers):
    root = tmp_path / "cgroup"
    root.mkdir()
    kernel = FakeCgroup2(root, monkeypatch, kill_file=False)
    group = cgroups.create(f"autograde-{os.getpid()}-cc", 256, root=str(root), proc_cgroup=kernel.proc_cgroup)
    assert not os.path.exists(os.path.join(group.folder, "cgroup.kill"))
    procs = sleepers(2)
    for proc in procs:
        group.add(proc.pid)
    group.remove()
    assert all(_gone(proc) for proc in procs) and not os.path.exists(group.folder)


def test_v2_a_dead_workers_cgroup_is_emptied_and_removed_by_the_next(tmp_path, monkeypatch, sleepers):
    root = tmp_path / "cgroup"
    root.mkdir()
    kernel = FakeCgroup2(root, monkeypatch)
    dead_worker = subprocess.Popen(["true"])
    dead_worker.wait()
    left = cgroups.create(f"autograde-{dead_worker.pid}-dd", 256, root=str(root), proc_cgroup=kernel.proc_cgroup)
    orphan, = sleepers()
    left.add(orphan.pid)
    mine = cgroups.create(f"autograde-{os.getpid()}-ee", 256, root=str(root), proc_cgroup=kernel.proc_cgroup)
    assert _gone(orphan) and not os.path.exists(left.folder) and os.path.isdir(mine.folder)
    mine.remove()
