"""Submit-to-feedback times of grading on submit, on a real JupyterHub (deploy/hub, autograde/live).

A class of two students on a hub started as the hub tests start one (root, `make hub-setup`): they
take turns submitting the quiz (or the lab), the n-th submission with the first n answers right
(so no submission is a cached one), N times in all (default 10), each time pressing Fetch Feedback (through its API, every 0.5 s) until the feedback of that
submission is there. Printed: each time, the median and the worst, the load average, the grading
service's split of each grading (prepare: the engine reads the submission and nbgrader generates the
release; run: the jail; book: nbgrader autograde, feedback, release), and the engine's start-up
share: one submission graded by `python -m autograde grade` alone, then two in one run; the second
one's extra time is what grading costs once the workers are warm, the rest of the first one's time
is start-up (interpreter, imports, workers with TensorFlow, reference runs, nbgrader's release),
which the service's warm grading servers (autograde/live/warm.py) pay once, not per submission.

Usage: sudo python benchmarks/live_feedback.py [--assignment callbacks_quiz] [--submissions 10]
"""

import argparse
import os
import pathlib
import shutil
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "hub")]

from hubclass import UNCONTAINED, HubClass, missing_hub  # noqa: E402
from submitting import answers, release, submit, wait_for_feedback  # noqa: E402

LIMITS = {"callbacks_quiz": 15, "callbacks_lab": 60}  # seconds from Submit to fetchable feedback (issue #22)


def _engine_run(hub, assignment, copies):
    """Seconds of one `python -m autograde grade` of `copies` copies of the last submission (fresh cache)."""
    scratch = hub.course / "bench"
    shutil.rmtree(scratch, ignore_errors=True)
    submitted = sorted((hub.course / ".autograde" / "course" / "submitted").glob(f"*/{assignment}/{assignment}.ipynb"))
    for n in range(copies):
        dest = scratch / "submissions" / f"copy{n}" / assignment
        dest.mkdir(parents=True)
        shutil.copyfile(submitted[-1], dest / f"{assignment}.ipynb")
    hub.classroom._chown_tree(scratch, hub.instructor)
    start = time.monotonic()
    hub.run_as(hub.instructor, "python", "-m", "autograde", "--work", "bench/work", "grade", "bench/submissions",
               "--out", "bench/out", *UNCONTAINED, cwd=hub.course, timeout=3600)
    return time.monotonic() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="callbacks_quiz")
    parser.add_argument("--submissions", type=int, default=10)
    args = parser.parse_args(argv)
    reason = missing_hub()
    if reason:
        raise SystemExit(f"cannot start a hub here: {reason}")
    settings = {"slots": 2, "default": {"grade_on_submit": True, "per_hour": 1000, "counts": "last"}}
    with HubClass(students=2, settings=settings) as hub:
        for user in [hub.instructor, *hub.students]:
            hub.start_server(user)
        release(hub, args.assignment)
        token = hub.user_token(hub.instructor)
        times, counts = [], {s: 0 for s in hub.students}
        correct = answers(args.assignment, "correct")
        for n in range(args.submissions):
            student = hub.students[n % len(hub.students)]
            counts[student] += 1
            given = dict(list(correct.items())[: 1 + n % len(correct)])  # a new submission each time: no cache hit
            submitted = submit(hub, student, args.assignment, given)
            fetched, _ = wait_for_feedback(hub, student, args.assignment, count=counts[student], timeout=1800)
            times.append(fetched - submitted)
            print(f"submission {n + 1}: feedback fetchable after {times[-1]:.1f} s "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
        graded = [s for s in hub.grading_status(token)["submissions"] if s["state"] == "graded"]
        one, two = _engine_run(hub, args.assignment, 1), _engine_run(hub, args.assignment, 2)
    median = statistics.median(times)
    limit = LIMITS.get(args.assignment)
    print(f"\n{args.assignment}: {len(times)} submissions, submit to fetchable feedback: median {median:.1f} s, "
          f"worst {max(times):.1f} s (load average %.1f %.1f %.1f at the end)" % os.getloadavg())
    if limit:
        print(f"  the limit (issue #22): {limit} s; worst {'within' if max(times) <= limit else 'OVER'} it")
    for step in ("prepare", "run", "book", "total"):
        values = [s["timings"][step] for s in graded if step in s["timings"]]
        print(f"  service's {step}: median {statistics.median(values):.1f} s")
    warm = max(two - one, 0.0)
    startup = one - warm
    print(f"engine alone: 1 submission {one:.1f} s, 2 in one run {two:.1f} s: a warm submission costs {warm:.1f} s; "
          f"start-up {startup:.1f} s, {100 * startup / one:.0f} % of grading one submission (what the warm grading servers save)")


if __name__ == "__main__":
    main()
