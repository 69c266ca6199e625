"""Shared fixtures of the grading-engine tests: the sample course released once a session.

The helpers live in tests/support/grading.py (`from support.grading import ...`); they are also
names here for the test files that still import them `from conftest`.
"""

import pytest

from support.grading import REFERENCE, ROOT, SAMPLE, autograde, graded_in_jail, submission, write_class  # noqa: F401


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory):
    """The sample course released into a temporary folder: (work folder, released notebook)."""
    base = tmp_path_factory.mktemp("sample_release")
    from autograde.course import Course

    course = Course(SAMPLE, work=base / "work", quizzes=base / "quizzes")
    course.release()
    return base / "work", base / "quizzes" / "sample" / "sample.ipynb"


@pytest.fixture(scope="session")
def sample_class(sample_release, tmp_path_factory):
    """The session's graded class of the sample course (tests/support/sample_class.py): its tests carry
    `@pytest.mark.xdist_group("graded_class")`."""
    from support.sample_class import build

    return build(tmp_path_factory.mktemp("sample_class"), sample_release[1])
