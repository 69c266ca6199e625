"""How fast the grading engine grades, against the floor of running the same checks bare.

Grades N copies of the reference submission of an assignment (default: the lab) three ways,
in this one run:

- floor: one bare Python process imports TensorFlow once and runs the same checks for every
  copy (the reference runs, then per copy the setup cells, the answer cells, every item's
  collect, in-process through `Student.local`, and score), with no jail and no nbgrader. Its
  time over all copies is the amortised floor, the honest comparison for a class; its time to
  the first copy is the single-submission floor;
- the engine sequentially (`python -m autograde grade --jobs 1`, empty cache);
- the engine with `--jobs 2` (empty cache).

Prints seconds per submission, the engine's ratio to the amortised floor (target <= 1.3) and
the `--jobs 2` throughput gain (target >= 1.7). The default is a small class of 10 copies: a
grading run pays its start-up once (workers importing TensorFlow and starting their jails,
nbgrader's imports and a fresh gradebook, the reference runs), which fewer copies spread thinner.

With `--repeat R`, the three runs are made R times, interleaved, and the figures are the
medians (a shared machine's speed drifts by 10-20 % from one minute to the next).

Usage: .venv/bin/python benchmarks/grading_speed.py [--assignment callbacks_lab] [--copies 10] [--repeat 3]
"""

import argparse
import collections
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]

FLOOR = textwrap.dedent("""
    import sys, time
    start = time.perf_counter()
    sys.path[:0] = [{root!r}, {registry!r}]
    import nbformat
    import tensorflow, keras, matplotlib
    matplotlib.use("Agg")
    from autograde.notebooks import Layout, student_answers
    from callbacks_course.sandbox.host.remote import Student
    from callbacks_course.sandbox.inside.student_side import strip_magics
    registry = __import__({assignment!r})
    items = {{item.grade_id: item for item in registry.ITEMS}}
    layout = Layout.read({source!r})
    expected = {{g: (i.expect() if i.expect else None) for g, i in items.items()}}
    for number, copy in enumerate({copies!r}):
        answers = student_answers(nbformat.read(copy, as_version=4))
        namespace = {{"__name__": "__main__", "display": lambda *a, **k: None}}
        for _, source in layout.setup:
            exec(compile(strip_magics(source), "<setup>", "exec"), namespace)
        for cell_id in layout.answers:
            exec(compile(strip_magics(answers[cell_id]), cell_id, "exec"), namespace)
        total = sum(i.score(i.collect(Student.local(namespace)), expected[g]).fraction * layout.tests[g]
                    for g, i in items.items())
        if number == 0:
            first = time.perf_counter() - start
    print(first, time.perf_counter() - start, total)
""")


def _make_copies(assignment, folder, copies):
    """The reference submission, `copies` times (autograde/demo.py's class builder); their paths."""
    from autograde.course import Course
    from autograde.demo import reference_answers, write_class

    course = Course(ROOT)
    answers = reference_answers(course, assignment)
    write_class(folder, course.quizzes / assignment / f"{assignment}.ipynb",
                {f"student{n:02d}": answers for n in range(copies)})
    return sorted(str(path) for path in folder.glob(f"student*/{assignment}/{assignment}.ipynb"))


def _engine(subs, work, out, jobs):
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autograde", "--work", str(work), "grade", str(subs),
                           "--out", str(out), "--jobs", str(jobs)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"grading failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, done.stdout


Round = collections.namedtuple("Round", "floor first score sequential parallel line")


def _measure(assignment, copies, tmp):
    """One round of the three runs, a `Round` of wall seconds (the floor's to its first copy too)."""
    script = FLOOR.format(root=str(ROOT), registry=str(ROOT / "autograde" / "assignments"),
                          assignment=assignment, copies=copies,
                          source=str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"))
    start = time.perf_counter()
    floor = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    floor_wall = time.perf_counter() - start
    if floor.returncode:
        sys.exit(f"floor run failed:\n{floor.stderr[-2000:]}")
    first, in_process, floor_score = floor.stdout.split()[-3:]
    startup = floor_wall - float(in_process)  # interpreter start before the script's clock
    subs = pathlib.Path(copies[0]).parents[2]
    sequential, _ = _engine(subs, tmp / "work1", tmp / "out1", jobs=1)
    parallel, stdout = _engine(subs, tmp / "work2", tmp / "out2", jobs=2)
    for folder in ("work1", "out1", "work2", "out2"):
        shutil.rmtree(tmp / folder)
    progress = next((l for l in stdout.splitlines() if l.startswith("[")), "")  # "[1/10] ref callbacks_lab 37/37"
    return Round(floor_wall, startup + float(first), floor_score, sequential, parallel, progress)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="callbacks_lab")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="rounds (the figures are their medians)")
    args = parser.parse_args()
    os.environ.update(CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    sys.path.insert(0, str(ROOT))
    n = args.copies
    rounds = []
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as tmp:
        tmp = pathlib.Path(tmp)
        copies = _make_copies(args.assignment, tmp / "subs", n)
        for number in range(args.repeat):
            one = _measure(args.assignment, copies, tmp)
            rounds.append(one)
            if args.repeat > 1:
                print(f"round {number + 1}: floor {one.floor / n:.1f}, --jobs 1 {one.sequential / n:.1f}, "
                      f"--jobs 2 {one.parallel / n:.1f} s per submission; ratio {one.sequential / one.floor:.2f}, "
                      f"gain {one.sequential / one.parallel:.2f}", flush=True)

    def median(figure):
        return statistics.median(figure(r) for r in rounds)

    floor_wall, floor_single = median(lambda r: r.floor), median(lambda r: r.first)
    sequential, parallel = median(lambda r: r.sequential), median(lambda r: r.parallel)
    ratio, gain = median(lambda r: r.sequential / r.floor), median(lambda r: r.sequential / r.parallel)
    floor_score, line = rounds[0].score, rounds[0].line
    medians = f"medians of {args.repeat} rounds; " if args.repeat > 1 else ""
    print(f"assignment {args.assignment}, {n} copies of the reference submission "
          f"({medians}floor score per copy {floor_score}; engine: {line})")
    print(f"floor, amortised: one bare process grading all {n} copies: {floor_wall / n:6.1f} s per submission")
    print(f"  (the same process to its first copy, TF import included: {floor_single:.1f} s)")
    print(f"engine --jobs 1:                   {sequential / n:6.1f} s per submission "
          f"({ratio:.2f} x the amortised floor, target <= 1.3)")
    print(f"engine --jobs 2:                   {parallel / n:6.1f} s per submission "
          f"({gain:.2f} x the sequential throughput; target >= 1.7)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
