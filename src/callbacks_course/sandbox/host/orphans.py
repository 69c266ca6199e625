"""What workers that are gone left behind: folders a worker names after itself, `<prefix>-<pid>-<hex>`.

A worker killed outright (SIGKILL, the out-of-memory killer) cannot remove its cgroups, its jail's
mount points or its items' folder; the next worker removes those whose pid no longer runs.

Example:

```python
for name in orphans.of_dead_workers("autograde-stage", os.listdir(tempfile.gettempdir())):
    remove(name)
```
"""

import os
import re


def owner(prefix, name):
    """The worker pid in `name` when it reads `<prefix>-<pid>-<hex>`, else None."""
    match = re.fullmatch(rf"{re.escape(prefix)}-(\d+)-\w+", name)
    return int(match.group(1)) if match else None


def alive(pid):
    """Whether a process with this pid runs (one of another user counts: it is not ours to clean)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def of_dead_workers(prefix, names):
    """The names among `names` of the form `<prefix>-<pid>-<hex>` whose worker is gone.

    Args:
        prefix: e.g. `"autograde-items"`.
        names: folder names, e.g. `os.listdir(root)`.
    """
    return [name for name in names if (pid := owner(prefix, name)) is not None and not alive(pid)]
