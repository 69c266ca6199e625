"""Autograding a class through nbgrader's entry points versus `python -m autograde grade --jobs 2`.

A class of N copies of the quiz's and N of the lab's reference submission (default 30 each) sits in
nbgrader's `submitted/` folder of a scratch course, and is graded three ways, each from a cold
cache:

- the formgrader's Autograde button: it calls `NbGraderAPI.autograde(assignment, student)` for one
  submission per click; timed here in one process (the formgrader's server) on the first
  `--clicks` students of each assignment (a click pays the engine's start-up and reference runs);
- `nbgrader autograde ASSIGNMENT` (the same converter for every student of an assignment: the
  engine grades the whole class in one run, `GradeWithEngine.jobs` = 2 workers);
- `python -m autograde grade SUBMITTED --jobs 2`.

Usage: `python benchmarks/formgrader_speed.py [--copies 30] [--clicks 3]`
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
ASSIGNMENTS = ("callbacks_quiz", "callbacks_lab")


def _class(course, copies):
    """The reference submission of each assignment, `copies` times, in nbgrader's submitted/ folder."""
    import nbformat

    from autograde.notebooks import graded_copy, student_answers

    for assignment in ASSIGNMENTS:
        reference = student_answers(nbformat.read(str(ROOT / "solutions" / assignment / f"{assignment}.ipynb"),
                                                  as_version=4))
        nb = graded_copy(nbformat.read(str(ROOT / "quizzes" / assignment / f"{assignment}.ipynb"), as_version=4),
                         reference)
        for n in range(copies):
            path = course.nbgrader_root / "submitted" / f"student{n:02d}" / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(path))


def _fresh(base, name, copies):
    from autograde.course import Course

    course = Course(ROOT, work=base / name)
    course.init()
    _class(course, copies)
    (course.nbgrader_root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"load_subconfig({str(ROOT / 'autograde' / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(course.nbgrader_root)!r}\n"
        f"c.GradeWithEngine.work = {str(course.work)!r}\n")
    return course


def _clicks(course, clicks):
    """Seconds per Autograde click (NbGraderAPI.autograde of one student) for each assignment."""
    script = (
        "import os, sys, time\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from nbgrader.coursedir import CourseDirectory\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        f"config = PyFileConfigLoader('nbgrader_config.py', path={str(course.nbgrader_root)!r}).load_config()\n"
        "api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)\n"
        f"for assignment in {ASSIGNMENTS!r}:\n"
        f"    for n in range({clicks}):\n"
        "        start = time.perf_counter()\n"
        "        result = api.autograde(assignment, f'student{n:02d}')\n"
        "        assert result['success'], result.get('log')\n"
        "        print(assignment, time.perf_counter() - start, flush=True)\n"
        "        print(assignment, time.perf_counter() - start, file=sys.stderr, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=course.nbgrader_root, stdout=subprocess.PIPE,
                          text=True, env=_env())
    if done.returncode:
        sys.exit("the Autograde clicks failed (their log is above)")
    per = {}
    for line in done.stdout.split("\n"):
        if line.split()[:1] and line.split()[0] in ASSIGNMENTS:
            per.setdefault(line.split()[0], []).append(float(line.split()[1]))
    return {a: sum(v) / len(v) for a, v in per.items()}


def _env():
    return dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def _timed(command, cwd):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=_env())
    if done.returncode:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=30, help="submissions per assignment")
    parser.add_argument("--clicks", type=int, default=3, help="Autograde clicks timed per assignment")
    args = parser.parse_args()
    os.environ.update(CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    sys.path.insert(0, str(ROOT))
    nbgrader = os.path.join(os.path.dirname(sys.executable), "nbgrader")
    with tempfile.TemporaryDirectory(prefix="formgrader-speed-") as tmp:
        tmp = pathlib.Path(tmp)
        loads = [os.getloadavg()[0]]
        click = _clicks(_fresh(tmp, "clicks", args.clicks), args.clicks)
        loads.append(os.getloadavg()[0])
        course = _fresh(tmp, "nbgrader", args.copies)
        whole = {a: _timed([nbgrader, "autograde", a], course.nbgrader_root) for a in ASSIGNMENTS}
        loads.append(os.getloadavg()[0])
        cli_course = _fresh(tmp, "cli", args.copies)
        cli = _timed([sys.executable, "-m", "autograde", "--work", str(cli_course.work), "grade",
                      str(cli_course.nbgrader_root / "submitted"), "--out", str(tmp / "out"), "--jobs", "2"], ROOT)
        loads.append(os.getloadavg()[0])
        shutil.rmtree(tmp, ignore_errors=True)
    n = args.copies
    print(f"a class of {n} quiz and {n} lab submissions (reference answers), cold cache, {os.cpu_count()} cores")
    for assignment in ASSIGNMENTS:
        print(f"formgrader Autograde button, {assignment}: {click[assignment]:6.1f} s per click "
              f"(mean of {args.clicks}); x{n} clicks = {click[assignment] * n:7.1f} s")
    print(f"formgrader Autograde button, whole class (clicks x{n}): {sum(click.values()) * n:7.1f} s")
    print(f"nbgrader autograde ASSIGNMENT (all students, engine --jobs 2): "
          + ", ".join(f"{a} {t:.1f} s" for a, t in whole.items()) + f"; total {sum(whole.values()):.1f} s")
    print(f"python -m autograde grade --jobs 2 (both assignments): {cli:7.1f} s")
    print("load average (1 min) before/after each part: " + ", ".join(f"{x:.1f}" for x in loads))


if __name__ == "__main__":
    main()
