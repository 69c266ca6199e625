"""The sandbox: where student code runs while grading, and everything that crosses its boundary.

One vocabulary throughout (the threat model, layer by layer, is in this folder's README.md):

- **host** (`host/`, trusted): the main process's `WorkerPool` and the grading **workers**
  (`host.worker`), each with one **jail** (`host.jail`: bubblewrap, cgroups `host.cgroups`,
  the per-item **bounds** of the worker's own work `host.bounds`), the checks' handle on the
  student's code (`host.remote.Student`), what dead workers left (`host.orphans`) and
  `python -m autograde doctor` (`host.doctor`). Never runs student code.
- **inside** (`inside/`, untrusted): the **zygote** (`inside.zygote`), forked once per **item**;
  the item's process runs the notebook's setup cells and the student's answer cells and answers
  the worker's requests (`inside.student_side`); Landlock (`inside.landlock`). Importable in the
  jail, which holds this package read-only.
- **protocol** (`protocol/`): the bounded messages between the two (`protocol.wire`) and the one
  reader of JSON from untrusted bytes (`protocol.bounded_json`).
- `limits`: every bound, in one table; `outcome.Outcome`: what an item came to.

Example:

```python
from callbacks_course.sandbox.host.jail import Jail

with Jail(memory_mb=2048) as jail:
    outcome = jail.run(job, timeout=60, collect=lambda student: student.value("q01"))
outcome.as_json()    # {"status": "ok", "observed": ..., "message": ""}
```
"""
