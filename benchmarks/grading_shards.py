"""How grading scales out in shards, and what 5,000 submissions would take on a cluster.

Grades the same class (12 copies of the lab's reference submission, 30/30, and 12 of the
quiz's, 20/20: 24 submissions of 12 students) as 1, 2 and 3 shards: N parallel processes of
`python -m autograde grade --shard I/N --jobs 1` on this machine (each with a fresh results
folder), then `merge`. Prints per run the shards' wall time, the merge's own wall time, and
the costs read from the progress lines' timestamps of the one-shard run (one worker grades one
submission after another, so the gap between two lines is one submission's cost):

- c_lab, c_quiz: sandbox cost of one lab / quiz submission on one core;
- s: a shard's fixed start-up (imports, nbgrader's generate, the reference runs);
- m, m0: the merge's cost per submission (nbgrader autograde + feedback, serial: one gradebook)
  and its fixed start-up.

Projection for 5,000 lab submissions on 50 nodes of 8 cores (one shard of 100 per node,
`--jobs 8`), assuming the 8 workers of a node scale linearly (here `--jobs 2` gains 1.6-1.8 on
2 cores) and a node's core is as fast as this machine's:
    T = s + ceil(100 / 8) * c_lab   (the shards, in parallel)  +  m0 + 5,000 * m   (the merge).

Usage: .venv/bin/python benchmarks/grading_shards.py [--copies 12]
"""

import argparse
import math
import os
import pathlib
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


def _shards(subs, tmp, count):
    """Wall time of `count` shards run in parallel, their progress lines, and the merge's."""
    results = tmp / f"results{count}"
    start = time.perf_counter()
    shards = [_start(["grade", str(subs), "--shard", f"{i}/{count}", "--results", str(results)],
                     tmp / f"work{count}-{i}") for i in range(count)]
    lines = [_progress(shard, start) for shard in shards]
    shards_wall = time.perf_counter() - start
    start = time.perf_counter()
    merge = _progress(_start(["merge", str(results), "--out", str(tmp / f"out{count}")], tmp / f"merge{count}"), start)
    return shards_wall, lines, time.perf_counter() - start, merge


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
        same = len({(tmp / f"out{n}" / "grades.csv").read_bytes() for n in runs}) == 1
    n = 2 * args.copies
    print(f"{n} submissions ({args.copies} lab at 30/30, {args.copies} quiz at 20/20); "
          f"the 3 merges wrote identical grades.csv: {same}")
    print("shards | shards' wall time | merge wall time | total")
    for count, (wall, _, merge_wall, _) in runs.items():
        print(f"{count:6d} | {wall:15.1f} s | {merge_wall:13.1f} s | {wall + merge_wall:5.1f} s "
              f"({runs[1][0] / wall:.2f} x the one-shard speed)")
    shard_costs, startup = _costs(runs[1][1][0])
    merge_costs, merge_startup = _costs(runs[1][3])
    c_lab, c_quiz = shard_costs[LAB], shard_costs[QUIZ]
    m = (merge_costs[LAB] + merge_costs[QUIZ]) / 2
    print(f"one shard, one core: c_lab {c_lab:.1f} s and c_quiz {c_quiz:.1f} s per submission, "
          f"start-up s {startup:.1f} s")
    print(f"merge: m {m:.2f} s per submission (lab {merge_costs[LAB]:.2f}, quiz {merge_costs[QUIZ]:.2f}), "
          f"start-up m0 {merge_startup:.1f} s")
    shards = startup + math.ceil(5000 / 50 / 8) * c_lab
    merge = merge_startup + 5000 * m
    print(f"projection, 5,000 lab submissions on 50 nodes x 8 cores: shards s + ceil(100/8) c_lab = {shards:.0f} s, "
          f"merge m0 + 5000 m = {merge:.0f} s, total {(shards + merge) / 60:.1f} min")
    print(f"load average: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
