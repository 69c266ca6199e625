"""How grading scales out in shards, and what 5,000 submissions would take on a cluster.

Grades the same class (12 copies of the lab's reference submission, 30/30, and 12 of the
quiz's, 20/20: 24 submissions of 12 students) as 1, 2 and 3 shards: N parallel processes of
`python -m autograde grade --shard I/N --jobs 1` on this machine (each with a fresh results
folder), then `merge` of the 3 shards. Prints per run the shards' wall and CPU time, the merge's
own, and the costs read from the progress lines' timestamps of the one-shard run (one worker
grades one submission after another, each booked as it arrives, so the gap between two lines is
one submission's cost):

- c_lab, c_quiz: cost of one lab / quiz submission on one core, graded and booked;
- s: a shard's fixed start-up (imports, nbgrader's generate, the reference runs).

The merge only combines the shards' bookings; its cost for large classes is measured by
`merge_speed.py` (M(N) = m0 + N * m). Projection for 5,000 lab submissions on 50 nodes of 8 cores
(one shard of 100 per node, `--jobs 8`), assuming the 8 workers of a node scale linearly (here
`--jobs 2` gains 1.6-1.8 on 2 cores) and a node's core is as fast as this machine's:
    T = s + ceil(100 / 8) * c_lab   (the shards, in parallel)  +  M(5,000)   (the merge).
On a shared machine the gaps are stretched by other jobs; the projection is printed twice: from
the wall-clock costs as measured, and from them scaled by the run's CPU time / wall time (the
share of a core it really had: what a dedicated core would take).

Usage: .venv/bin/python benchmarks/grading_shards.py [--copies 12]
"""

import argparse
import math
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

from grading_speed import _make_copies

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAB, QUIZ = "callbacks_lab", "callbacks_quiz"


def _start(arguments, work):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(f"{work}.stderr", "w") as errors:  # a file: a full pipe would block the run
        process = subprocess.Popen([sys.executable, "-m", "autograde", "--work", str(work), *arguments], cwd=ROOT,
                                   env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
    process.errors = pathlib.Path(f"{work}.stderr")
    return process


def _progress(process, start):
    """[(seconds since start, assignment)] of each progress line, once the process has ended."""
    lines = [(time.perf_counter() - start, line.split()[2]) for line in process.stdout if line.startswith("[")]
    if process.wait():
        sys.exit(f"autograde {' '.join(process.args[3:])} failed:\n{process.errors.read_text()[-2000:]}")
    return lines


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(processes):
    """(wall seconds, CPU seconds of the processes and their children, progress lines of each)."""
    start, cpu = time.perf_counter(), _cpu()
    lines = [_progress(process, start) for process in processes()]
    return time.perf_counter() - start, _cpu() - cpu, lines


def _shards(subs, tmp, count):
    """`_timed` of `count` shards run in parallel into a fresh results folder."""
    return _timed(lambda: [_start(["grade", str(subs), "--shard", f"{i}/{count}", "--results",
                                   str(tmp / f"results{count}")], tmp / f"work{count}-{i}") for i in range(count)])


def _costs(lines):
    """Per-assignment mean gap between consecutive progress lines, and the fixed cost before the first."""
    gaps = {}
    for (before, _), (after, assignment) in zip(lines, lines[1:]):
        gaps.setdefault(assignment, []).append(after - before)
    means = {a: sum(g) / len(g) for a, g in gaps.items()}
    first = lines[0]
    return means, first[0] - means.get(first[1], 0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=12, help="students (each submits the lab and the quiz)")
    args = parser.parse_args()
    os.environ.update(CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    sys.path.insert(0, str(ROOT))
    load_before = os.getloadavg()[0]
    runs = {}
    with tempfile.TemporaryDirectory(prefix="grading-shards-") as tmp:
        tmp = pathlib.Path(tmp)
        for assignment in (LAB, QUIZ):
            _make_copies(assignment, tmp / "subs", args.copies)
        for count in (1, 2, 3):
            runs[count] = _shards(tmp / "subs", tmp, count)
        merge = _timed(lambda: [_start(["merge", str(tmp / "results3"), "--out", str(tmp / "out")], tmp / "merge")])
        graded = (tmp / "out" / "grades.csv").read_text().count(",30,30") + \
            (tmp / "out" / "grades.csv").read_text().count(",20,20")
    n = 2 * args.copies
    print(f"{n} submissions ({args.copies} lab at 30/30, {args.copies} quiz at 20/20); "
          f"full marks in the merged grades.csv: {graded}")
    print("shards | wall time | CPU time | speed vs one shard")
    for count, (wall, cpu, _) in runs.items():
        print(f"{count:6d} | {wall:7.1f} s | {cpu:6.1f} s | {runs[1][0] / wall:.2f} x")
    print(f"merge of the 3 shards: {merge[0]:.1f} s wall, {merge[1]:.1f} s CPU")
    shard_costs, startup = _costs(runs[1][2][0])
    c_lab, c_quiz = shard_costs[LAB], shard_costs[QUIZ]
    print(f"one shard, one worker: c_lab {c_lab:.1f} s and c_quiz {c_quiz:.1f} s per submission, "
          f"start-up s {startup:.1f} s (wall clock)")
    for name, scale in (("as measured", 1), ("on dedicated cores", runs[1][1] / runs[1][0])):
        shards = (startup + math.ceil(5000 / 50 / 8) * c_lab) * min(1, scale)
        print(f"projection {name}, 5,000 lab submissions on 50 nodes x 8 cores: "
              f"shards s + ceil(100/8) c_lab = {shards:.0f} s, plus the merge M(5,000) of merge_speed.py")
    print(f"load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
