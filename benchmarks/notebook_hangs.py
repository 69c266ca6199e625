"""Run every lesson many times in a row with the course's notebook client and count the hangs.

A hang used to look like this: a cell "timed out" (or answered after exactly its timeout) while its
kernel sat idle. `tools/prompt_client.py` explains the cause (a missed wake-up in pyzmq's asyncio
poll) and its remedy (polls in one-second slices). This script is the evidence: for each lesson and
round it prints the wall time and the slowest cells, every poll that found its message only when
its slice ran out (a wake-up that would have been missed), and every timeout; at the end, totals.

Usage:

```bash
.venv/bin/python benchmarks/notebook_hangs.py                # every lesson, 5 rounds
.venv/bin/python benchmarks/notebook_hangs.py --rounds 20 08 03
```
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

import nbformat
from nbclient.exceptions import CellTimeoutError

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import prompt_client  # noqa: E402

LATE = []  # (seconds waited, message type) of polls that returned only when their slice ran out


def timed(get_msg):
    """`get_msg` that records a message found at the very end of its poll's timeout."""
    async def get_msg_timed(timeout=None):
        start = time.monotonic()
        message = await get_msg(timeout=timeout)
        waited = time.monotonic() - start
        if timeout and timeout >= 0.5 and waited >= 0.98 * timeout:
            LATE.append((round(waited, 3), message["header"]["msg_type"]))
        return message
    return get_msg_timed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="only lessons whose file name starts with one of these")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=int, default=180, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    os.environ["CALLBACKS_COURSE_OFFLINE"] = "1"
    lessons = sorted(p for p in (ROOT / "course").glob("*.ipynb")
                     if not args.prefixes or p.name.startswith(tuple(args.prefixes)))
    plain = prompt_client.sliced
    prompt_client.sliced = lambda get_msg: plain(timed(get_msg))
    hangs = late = runs = 0
    for round_ in range(1, args.rounds + 1):
        for lesson in lessons:
            nb = nbformat.read(lesson, as_version=4)
            client = prompt_client.PromptClient(nb, timeout=args.timeout, kernel_name="python3",
                                                resources={"metadata": {"path": tempfile.mkdtemp()}})
            start, cells = time.monotonic(), []
            try:
                with client.setup_kernel():
                    for index, cell in enumerate(nb.cells):
                        if cell.cell_type == "code":
                            began = time.monotonic()
                            client.execute_cell(cell, index)
                            cells.append((round(time.monotonic() - began, 1), index))
                outcome = "ok"
            except CellTimeoutError:
                hangs += 1
                outcome = f"TIMEOUT in cell {index}"
            runs += 1
            late += len(LATE)
            print(f"round {round_} {lesson.stem}: {time.monotonic() - start:.1f} s, {outcome}; "
                  f"slowest cells (s, index) {sorted(cells)[-2:]}; found at a slice's end: {LATE}", flush=True)
            LATE.clear()
    print(f"{runs} lesson runs: {hangs} timed out, {late} messages found only at a slice's end; "
          f"load average {os.getloadavg()[0]:.1f}")
    return 1 if hangs else 0


if __name__ == "__main__":
    sys.exit(main())
