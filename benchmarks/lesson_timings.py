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

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from prompt_client import PromptClient  # noqa: E402

COURSE = ROOT / "course"


def time_notebook(path, timeout):
    """Run `path` in a temporary folder; return `(seconds, error message or None)`."""
    notebook = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix=f"{path.stem}-") as workdir:
        client = PromptClient(notebook, timeout=timeout, kernel_name="python3",
                              resources={"metadata": {"path": workdir}})
        start = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as error:
            return time.perf_counter() - start, f"{error.ename}: {error.evalue}"
        except (CellTimeoutError, DeadKernelError) as error:
            return time.perf_counter() - start, f"{type(error).__name__}: {error}"
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
    print(f"Lesson wall times ({data}; Python {platform.python_version()}, {os.cpu_count()} CPUs)\n")
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
    for name, error in failures:
        print(f"\n{name} failed: {error}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
