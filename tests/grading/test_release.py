"""quizzes/ is exactly what nbgrader's generate_assignment makes from solutions/ today."""

import json

import pytest

from autograde.course import REPO, Course

pytestmark = pytest.mark.slow


def test_quizzes_are_generated_from_solutions(tmp_path):
    course = Course(REPO, work=tmp_path / "work", quizzes=tmp_path / "quizzes")
    assert course.assignments(), "solutions/ holds no assignment"
    generated = {p.relative_to(tmp_path / "quizzes"): json.loads(p.read_text()) for p in course.release()}
    committed = {p.relative_to(REPO / "quizzes"): json.loads(p.read_text())
                 for p in (REPO / "quizzes").glob("*/*.ipynb")}
    assert sorted(committed) == sorted(generated), "run `python -m autograde release`"
    stale = [str(path) for path in generated if generated[path] != committed[path]]
    assert not stale, f"quizzes/ out of date (run `python -m autograde release`): {stale}"


def test_student_versions_hold_no_solution_or_hidden_test():
    released = sorted((REPO / "quizzes").glob("*/*.ipynb"))
    assert released
    for path in released:
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "graded by the engine"):
            assert marker not in text, f"{path.relative_to(REPO)} contains {marker!r}"


def test_release_cli_rejects_a_course_without_registry(tmp_path):
    (tmp_path / "solutions" / "a1").mkdir(parents=True)
    (tmp_path / "solutions" / "a1" / "a1.ipynb").write_text(json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    from autograde.__main__ import main

    assert main(["--course", str(tmp_path), "grade", str(tmp_path / "nowhere")]) == 2
