"""What bounding an item's work costs the worker: the same honest items with and without `ItemBounds`.

One `Jail` grades the same small item (setup cell, answer cell, one call into the student's
process) alternately with the worker's bounds (`callbacks_course/sandbox/host/bounds.py`: a watcher thread for the
deadline and the disk quota, the item's own folder) and without them (only the deadline of the
waits for the student, as before), interleaved so that both see the same machine. Prints the
median time per item of each and the difference, per item and per lab submission (16 items).

Usage: .venv/bin/python benchmarks/item_bounds_overhead.py [--items 40]
"""

import argparse
import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from callbacks_course.sandbox.host import bounds, jail as jail_module  # noqa: E402
from callbacks_course.sandbox.host.jail import Jail  # noqa: E402

JOB = {"setup": [("setup", "import keras")], "answers": [("ex1", "def add(a, b):\n    return a + b")]}


class _Unbounded:
    """The item without the worker's bounds: the channel's deadline only."""

    def __init__(self, area, timeout):
        self.deadline = time.monotonic() + timeout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def disarm(self):
        pass

    def over(self):
        return None


def _collect(student):
    return student.call("add", 1, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40, help="items of each kind")
    args = parser.parse_args()
    times = {"bounded": [], "unbounded": []}
    kinds = {"bounded": bounds.ItemBounds, "unbounded": _Unbounded}
    with Jail(memory_mb=1024) as jail:
        assert jail.run(JOB, 30, _collect).observed == 3  # started and warm
        for _ in range(args.items):
            for name, kind in kinds.items():
                jail_module.ItemBounds = kind
                start = time.perf_counter()
                assert jail.run(JOB, 30, _collect).observed == 3
                times[name].append(time.perf_counter() - start)
    jail_module.ItemBounds = bounds.ItemBounds
    bounded, unbounded = (statistics.median(times[name]) * 1000 for name in kinds)
    print(f"{args.items} items each, interleaved; median per item: bounded {bounded:.1f} ms, "
          f"unbounded {unbounded:.1f} ms")
    print(f"the bounds cost {bounded - unbounded:+.1f} ms per item, {16 * (bounded - unbounded):+.0f} ms per lab "
          "submission (16 items)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
