"""nbgrader's collect (the formgrader's Collect button, `nbgrader collect`) reading the exchange as untrusted data.

nbgrader's own `ExchangeCollect` copies a student's inbound folder with `shutil.copytree`, which
follows symbolic links: run as the instructor, it copies whatever a student's link points to (the
instructor's solution notebook, say) into that student's submission; and it takes a folder named
after a student from anyone, with a warning. `OwnFilesCollect` collects only folders owned by the
student they name, and from them only regular files the student owns (`inbox.collect`), so the
formgrader grades what the student submitted and nothing else. The class's hub configures it for
the instructor (deploy/hub/classroom.py).

Example (nbgrader_config.py):

```python
c.ExchangeFactory.collect = "autograde.live.collect.OwnFilesCollect"
```
"""

import datetime
import os
import pathlib
import shutil

from nbgrader.exchange.default.collect import ExchangeCollect

from . import inbox

NEVER = datetime.datetime(1970, 1, 1)  # nbgrader compares naive UTC times


class OwnFilesCollect(ExchangeCollect):
    """`ExchangeCollect` that never collects another user's folder or follows a link (see the module)."""

    def _path_to_record(self, path):
        record = super()._path_to_record(path)
        entry = inbox.parse(os.path.basename(path), pathlib.Path(path))
        if entry.problem:
            self.log.error("Not collecting %s: %s", path, entry.problem)
            record.update(timestamp=NEVER, problem=entry.problem)  # never newer than a real submission
        return record

    def do_copy(self, src, dest, log=None):
        entry = inbox.parse(os.path.basename(src), pathlib.Path(src))
        if entry.problem:
            self.log.error("Not collecting %s: %s", src, entry.problem)
            return
        names = sorted(n[: -len(".ipynb")] for n in os.listdir(src) if n.endswith(".ipynb"))
        try:
            problems = inbox.collect(entry, dest, names)
        except OSError as exc:
            shutil.rmtree(dest, ignore_errors=True)
            self.log.error("Not collecting %s: %s", src, exc)
            return
        for name, problem in sorted(problems.items()):
            self.log.warning("Not collected from %s: %s is %s", src, name, problem)
