"""The instructor's journey: release with the engine, see the assignments in nbgrader's formgrader,
grade a demo submission with the engine, see its score in formgrader.

Screenshots: screenshots/instructor/NN-*.png.
"""

import csv
import subprocess

import nbformat
import pytest
from playwright.sync_api import expect

from journeys import QUIZ, as_code, quiz_key, reference_answers
from labpage import menu
from labserver import ROOT, VENV, LabServer, copy_course

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("lab-instructor")]
JOURNEY = "instructor"
STUDENT = "demo_student"


@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    """A scratch copy of the course: the engine's nbgrader folder goes to its .autograde/course."""
    return copy_course(tmp_path_factory.mktemp("instructor-root"))


@pytest.fixture(scope="module")
def instructor_lab(course_root, tmp_path_factory):
    with LabServer(VENV / "bin/python", root=course_root, scratch=tmp_path_factory.mktemp("instructor-jupyter")) as lab:
        yield lab


def autograde(course_root, *args):
    """Run `python -m autograde --course COURSE_ROOT ARGS` as an instructor would; returns its stdout."""
    done = subprocess.run([str(VENV / "bin/python"), "-m", "autograde", "--course", str(course_root), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"python -m autograde {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def demo_submission(course_root, folder):
    """The released quiz with every answer of the reference solution, except a wrong answer to q01."""
    nb = nbformat.read(course_root / QUIZ, as_version=4)
    answers = reference_answers()
    answers["q01"] = as_code("q01", set("ABCD") - quiz_key("q01"))
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    path = folder / STUDENT / "callbacks_quiz" / "callbacks_quiz.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return folder


def formgrader(page):
    """The formgrader panel's frame inside JupyterLab."""
    return page.frame_locator(".jp-MainAreaWidget:not(.lm-mod-hidden) iframe")


def test_formgrader_lists_assignments_and_shows_the_engine_score(page, instructor_lab, course_root, shots,
                                                                 tmp_path):
    released = autograde(course_root, "release")
    assert "callbacks_quiz.ipynb" in released and "callbacks_lab.ipynb" in released

    page.goto(instructor_lab.url("lab"))
    expect(page.locator(".jp-LabShell")).to_be_visible(timeout=60_000)
    menu(page, "Nbgrader", "Formgrader")
    frame = formgrader(page)
    rows = frame.locator("table tbody tr")
    for assignment in ("callbacks_quiz", "callbacks_lab"):
        expect(rows.filter(has_text=assignment).first, f"formgrader does not list {assignment}").to_be_visible(
            timeout=60_000)
    shots(page, "01-formgrader-assignments")

    out = tmp_path / "grades"
    autograde(course_root, "grade", str(demo_submission(course_root, tmp_path / "submitted")), "--out", str(out))
    with open(out / "grades.csv") as table:
        grades = {row["assignment"]: row for row in csv.DictReader(table) if row["student_id"] == STUDENT}
    score, max_score = float(grades["callbacks_quiz"]["score"]), float(grades["callbacks_quiz"]["max_score"])
    assert (score, max_score) == (19, 20), "the demo submission answers all but q01 right"
    shown = f"{score:g} / {max_score:g}"

    frame.get_by_role("link", name="Manage Students").click()
    student = frame.locator("table tbody tr", has_text=STUDENT)
    # the overall score: over every assignment in the gradebook (the lab is not submitted)
    expect(student, "formgrader does not show the graded student").to_contain_text(f"{score:g} / ", timeout=30_000)
    student.get_by_role("link").first.click()  # the student's name opens their scores per assignment
    quiz_row = frame.locator("table tbody tr", has_text="callbacks_quiz")
    expect(quiz_row, "formgrader does not show the quiz score").to_contain_text(shown, timeout=30_000)
    shots(page, "02-formgrader-student-scores")

    frame.get_by_role("link", name="Manage Assignments").click()
    frame.locator("table tbody tr", has_text="callbacks_quiz").get_by_role("link", name="1", exact=True).click()
    submission = frame.locator("table tbody tr", has_text=STUDENT)
    expect(submission).to_contain_text("graded", timeout=30_000)
    expect(submission).to_contain_text(shown)
    shots(page, "03-formgrader-submission-score")
