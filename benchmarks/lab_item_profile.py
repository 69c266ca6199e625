"""Where one lab submission's grading time goes: each item's collect, in wall and CPU seconds, and its top functions.

Runs the reference submission's cells once in this process and every item's `collect` through
`Student.local` (the checks' own work and the student's side in one process, without the jail:
the jail adds a fork and the socket per message). The first pass warms the process (imports,
the shared model, tf.data); the figures are those of the passes after it. With `--profile`,
cProfile's top functions by cumulative time over all items, and the share of time in a few
kinds of work (hooks forwarded through the mirror, Keras's `fit` machinery, TensorBoard and
checkpoint files, the worker's own training steps).

Usage: .venv/bin/python benchmarks/lab_item_profile.py [--passes 2] [--profile] [--items ex4_run,ex7_real]
"""

import argparse
import cProfile
import os
import pathlib
import pstats
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
KINDS = {  # a kind of work -> functions whose cumulative time is that work (they may overlap)
    "hooks forwarded (RemoteCallback._forward)": ("remote.py", "_forward"),
    "mirror syncs (Student.in_step)": ("remote.py", "in_step"),
    "student side (StudentServer.handle)": ("student_side.py", "handle"),
    "Keras fit": ("trainer.py", "fit"),
    "training steps (train_function)": ("trainer.py", "one_step_on_data"),
    "TensorBoard callback": ("tensorboard.py", "on_epoch_end"),
    "checkpoints saved (save_model)": ("saving_api.py", "save_model"),
    "checkpoints loaded (load_model)": ("saving_api.py", "load_model"),
    "fresh_model": ("scenarios.py", "fresh_model"),
}


def _namespace():
    import nbformat

    from autograde.notebooks import Layout, student_answers
    from callbacks_course.sandbox.inside.student_side import strip_magics

    source = ROOT / "solutions" / "callbacks_lab" / "callbacks_lab.ipynb"
    layout = Layout.read(str(source))
    answers = student_answers(nbformat.read(str(source), as_version=4))
    namespace = {"__name__": "__main__", "display": lambda *a, **k: None}
    for _, cell in layout.setup:
        exec(compile(strip_magics(cell), "<setup>", "exec"), namespace)
    for cell_id in layout.answers:
        exec(compile(strip_magics(answers[cell_id]), cell_id, "exec"), namespace)
    return namespace


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=2, help="passes over every item; the first only warms up")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--items", default="", help="comma-separated grade_ids (default: all)")
    args = parser.parse_args()
    os.environ.update(CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    from callbacks_course.lab import CHECKS
    from callbacks_course.sandbox.host.remote import Student

    namespace = _namespace()
    wanted = [g for g in CHECKS if not args.items or g in args.items.split(",")]
    expected = {g: CHECKS[g].expect() if CHECKS[g].expect else None for g in wanted}
    profile = cProfile.Profile()
    figures = {g: [] for g in wanted}
    for number in range(args.passes):
        for grade_id in wanted:
            check = CHECKS[grade_id]
            if number and args.profile:
                profile.enable()
            wall, cpu = time.perf_counter(), time.process_time()
            observed = check.collect(Student.local(namespace))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            profile.disable()
            fraction = check.score(observed, expected[grade_id]).fraction
            if number:
                figures[grade_id].append((wall, cpu, fraction))
    print(f"load average {os.getloadavg()[0]:.2f}; seconds per item, mean of {args.passes - 1} pass(es)")
    total_wall = total_cpu = 0
    for grade_id, runs in figures.items():
        wall, cpu = (sum(r[i] for r in runs) / len(runs) for i in (0, 1))
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        print(f"{grade_id:12} wall {wall:6.2f}  cpu {cpu:6.2f}  score {runs[-1][2]:.3f}")
    print(f"{'all':12} wall {total_wall:6.2f}  cpu {total_cpu:6.2f}")
    if args.profile:
        stats = pstats.Stats(profile)
        passes = args.passes - 1
        print("\nkinds of work (cumulative seconds per submission; they overlap):")
        for kind, (file, function) in KINDS.items():
            cumulative = sum(row[3] for key, row in stats.stats.items()
                             if key[0].endswith(file) and key[2] == function)
            print(f"  {kind:45} {cumulative / passes:6.2f}")
        stats.sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
