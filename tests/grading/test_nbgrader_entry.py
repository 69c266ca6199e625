"""`nbgrader autograde` (what formgrader's Autograde button runs) grades through the engine.

The sample course's nbgrader folder gets three submissions; nbgrader's own command autogrades them
(GradeWithEngine runs the sandboxes), its gradebook must hold the scores `python -m autograde grade`
gives, one student is regraded alone, and nbgrader's feedback carries the engine's messages without
hidden tests.
"""

import csv
import os
import subprocess
import sys

import nbformat
import pytest

from autograde.course import Course
from support.grading import REFERENCE, ROOT, SAMPLE, autograde, submission

pytestmark = pytest.mark.slow

WRONG = {"ex1": "def add(a, b):\n    return a - b if a < 0 else a + b"}


def nbgrader(*args, cwd):
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "nbgrader"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def csv_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def course_folder(tmp_path_factory):
    """nbgrader's course folder of the sample course, with submissions of ref, wrong and blank."""
    base = tmp_path_factory.mktemp("nbgrader_entry")
    course = Course(SAMPLE, work=base / "work")
    course.init()
    root = course.nbgrader_root
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"load_subconfig({str(ROOT / 'autograde' / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.GradeWithEngine.course_root = {str(SAMPLE)!r}\n"
        f"c.GradeWithEngine.work = {str(course.work)!r}\n")
    released = root / "release_for_grading" / "sample" / "sample.ipynb"
    for student, answers in {"ref": REFERENCE, "wrong": WRONG, "blank": {}}.items():
        folder = root / "submitted" / student / "sample"
        folder.mkdir(parents=True)
        nbformat.write(submission(released, answers), str(folder / "sample.ipynb"))
    done = nbgrader("autograde", "sample", cwd=root)
    return base, root, done


def test_nbgrader_autograde_scores_equal_the_engine(course_folder):
    base, root, done = course_folder
    assert "autograde engine: [3/3]" in done.stdout + done.stderr  # progress in nbgrader's log
    nbgrader("export", "--to", str(base / "nbgrader.csv"), cwd=root)
    book = {r["student_id"]: float(r["raw_score"]) for r in csv_rows(base / "nbgrader.csv")}
    engine = autograde("grade", str(root / "submitted"), "--out", str(base / "cli"), work=base / "cli_work")
    assert engine.returncode == 0, engine.stderr
    cli = {r["student_id"]: float(r["score"]) for r in csv_rows(base / "cli" / "grades.csv")}
    assert book == cli
    assert cli["ref"] == 4.0 and cli["blank"] == 0.0 and 0 < cli["wrong"] < 4


def test_regrading_one_student(course_folder):
    base, root, _ = course_folder
    released = root / "release_for_grading" / "sample" / "sample.ipynb"
    nbformat.write(submission(released, REFERENCE), str(root / "submitted" / "blank" / "sample" / "sample.ipynb"))
    done = nbgrader("autograde", "sample", "--student", "blank", "--force", cwd=root)
    log = done.stdout + done.stderr
    assert "blank sample 4/4\n" in log and "ref sample 4/4 (cached)" in log  # only the changed one runs
    nbgrader("export", "--to", str(base / "regraded.csv"), cwd=root)
    book = {r["student_id"]: float(r["raw_score"]) for r in csv_rows(base / "regraded.csv")}
    assert book["blank"] == 4.0 and book["ref"] == 4.0 and 0 < book["wrong"] < 4


def test_feedback_has_the_engine_messages_and_no_hidden_tests(course_folder):
    _, root, _ = course_folder
    nbgrader("generate_feedback", "sample", "--student", "wrong", "--force", cwd=root)
    page = (root / "feedback" / "wrong" / "sample" / "sample.html").read_text()
    assert "of 4 hidden cases right" in page
    assert "BEGIN HIDDEN TESTS" not in page and "graded by the engine" not in page


def test_one_click_grades_the_class_so_the_next_clicks_are_cached(course_folder):
    _, root, _ = course_folder
    released = root / "release_for_grading" / "sample" / "sample.ipynb"
    (root / "submitted" / "late" / "sample").mkdir(parents=True)
    nbformat.write(submission(released, WRONG), str(root / "submitted" / "late" / "sample" / "sample.ipynb"))
    first = nbgrader("autograde", "sample", "--student", "ref", "--force", cwd=root)
    log = first.stdout + first.stderr
    assert "late sample 1.5/4\n" in log and "ref sample 4/4 (cached)" in log
    second = nbgrader("autograde", "sample", "--student", "late", cwd=root)
    assert "late sample 1.5/4 (cached)" in second.stdout + second.stderr
