"""`python -m autograde init` (run by `make lab`): formgrader's course folder, quizzes/ untouched."""

import hashlib

import pytest

from autograde.course import REPO
from conftest import autograde

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
        assert assignments["callbacks_lab"].max_score == 30
