"""`python -m autograde init` (run by `make lab`): formgrader's course folder, quizzes/ untouched."""

import hashlib

import pytest

from autograde.course import REPO, Course
from support.grading import autograde

pytestmark = pytest.mark.slow


def digest(folder):
    return {p.relative_to(folder): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.ipynb"))}


def test_init_registers_every_assignment_and_leaves_quizzes_alone(tmp_path):
    before = digest(REPO / "quizzes")
    done = autograde("init", course=REPO, work=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "callbacks_lab, callbacks_quiz" in done.stdout
    assert digest(REPO / "quizzes") == before
    assert (tmp_path / "exchange").is_dir()
    assert (tmp_path / "course" / "source").resolve() == REPO / "solutions"

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'course' / 'gradebook.db'}") as gradebook:
        assignments = {a.name: a for a in gradebook.assignments}
        assert sorted(assignments) == ["callbacks_lab", "callbacks_quiz"]
        assert assignments["callbacks_quiz"].max_score == 20
        assert assignments["callbacks_lab"].max_score == 37


def test_exam_release_goes_to_its_own_folder(tmp_path):
    before = digest(REPO / "quizzes")
    done = autograde("release", "--exam", "--out", str(tmp_path / "exam"), course=REPO, work=tmp_path / "work",
                     timeout=300)
    assert done.returncode == 0, done.stderr
    assert digest(REPO / "quizzes") == before
    import nbformat

    quiz = Course(REPO).module("callbacks_quiz")
    EXAM_SELFCHECK, SELFCHECK_TAG = quiz.EXAM_SELFCHECK, quiz.SELFCHECK_TAG

    def selfcheck_cell(path):
        (cell,) = [c for c in nbformat.read(str(path), as_version=4).cells if SELFCHECK_TAG in c.metadata.get("tags", [])]
        return cell.source

    assert selfcheck_cell(tmp_path / "exam" / "callbacks_quiz" / "callbacks_quiz.ipynb") == EXAM_SELFCHECK
    assert selfcheck_cell(REPO / "quizzes" / "callbacks_quiz" / "callbacks_quiz.ipynb") != EXAM_SELFCHECK
