"""Time every lesson notebook, run top to bottom headless, and print a Markdown table.

Each notebook runs in a fresh kernel inside its own temporary folder (so the `runs/` files it
writes go there), offline on the bundled MNIST subset unless `--online` is given.

Usage:

```bash
.venv/bin/python benchmarks/lesson_timings.py            # every course/*.ipynb, offline
.venv/bin/python benchmarks/lesson_timings.py 06 07      # only lessons whose name starts so
.venv/bin/python benchmarks/lesson_timings.py --online   # full MNIST when Keras can get it
```

The exit status is 1 when a lesson fails (its error is printed under the table).
"""

import argparse
import os
import pathlib
import platform
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from notebook_run import NotebookFailed, execute  # noqa: E402  (the executor of the tests and the site)

COURSE = ROOT / "course"


def time_notebook(path, timeout):
    """Run `path` once in a temporary folder (kernel start-up included); return `(seconds, error or None)`."""
    with tempfile.TemporaryDirectory(prefix=f"{path.stem}-") as workdir:
        start = time.perf_counter()
        try:
            execute(path, workdir, timeout=timeout)
        except NotebookFailed as error:
            return time.perf_counter() - start, error.reason
        return time.perf_counter() - start, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="run only notebooks whose file name starts with one of these")
    parser.add_argument("--online", action="store_true", help="let load_mnist() fetch full MNIST")
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
    print("| lesson | seconds | result |")
    print("|---|---:|---|")
    failures, total = [], 0.0
    for path in notebooks:
        seconds, error = time_notebook(path, args.timeout)
        total += seconds
        print(f"| {path.stem} | {seconds:.1f} | {'ok' if error is None else 'FAILED'} |", flush=True)
        if error is not None:
            failures.append((path.name, error))
    print(f"| **all {len(notebooks)}** | **{total:.1f}** | |")
    print(f"\nLoad average {os.getloadavg()[0]:.1f} at the end (1-minute; a figure measured under load is stretched).")
    for name, error in failures:
        print(f"\n{name} failed: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
