"""`python -m autograde doctor`: which isolation layers this machine gives student code, in plain words.

Each layer is tried, not guessed from versions: bubblewrap starts a throw-away sandbox with new
user and other namespaces; cgroups are looked up as the jail would use them (v1, else v2 with
`memory` and `pids` for this user: `cgroups.v2_parent`, changing nothing); Landlock is asked
for its ABI; the folders the sandbox's unprivileged user must enter are checked
(`jail.unreachable`). Every way of grading (`grade`, formgrader's Autograde button, the live
service) asks `refusal` first: it refuses to run student code where the sandbox cannot start, or
without memory and process containment unless the instructor allows it (`--allow-uncontained`,
`c.GradeWithEngine.allow_uncontained`, or `AUTOGRADE_ALLOW_UNCONTAINED=1` in the environment).

Example:

```python
for layer in layers():
    print(layer.line())   # "yes  memory and processes: ..." / "NO   ..."
```
"""

import dataclasses
import os
import shutil
import subprocess

from callbacks_course.sandbox import limits
from callbacks_course.sandbox.inside import landlock

from . import cgroups
from .jail import unreachable

ALLOW_UNCONTAINED = "AUTOGRADE_ALLOW_UNCONTAINED"  # "1": grade without containment (formgrader, live service)
UNCONTAINED = ("without it, one item's processes together may use more memory than --memory-mb (the limit is per "
               "process) and may start any number of processes: a fork bomb reaches this machine")


@dataclasses.dataclass(frozen=True)
class Layer:
    """One isolation layer: whether this machine gives it, and what that means for student code.

    Args:
        name: the layer, in a few words.
        present: whether it is there.
        detail: one sentence saying what it does here, or what is missing and the consequence.
    """

    name: str
    present: bool
    detail: str

    def line(self):
        return f"{'yes' if self.present else 'NO ':<4} {self.name}: {self.detail}"


def _bubblewrap():
    if shutil.which("bwrap") is None:
        return Layer("namespaces (bubblewrap)", False, "bwrap is not installed: student code runs as a plain "
                     "process of the grading user, seeing the files it may read and the network")
    done = subprocess.run(["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/", "/",
                           "--proc", "/proc", "--dev", "/dev", "true"], capture_output=True, text=True, timeout=60)
    if done.returncode:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return Layer("namespaces (bubblewrap)", False, f"bwrap cannot create user namespaces here ({reason}); "
                     "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, AppArmor's "
                     "kernel.apparmor_restrict_unprivileged_userns=0, a container's seccomp/AppArmor profile)")
    user = "nobody" if os.geteuid() == 0 else "the grading user"
    return Layer("namespaces (bubblewrap)", True, f"student code runs as {user} in new user, pid, network, IPC "
                 "and mount namespaces: no network, only the Python installation and the course read-only, "
                 "a small private /work to write")


def _cgroups():
    name = "memory and processes (cgroups)"
    if cgroups.V1.available():
        return Layer(name, True, f"cgroup v1 (memory, pids): each item's processes share one memory limit and "
                     f"at most {limits.ITEM_PIDS} processes and threads, and are all killed when it ends")
    parent = cgroups.v2_parent(change=False)
    if parent is not None:
        return Layer(name, True, f"cgroup v2 under {parent} (memory.max, pids.max, cgroup.kill): each item's "
                     f"processes share one memory limit and at most {limits.ITEM_PIDS} processes and threads, "
                     "and are all killed when it ends")
    found = {2: "cgroup v2 without memory and pids delegated to this user (run grade as root, or in a "
                "delegated cgroup: systemd-run --user --scope -p Delegate=yes ...)",
             1: "cgroup v1 without write access to its memory and pids hierarchies (run grade as root)",
             0: "no cgroups mounted"}[cgroups.version()]
    return Layer(name, False, f"{found}; {UNCONTAINED}")


def _landlock():
    version = landlock.abi()
    if version < 1:
        return Layer("file access (Landlock)", False, "the kernel has no Landlock: an item's process may write "
                     "wherever the sandbox lets it, and `forbid` (Keras classes an exercise bans) can be undone "
                     "by reloading Keras's module")
    return Layer("file access (Landlock)", True, f"ABI {version}: an item's process writes only in its own folder, "
                 "and the code of the Keras classes an exercise bans is unreadable to it (reloading cannot "
                 "bring them back)")


def _folders():
    problem = unreachable()
    if problem:
        return Layer("folders the sandbox needs", False, f"{problem}; grade cannot start its sandbox")
    return Layer("folders the sandbox needs", True, "the sandbox's user can enter TMPDIR and the course's folders")


def layers():
    """The isolation layers of this machine, tried one by one."""
    return [_bubblewrap(), _cgroups(), _landlock(),
            Layer("system calls (seccomp)", False, "not used: the layers above confine student code instead"),
            _folders()]


def containment_problem(memory_mb=64):
    """None when `grade` can contain each item's memory and processes here; else one line saying why not.

    Makes (and removes) a cgroup as a grading worker would.
    """
    group = cgroups.create(f"autograde-{os.getpid()}-probe", memory_mb)
    if group is None:
        return (f"{_cgroups().detail}. Run `python -m autograde doctor`; pass --allow-uncontained to grade "
                f"anyway (formgrader, grading service: {ALLOW_UNCONTAINED}=1)")
    group.remove()
    return None


def allowed_by_environment():
    """Whether the instructor allowed uncontained grading in the environment (`AUTOGRADE_ALLOW_UNCONTAINED=1`)."""
    return os.environ.get(ALLOW_UNCONTAINED) == "1"


def refusal(allow_uncontained=False):
    """Why student code must not be graded here, on one line (the folder or layer, and the fix); None if it may.

    Args:
        allow_uncontained: the instructor grades without memory and process containment knowingly.

    Example:

    ```python
    problem = refusal(args.allow_uncontained)
    if problem:
        sys.exit(f"autograde: error: {problem}")
    ```
    """
    return unreachable() or (None if allow_uncontained else containment_problem())


def doctor():
    """Print every layer on one line; return 0 when student code is contained (namespaces, cgroups), else 1."""
    found = layers()
    for layer in found:
        print(layer.line())
    return 0 if all(layer.present for layer in found[:2] + found[-1:]) else 1
