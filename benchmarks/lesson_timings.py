"""Time every lesson notebook, run top to bottom headless, and print a Markdown table.

Each notebook runs in a fresh kernel inside its own temporary folder (so the `runs/` files it
writes go there), offline on the bundled MNIST subset unless `--online` is given.

Usage:

```bash
.venv/bin/python benchmarks/lesson_timings.py            # every course/*.ipynb, offline
.venv/bin/python benchmarks/lesson_timings.py 06 07      # only lessons whose name starts so
.venv/bin/python benchmarks/lesson_timings.py --online   # full MNIST when Keras can get it
.venv/bin/python benchmarks/lesson_timings.py --cells 3  # and each lesson's three slowest cells
.venv/bin/python benchmarks/lesson_timings.py --floor 01 # first a kernel that only imports: the fixed cost
```

Besides the wall time, the table gives the kernel's CPU seconds (its process and its children, from
`getrusage` once it has exited), which the machine's load hardly changes.

The exit status is 1 when a lesson fails (its error is printed under the table).
"""

import argparse
import datetime
import os
import pathlib
import platform
import resource
import sys
import tempfile
import time

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from notebook_run import NotebookFailed, execute  # noqa: E402  (the executor of the tests and the site)

COURSE = ROOT / "course"
FLOOR_CELL = """import callbacks_course.quiet
import keras
import matplotlib.pyplot as plt
from callbacks_course.mnist import load_mnist, normalize
from callbacks_course.models import make_classifier"""


def children_cpu():
    """CPU seconds (user + system) of this process's finished, waited-for children: the kernels."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_notebook(path, timeout):
    """Run `path` once in a temporary folder (kernel start-up included).

    Returns `(wall seconds, kernel CPU seconds, error or None)`; the CPU time, read once the kernel
    has exited, includes its own children and hardly depends on the machine's load.
    """
    with tempfile.TemporaryDirectory(prefix=f"{path.stem}-") as workdir:
        start, cpu = time.perf_counter(), children_cpu()
        try:
            nb, error = execute(path, workdir, timeout=timeout), None
        except NotebookFailed as failure:
            nb, error = None, failure.reason
        return time.perf_counter() - start, children_cpu() - cpu, nb, error


def time_floor(timeout):
    """Time a notebook whose one cell imports what every lesson imports: the fixed cost of a lesson."""
    with tempfile.TemporaryDirectory(prefix="floor-") as folder:
        path = pathlib.Path(folder) / "floor.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_CELL)]), path)
        return time_notebook(path, timeout)


def cell_seconds(nb):
    """`(seconds, index, first line)` of every code cell of the executed `nb`, from nbclient's timestamps."""
    found = []
    for index, cell in enumerate(nb.cells):
        stamps = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "iopub.execute_input" in stamps and "shell.execute_reply" in stamps:
            begin, end = (datetime.datetime.fromisoformat(stamps[key].replace("Z", "+00:00"))
                          for key in ("iopub.execute_input", "shell.execute_reply"))
            found.append(((end - begin).total_seconds(), index, cell.source.splitlines()[0] if cell.source else ""))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="run only notebooks whose file name starts with one of these")
    parser.add_argument("--online", action="store_true", help="let load_mnist() fetch full MNIST")
    parser.add_argument("--cells", type=int, default=0, metavar="N",
                        help="also print each lesson's N slowest cells (wall seconds, from the kernel's replies)")
    parser.add_argument("--floor", action="store_true",
                        help="first time a kernel that only imports keras, matplotlib and the course package")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell (default 600)")
    args = parser.parse_args(argv)

    if args.online:
        os.environ.pop("CALLBACKS_COURSE_OFFLINE", None)
    else:
        os.environ["CALLBACKS_COURSE_OFFLINE"] = "1"  # the kernels inherit it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    notebooks = sorted(p for p in COURSE.glob("*.ipynb")
                       if not args.prefixes or p.name.startswith(tuple(args.prefixes)))
    if not notebooks:
        parser.error(f"no notebook in {COURSE} matches {args.prefixes}")

    data = "full MNIST when available" if args.online else "offline, bundled MNIST subset"
    print(f"Lesson wall times ({data}; Python {platform.python_version()}, {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f} at the start)\n")
    print("| lesson | seconds | kernel CPU seconds | result |")
    print("|---|---:|---:|---|")
    if args.floor:
        seconds, cpu, _, error = time_floor(args.timeout)
        print(f"| (floor: kernel start-up and imports only) | {seconds:.1f} | {cpu:.1f} | "
              f"{'ok' if error is None else 'FAILED'} |", flush=True)
    failures, slowest, total, total_cpu = [], [], 0.0, 0.0
    for path in notebooks:
        seconds, cpu, nb, error = time_notebook(path, args.timeout)
        total, total_cpu = total + seconds, total_cpu + cpu
        print(f"| {path.stem} | {seconds:.1f} | {cpu:.1f} | {'ok' if error is None else 'FAILED'} |", flush=True)
        if error is not None:
            failures.append((path.name, error))
        elif args.cells:
            slowest.append((path.stem, sorted(cell_seconds(nb), reverse=True)[:args.cells]))
    print(f"| **all {len(notebooks)}** | **{total:.1f}** | **{total_cpu:.1f}** | |")
    print(f"\nLoad average {os.getloadavg()[0]:.1f} at the end (1-minute; a figure measured under load is stretched).")
    for stem, cells in slowest:
        print(f"\n{stem}: " + "; ".join(f"cell {index} {seconds:.1f} s ({line[:50]})" for seconds, index, line in cells))
    for name, error in failures:
        print(f"\n{name} failed: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
