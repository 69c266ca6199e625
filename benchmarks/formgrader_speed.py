"""Autograding a class with the formgrader's Autograde button versus `python -m autograde grade --jobs 2`.

A class of N copies of the quiz's and N of the lab's reference submission (default 30 each) sits in
nbgrader's `submitted/` folder of a scratch course and is graded from a cold cache two ways:

- the formgrader's Autograde button, clicked for every student of each assignment: each click is
  `NbGraderAPI.autograde(assignment, student)`, run here in one process as in the formgrader's
  server; the first click of an assignment grades its whole class through the engine
  (`GradeWithEngine.whole_class`, 2 workers), the others apply cached results;
- `python -m autograde grade SUBMITTED --jobs 2`.

Usage: `python benchmarks/formgrader_speed.py [--copies 30]`
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
    """The reference submission of each assignment, `copies` times, in nbgrader's submitted/ folder
    (autograde/demo.py's class builder)."""
    from autograde.demo import reference_answers, write_class

    for assignment in ASSIGNMENTS:
        answers = reference_answers(course, assignment)
        write_class(course.nbgrader_root / "submitted", course.quizzes / assignment / f"{assignment}.ipynb",
                    {f"student{n:02d}": answers for n in range(copies)})


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


def _clicks(course, copies):
    """{assignment: (seconds of the first click, seconds of all clicks)} clicking every student in turn."""
    script = (
        "import sys, time\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from nbgrader.coursedir import CourseDirectory\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        f"config = PyFileConfigLoader('nbgrader_config.py', path={str(course.nbgrader_root)!r}).load_config()\n"
        "api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)\n"
        f"for assignment in {ASSIGNMENTS!r}:\n"
        f"    for n in range({copies}):\n"
        "        start = time.perf_counter()\n"
        "        result = api.autograde(assignment, f'student{n:02d}')\n"
        "        assert result['success'], result.get('log')\n"
        "        print('click', assignment, time.perf_counter() - start, flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=course.nbgrader_root, stdout=subprocess.PIPE,
                          text=True, env=_env())
    if done.returncode:
        sys.exit("the Autograde clicks failed (their log is above)")
    times = {}
    for line in done.stdout.splitlines():
        if line.startswith("click "):
            _, assignment, seconds = line.split()
            times.setdefault(assignment, []).append(float(seconds))
    return {a: (t[0], sum(t)) for a, t in times.items()}


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
    args = parser.parse_args()
    os.environ.update(CALLBACKS_COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="formgrader-speed-") as tmp:
        tmp = pathlib.Path(tmp)
        loads = [os.getloadavg()[0]]
        clicks = _clicks(_fresh(tmp, "clicks", args.copies), args.copies)
        loads.append(os.getloadavg()[0])
        print(f"formgrader Autograde button, {args.copies} clicks per assignment: "
              + "; ".join(f"{a} {total:.1f} s (first click {first:.1f} s)" for a, (first, total) in clicks.items())
              + f"; total {sum(t for _, t in clicks.values()):.1f} s", flush=True)
        cli_course = _fresh(tmp, "cli", args.copies)
        cli = _timed([sys.executable, "-m", "autograde", "--work", str(cli_course.work), "grade",
                      str(cli_course.nbgrader_root / "submitted"), "--out", str(tmp / "out"), "--jobs", "2"], ROOT)
        loads.append(os.getloadavg()[0])
        print(f"python -m autograde grade --jobs 2, both assignments: {cli:.1f} s")
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"a class of {args.copies} quiz and {args.copies} lab submissions (reference answers), cold cache, "
          f"{os.cpu_count()} cores; load average (1 min) at start / after the clicks / after the CLI: "
          + " / ".join(f"{x:.1f}" for x in loads))


if __name__ == "__main__":
    main()
